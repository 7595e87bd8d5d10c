"""Checkpoint files: a header naming the kind, version and checksum, then plain data and tensors.

The file format (version 1)::

    STREAMAD-CHECKPOINT\\n
    {"version":1,"kind":"RollingDetector","size":21503,"sha256":"9f2c..."}\\n
    <size bytes: torch.save of the state, plain data and tensors only>

``sha256`` is the hex SHA-256 of ``"<version>\\n<kind>\\n<size>\\n"`` followed by the payload, so
a changed byte anywhere after the first line is caught. The payload is read back with
``torch.load(weights_only=True)``: no pickled code runs, and no module is imported.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from streamad.persist.atomic import write_atomic
from streamad.persist.errors import CheckpointError
from streamad.persist.plain import to_plain

__all__ = ["VERSION", "load", "save"]

MAGIC = b"STREAMAD-CHECKPOINT\n"
VERSION = 1
_MAX_HEADER = 4096


def _digest(kind: str, payload: bytes | memoryview) -> str:
    sha = hashlib.sha256(f"{VERSION}\n{kind}\n{len(payload)}\n".encode())
    sha.update(payload)
    return sha.hexdigest()


def save(state: dict[str, Any], path: str | os.PathLike, kind: str) -> None:
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

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import torch
    >>> from streamad import persist
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.pt"
    >>> persist.save({"step": 3, "weights": torch.ones(2)}, path, kind="Example")
    >>> persist.load(path, kind="Example")
    {'step': 3, 'weights': tensor([1., 1.])}
    >>> path.read_bytes().splitlines()[0]
    b'STREAMAD-CHECKPOINT'
    """
    if not isinstance(state, dict):
        raise TypeError(f"a checkpoint holds a dict, not a {type(state).__name__}")
    if not isinstance(kind, str) or not kind.isprintable() or not 0 < len(kind) <= 100:
        raise ValueError(f"kind must be a short printable string, not {kind!r}")
    buffer = io.BytesIO()
    torch.save(to_plain(state), buffer)
    payload = buffer.getbuffer()
    header = {"version": VERSION, "kind": kind, "size": len(payload)}
    header["sha256"] = _digest(kind, payload)
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
    return header, end + 1


def load(path: str | os.PathLike, kind: str) -> dict[str, Any]:
    """The state saved by :func:`save` to ``path`` as a checkpoint of ``kind``.

    Any problem raises :class:`CheckpointError` naming the file: it is missing, empty,
    truncated, not a streamad checkpoint, corrupt (a checksum mismatch), a checkpoint of another
    kind or of an unsupported version, or its payload holds more than plain data and tensors.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.persist import CheckpointError, load
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty.pt"
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
        data = Path(path).read_bytes()
    except FileNotFoundError as error:
        raise fail("no such file") from error
    except OSError as error:
        raise fail(f"cannot read it ({error.strerror or error})") from error
    header, start = _header(data, fail)
    if header["version"] != VERSION:
        raise fail(
            f"checkpoint format version {header['version']} is not supported "
            f"(this streamad reads version {VERSION}; a newer streamad may have written it)"
        )
    payload = memoryview(data)[start:]
    if len(payload) < header["size"]:
        raise fail(f"truncated ({len(payload)} of {header['size']} payload bytes)")
    if len(payload) != header["size"] or _digest(header["kind"], payload) != header["sha256"]:
        raise fail("corrupt (checksum mismatch): the file changed after it was saved")
    if header["kind"] != kind:
        raise fail(f"a checkpoint of kind {header['kind']!r}, not {kind!r}")
    try:
        state = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types here; none may reach the user bare
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise fail(f"torch refused its payload ({type(error).__name__}: {first})") from error
    if not isinstance(state, dict):
        raise fail(f"its payload is a {type(state).__name__}, not a dict")
    return state
