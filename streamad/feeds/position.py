"""Where a feed stood when the monitor was saved: a small JSON file beside the checkpoint.

A checkpoint and its position are two files, and no write of two files is atomic. So the
position file is written first and holds two entries: the one that matches the checkpoint on
disk, and the one about to be saved. Each names the monitor's sample count (``n_seen``) at that
point. Whichever checkpoint a crash leaves on disk, old or new, :meth:`Positions.entry_for`
finds the entry with its sample count: the feed resumes right after the last sample it holds,
with nothing lost and nothing scored twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "Positions", "PositionError", "sidecar"]

FORMAT = "streamad.watch.position/1"


class PositionError(ValueError):
    """A position file that is missing, unreadable or does not match its checkpoint."""


def sidecar(checkpoint: str | os.PathLike[str]) -> Path:
    """The position file of a checkpoint: ``<checkpoint>.position.json``.

    Examples
    --------
    >>> from streamad.feeds import sidecar
    >>> sidecar("runs/monitor.ckpt").as_posix()
    'runs/monitor.ckpt.position.json'
    """
    path = Path(checkpoint)
    return path.with_name(path.name + ".position.json")


class Positions:
    """The entries of a position file; :meth:`prepare` before each save of the checkpoint.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.feeds import Positions
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.ckpt.position.json"
    >>> positions = Positions(path)
    >>> positions.prepare({"n_seen": 100, "feed": {"lines": 101}})
    >>> positions.prepare({"n_seen": 200, "feed": {"lines": 201}})  # then a crash...
    >>> Positions.read(path).entry_for(100)["feed"]  # ...before the save of sample 200
    {'lines': 101}
    """

    def __init__(self, path: str | os.PathLike[str], entries: list[dict[str, Any]] | None = None):
        self.path = Path(path)
        self.entries = list(entries or [])

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Positions:
        """Read a position file; :class:`PositionError` naming it when it cannot be used."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PositionError(f"position file {path} not found") from None
        except (OSError, ValueError) as error:
            raise PositionError(f"position file {path} is unreadable: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PositionError(f"{path} is not a streamad position file ({FORMAT})")
        entries = data.get("entries")
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("n_seen"), int) for e in entries
        ):
            raise PositionError(f"position file {path}: malformed entries")
        return cls(path, entries)

    def entry_for(self, n_seen: int) -> dict[str, Any]:
        """The newest entry saved with the checkpoint's sample count ``n_seen``."""
        for entry in reversed(self.entries):
            if entry["n_seen"] == n_seen:
                return entry
        counts = ", ".join(str(e["n_seen"]) for e in self.entries) or "none"
        raise PositionError(
            f"position file {self.path} does not match its checkpoint: the checkpoint holds "
            f"{n_seen} samples, the position file knows of {counts}"
        )

    def prepare(self, entry: dict[str, Any]) -> None:
        """Write ``entry`` (the position of the checkpoint about to be saved) atomically, keeping
        the entry of the checkpoint now on disk."""
        self.entries = [*self.entries[-1:], entry]
        data = json.dumps({"format": FORMAT, "entries": self.entries}, indent=1)
        _write_atomic(self.path, data.encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: a synced temporary file renamed over it, folder synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")  # one writer per checkpoint: reused, never left over
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    if os.name == "posix":
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
