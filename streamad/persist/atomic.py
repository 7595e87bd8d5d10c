"""Atomic file replacement, and removal of the temporary files that crashed writes leave behind.

A write goes to ``.<name>.streamad.<host>.<pid>.<token>.tmp`` beside the target, is flushed and
synced, then renamed over the target (and the folder synced), so the target is always either the
old or the new complete file. A process killed mid-write leaves its temporary file behind: the
next write to the same folder removes it once its process is gone (or it is old).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["remove_stale", "temp_name", "write_atomic"]

STALE_SECONDS = 3600.0  # a temporary this old is stale even if its process id is in use again
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"
_TEMP = re.compile(r"\..+\.streamad\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp")


def temp_name(target: str) -> str:
    """A fresh temporary file name for a write to the file named ``target``.

    Examples
    --------
    >>> from streamad.persist.atomic import temp_name
    >>> name = temp_name("model.pt")
    >>> name.startswith(".model.pt.streamad.") and name.endswith(".tmp")
    True
    """
    return f".{target}.streamad.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (PermissionError), or no way to tell
        return True
    return True


def _is_stale(path: Path, host: str, pid: int, now: float) -> bool:
    try:
        if now - path.stat().st_mtime > STALE_SECONDS:
            return True
    except FileNotFoundError:
        return False
    # a process id only means something on its own machine (the folder may be shared)
    return os.name == "posix" and host == _HOST and not _alive(pid)


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporaries of crashed writes in ``folder``; returns the paths removed.

    A temporary is stale when the process that wrote it is gone (on this machine) or it is
    older than ``STALE_SECONDS``; the temporaries of writes still going on are left alone, and
    so is every file not named as :func:`temp_name` names them.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        match = _TEMP.fullmatch(entry.name)
        path = Path(entry.path)
        if match and _is_stale(path, match["host"], int(match["pid"]), now):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":  # folders cannot be opened for syncing elsewhere
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, chunks: Sequence[bytes | memoryview]) -> None:
    """Replace ``target`` by the concatenated ``chunks``, atomically and durably."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target.parent)
    tmp = target.parent / temp_name(target.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
