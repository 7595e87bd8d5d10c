"""Checkpoint files: a header naming the kind, version and checksum, then plain data and tensors.

The file format (version 2)::

    STREAMAD-CHECKPOINT\\n
    {"version":2,"kind":"RollingDetector","size":21503,"sha256":"9f2c..."}\\n
    <size bytes: the payload, a JSON tree then raw tensor bytes (streamad.persist.layout)>

``sha256`` is the hex SHA-256 of ``"<version>\\n<kind>\\n<size>\\n"`` followed by the payload, so
a changed byte anywhere after the first line is caught. It guards against damage, not against
someone who can write the file (they can recompute it): for that, sign with a key
(:mod:`streamad.persist.signing`), which adds ``"key_id"`` and ``"hmac"`` to the header. The
payload is parsed as JSON and raw bytes only: no pickle, no ``torch.load``, no code from the
file. Files of version 1 (a ``torch.save`` payload) are refused, since reading them would mean
unpickling.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamad.persist import signing
from streamad.persist.atomic import write_atomic
from streamad.persist.errors import CheckpointError
from streamad.persist.layout import decode, encode

__all__ = ["VERSION", "load", "save"]

MAGIC = b"STREAMAD-CHECKPOINT\n"
VERSION = 2
_MAX_HEADER = 4096
_HEX = {"sha256": re.compile("[0-9a-f]{64}"), "hmac": re.compile("[0-9a-f]{64}")}
_HEX["key_id"] = re.compile("[0-9a-f]{16}")


def _prefix(version: int, kind: str, size: int) -> bytes:
    """What the checksum and the signature cover before the payload."""
    return f"{version}\n{kind}\n{size}\n".encode()


def _digest(prefix: bytes, payload: bytes | memoryview) -> str:
    sha = hashlib.sha256(prefix)
    sha.update(payload)
    return sha.hexdigest()


def save(
    state: dict[str, Any],
    path: str | os.PathLike,
    kind: str,
    *,
    key: bytes | str | None = None,
) -> None:
    """Save ``state`` (plain data and tensors) to ``path`` atomically, as a checkpoint of ``kind``.

    The file is written beside ``path`` under a temporary name, synced, then renamed over
    ``path``: a crash leaves either the old or the new complete file. Temporary files left in
    that folder by earlier crashed saves are removed first.

    Parameters
    ----------
    state
        A dict of None, bools, numbers, strings, bytes, lists, tuples, dicts and tensors;
        classes and functions go in by name (:func:`name_of`). NumPy bool, integer and float
        scalars and str subclasses (``numpy.str_``) are stored as Python's own kinds.
    path
        The file to write (its folder is created if need be).
    kind
        What the state is (``"RollingDetector"``, ``"Monitor"``, ...): :func:`load` checks it.
    key
        A secret (bytes or text) to sign the file with (HMAC-SHA256); None: the environment
        variable ``STREAMAD_CHECKPOINT_KEY`` if it is set, else the file is not signed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import torch
    >>> from streamad import persist
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.ckpt"
    >>> persist.save({"step": 3, "weights": torch.ones(2)}, path, kind="Example", key="s3cret")
    >>> persist.load(path, kind="Example", key="s3cret")
    {'step': 3, 'weights': tensor([1., 1.])}
    >>> path.read_bytes().splitlines()[0]
    b'STREAMAD-CHECKPOINT'
    """
    if not isinstance(state, dict):
        raise TypeError(f"a checkpoint holds a dict, not a {type(state).__name__}")
    if not isinstance(kind, str) or not kind.isprintable() or not 0 < len(kind) <= 100:
        raise ValueError(f"kind must be a short printable string, not {kind!r}")
    secret = signing.resolve_key(key)
    chunks = encode(state)
    payload = b"".join(chunks)
    prefix = _prefix(VERSION, kind, len(payload))
    header: dict[str, Any] = {"version": VERSION, "kind": kind, "size": len(payload)}
    header["sha256"] = _digest(prefix, payload)
    if secret is not None:
        header["key_id"] = signing.key_id(secret)
        header["hmac"] = signing.sign(secret, prefix, payload)
    line = json.dumps(header, separators=(",", ":")).encode() + b"\n"
    write_atomic(Path(path), [MAGIC, line, payload])


def _header(data: bytes, fail: Callable[[str], CheckpointError]) -> tuple[dict[str, Any], int]:
    """The header of ``data`` and where its payload starts."""
    if not data:
        raise fail("the file is empty (0 bytes)")
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data):
            raise fail("truncated inside its header")
        if data.startswith(b"PK\x03\x04"):
            raise fail("a bare torch file, not a streamad checkpoint (it has no header)")
        raise fail("not a streamad checkpoint (no STREAMAD-CHECKPOINT header)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise fail("truncated or corrupt header")
    try:
        header = json.loads(data[len(MAGIC) : end].decode())
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise fail("corrupt header") from error
    fields = {"version": int, "kind": str, "size": int, "sha256": str}
    if not isinstance(header, dict) or any(
        type(header.get(name)) is not type_ for name, type_ in fields.items()
    ):
        raise fail("corrupt header")
    if ("hmac" in header) != ("key_id" in header) or any(
        name in header and not (isinstance(header[name], str) and pattern.fullmatch(header[name]))
        for name, pattern in _HEX.items()
    ):
        raise fail("corrupt header")
    return header, end + 1


def load(path: str | os.PathLike, kind: str, *, key: bytes | str | None = None) -> dict[str, Any]:
    """The state saved by :func:`save` to ``path`` as a checkpoint of ``kind``.

    Any problem raises :class:`CheckpointError` naming the file: it is missing, empty,
    truncated, not a streamad checkpoint, corrupt (a checksum mismatch), a checkpoint of another
    kind or of an unsupported version (version 1, a ``torch.save`` payload, included), its
    signature does not match ``key``, or its payload is malformed. Nothing in the file is
    unpickled or imported: the payload is JSON and raw tensor bytes.

    Parameters
    ----------
    path
        The file to read.
    kind
        The kind of state expected (as given to :func:`save`).
    key
        The secret the file was signed with; None: the environment variable
        ``STREAMAD_CHECKPOINT_KEY`` if it is set. While a key is set, only files signed with it
        load; without one, a signed file is refused and the checksum only catches damage.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.persist import CheckpointError, load
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.ckpt"
    >>> _ = path.write_bytes(b"")
    >>> try:
    ...     load(path, kind="Monitor")
    ... except CheckpointError as error:
    ...     print(str(error).replace(str(path), "<path>"))
    cannot load <path>: the file is empty (0 bytes)
    """

    def fail(problem: str) -> CheckpointError:
        return CheckpointError(f"cannot load {os.fspath(path)}: {problem}")

    try:
        secret = signing.resolve_key(key)
    except (TypeError, ValueError) as error:
        raise fail(str(error)) from error
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as error:
        raise fail("no such file") from error
    except OSError as error:
        raise fail(f"cannot read it ({error.strerror or error})") from error
    header, start = _header(data, fail)
    if header["version"] == 1:
        raise fail(
            "it is in an older checkpoint format (version 1: a torch.save payload), which this "
            "streamad no longer reads, since reading it means unpickling; convert a file you "
            "trust as docs/checkpoints.md shows (Format version 1), or save the model again"
        )
    if header["version"] != VERSION:
        raise fail(
            f"checkpoint format version {header['version']} is not supported "
            f"(this streamad reads version {VERSION}; a newer streamad may have written it)"
        )
    payload = memoryview(data)[start:]
    if len(payload) < header["size"]:
        raise fail(f"truncated ({len(payload)} of {header['size']} payload bytes)")
    prefix = _prefix(header["version"], header["kind"], header["size"])
    if len(payload) != header["size"] or _digest(prefix, payload) != header["sha256"]:
        raise fail("corrupt (checksum mismatch): the file changed after it was saved")
    problem = signing.verify(header, secret, prefix, payload)
    if problem is not None:
        raise fail(problem)
    if header["kind"] != kind:
        raise fail(f"a checkpoint of kind {header['kind']!r}, not {kind!r}")
    try:
        state = decode(payload)
    except Exception as error:  # malformed JSON, entries, sizes, or too deep: never bare
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise fail(f"a malformed payload ({type(error).__name__}: {first})") from error
    if not isinstance(state, dict):
        raise fail(f"its payload is a {type(state).__name__}, not a dict")
    return state
