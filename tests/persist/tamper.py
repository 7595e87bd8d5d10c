"""Rewriting a checkpoint as anyone with write access could: a new payload, a fresh checksum."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from streamad.persist.checkpoint import MAGIC


def split(path: Path) -> tuple[dict, bytes]:
    """The header and the payload of the checkpoint at ``path``."""
    data = path.read_bytes()
    end = data.index(b"\n", len(MAGIC))
    return json.loads(data[len(MAGIC) : end]), data[end + 1 :]


def write(path: Path, header: dict, payload: bytes) -> None:
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)


def checksum(version: int, kind: str, payload: bytes) -> str:
    """The documented SHA-256: of ``"<version>\\n<kind>\\n<size>\\n"`` then the payload."""
    return hashlib.sha256(f"{version}\n{kind}\n{len(payload)}\n".encode() + payload).hexdigest()


def rewrite(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``old`` (found once in the payload) by ``new`` and recompute the checksum."""
    header, payload = split(path)
    assert payload.count(old) == 1 and len(old) == len(new)
    payload = payload.replace(old, new)
    header["sha256"] = checksum(header["version"], header["kind"], payload)
    write(path, header, payload)
