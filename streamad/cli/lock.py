"""One live ``watch`` per checkpoint: a lock file beside it, held for as long as the watch runs.

The lock is :func:`fcntl.flock` on ``<checkpoint>.lock``, taken without waiting. The system
releases it when its holder ends, however it ends (``kill -9`` included), so a lock is never
stale; the file itself stays (removing it would let two processes lock two different files)
and holds the process id of its last holder, to name it to a second watch.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from streamad.cli.errors import fail

try:
    import fcntl
except ImportError:  # not a POSIX system: no lock
    fcntl = None  # type: ignore[assignment]

__all__ = ["CheckpointLock", "lock_file"]


def lock_file(checkpoint: str | os.PathLike[str]) -> Path:
    """The lock file of a checkpoint: ``<checkpoint>.lock``.

    Examples
    --------
    >>> from streamad.cli.lock import lock_file
    >>> lock_file("runs/monitor.ckpt").as_posix()
    'runs/monitor.ckpt.lock'
    """
    path = Path(checkpoint)
    return path.with_name(path.name + ".lock")


class CheckpointLock:
    """Hold the lock of ``checkpoint`` inside a ``with`` block; a second holder fails at once
    (:func:`~streamad.cli.errors.fail`: one line, exit status 2) naming the first.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.cli.errors import CliError
    >>> from streamad.cli.lock import CheckpointLock
    >>> checkpoint = pathlib.Path(tempfile.mkdtemp()) / "monitor.ckpt"
    >>> with CheckpointLock(checkpoint):
    ...     try:
    ...         CheckpointLock(checkpoint).__enter__()
    ...     except CliError as error:
    ...         print(str(error).split(" (")[0].endswith("is in use by another streamad watch"))
    True
    >>> with CheckpointLock(checkpoint):  # released at the end of the first block
    ...     pass
    """

    def __init__(self, checkpoint: str | os.PathLike[str]) -> None:
        self.checkpoint = checkpoint
        self.path = lock_file(checkpoint)
        self._fd: int | None = None

    def __enter__(self) -> CheckpointLock:
        if fcntl is None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            fail(f"cannot create the lock file {self.path} of --checkpoint: {error}")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _holder(fd)
            os.close(fd)
            if isinstance(error, BlockingIOError):
                fail(
                    f"--checkpoint {self.checkpoint} is in use by another streamad watch "
                    f"({holder}; its lock: {self.path}): stop it first, or give this one "
                    "another --checkpoint"
                )
            fail(f"cannot lock {self.path} for --checkpoint: {error}")
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None


def _holder(fd: int) -> str:
    """``process N`` as written by the lock's holder, or ``another process``."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        text = ""
    return f"process {text}" if text.isdigit() else "another process"
