"""``watch --checkpoint``: save the monitor with its feed position; resume from both.

Order of a save: (1) the alarm file is flushed and synced, its size noted; (2) the position
file is rewritten, atomically, with two entries: the position of the checkpoint on disk and the
position about to be saved, each with the monitor's sample count ``n_seen``, the samples read
from the feed, the alarm file's size and the CSV header; (3) the monitor is saved, atomically.
Whichever checkpoint a crash leaves, :meth:`Positions.entry_for` finds the entry that matches
it: the feed resumes right after its last sample and the alarm file is cut back to its size.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

from streamad.cli.errors import fail, note
from streamad.feeds import Positions, sidecar

__all__ = ["Checkpointer", "Output", "resume"]


class Output:
    """Where alarm lines go: stdout, or a file (cut back to ``size`` on resume)."""

    def __init__(self, path: str | None, size: int | None = None) -> None:
        self.path = path
        self.file: IO[str]
        if path is None:
            self.file = sys.stdout
            return
        target = Path(path)
        if size is None:
            self.file = open(target, "w", encoding="utf-8")  # noqa: SIM115 (closed by close())
            return
        now = target.stat().st_size if target.exists() else 0
        if now < size:
            note(f"--out {path} holds {now:,} bytes, less than the {size:,} at the checkpoint")
        elif now > size:
            os.truncate(target, size)  # the alarms of samples the checkpoint had not learned
        self.file = open(target, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())

    def write(self, line: str) -> None:
        self.file.write(line + "\n")
        self.file.flush()

    def sync(self) -> int | None:
        """Flush (and for a file, sync) what was written; the file's size, or None."""
        self.file.flush()
        if self.path is None:
            return None
        os.fsync(self.file.fileno())
        return self.file.tell()

    def close(self) -> None:
        if self.path is not None:
            self.file.close()


class Checkpointer:
    """Saves the monitor and the feed position together (see the module docstring)."""

    def __init__(self, path: str, positions: Positions | None = None) -> None:
        self.path = path
        self.positions = positions or Positions(sidecar(path))

    def save(self, monitor: Any, entry: dict[str, Any], output: Output) -> None:
        entry = {"n_seen": int(monitor.n_seen), **entry, "out_bytes": output.sync()}
        self.positions.prepare(entry)
        monitor.save(self.path)


def resume(path: str, out: str | None = None) -> tuple[Any, Checkpointer, dict[str, Any]] | None:
    """The monitor saved at ``path``, its checkpointer and the matching position entry; None
    when there is no checkpoint yet.

    A start afresh that would lose work is refused (:func:`~streamad.cli.errors.fail`, before
    anything is written): the checkpoint gone but its position file kept, or alarms already in
    ``out`` (the ``--out`` file, which a start afresh empties). So is a checkpoint without its
    position file: where the feed stood and how much of ``out`` to keep are unknown.
    """
    positions_path = sidecar(path)
    if not Path(path).exists():
        _refuse_afresh(path, positions_path, out)
        note(f"no checkpoint at {path} yet: starting afresh")
        return None
    if not positions_path.exists():
        fail(
            f"--resume: the checkpoint {path} has no position file {positions_path}: where the "
            "feed stood and which alarms of --out to keep are unknown; put the position file back "
            f"to continue, or move {path} away and run without --resume to start afresh"
        )
    from streamad import Monitor

    monitor = Monitor.load(path)
    positions = Positions.read(positions_path)
    entry = positions.entry_for(int(monitor.n_seen))
    if not isinstance(entry.get("feed"), dict) or not isinstance(entry.get("samples"), int):
        fail(f"position file {positions.path}: malformed entry")
    return monitor, Checkpointer(path, Positions(positions.path, [entry])), entry


def _refuse_afresh(path: str, positions_path: Path, out: str | None) -> None:
    """Fail when starting afresh, without the checkpoint at ``path``, would lose work."""
    kept = out is not None and Path(out).is_file() and Path(out).stat().st_size > 0
    if positions_path.exists():
        move_out = f" and move --out {out} away" if kept else ""
        fail(
            f"--resume: the checkpoint {path} is missing, but its position file "
            f"{positions_path} is there: put the checkpoint back to continue, or remove the "
            f"position file{move_out} to start afresh"
        )
    if kept:
        size = Path(str(out)).stat().st_size
        fail(
            f"--resume: no checkpoint at {path}, but --out {out} holds {size:,} bytes of alarms, "
            f"which a start afresh would empty: put the checkpoint back to continue, or move "
            f"{out} away to start afresh"
        )
