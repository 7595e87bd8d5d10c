"""``python -m streamad._kernels.build``: compile the kernel into numba's cache, once per machine.

The compiled kernel has three entry points (a forward pass, an SGD step, a replay), each with a
single signature whatever the module, its width or its depth (see
:mod:`streamad._kernels.views`), so one compile serves every later run and configuration, until
streamad or numba is installed again. :func:`main` compiles them by their signatures, no module
or data needed, in a process of its own that :mod:`streamad._kernels.warm` starts detached from
the one that needs it: that one goes on with the NumPy kernel and ends when its work is done,
and the compile finishes and is cached after it.

One compile at a time: the compiling process holds an exclusive lock on
``streamad-compile.lock`` in numba's cache directory for the kernel. The lock is the operating
system's (``flock``; ``msvcrt.locking`` on Windows), so it goes with the process that holds it: a
compile that crashed or was killed leaves no stale lock behind, and one that has not ended after
:data:`DEADLINE_S` is taken to hang and ends itself. What it printed is kept in
``streamad-compile.log`` beside the lock (appended to).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from numba import typeof

from streamad._kernels.compiled import forward
from streamad._kernels.compiled_learn import learn
from streamad._kernels.compiled_replay import score_sequence

__all__ = ["BUSY", "DEADLINE_S", "cache_dir", "load", "main", "signatures"]

#: A compile that has not ended after this many seconds ends itself.
DEADLINE_S = 1800
#: :func:`main`'s exit status when another process holds the lock (is compiling).
BUSY = 3
LOCK, LOG = "streamad-compile.lock", "streamad-compile.log"


def signatures() -> list[tuple[Any, tuple]]:
    """Each entry point and the one signature a ``native.Compiled`` calls it with."""
    table, plan = np.zeros((1, 3), np.int64), np.zeros(1, np.int64)
    windows, store = np.zeros((1, 1, 1), np.float32), np.zeros(1, np.float32)
    seq = np.zeros((1, 1), np.float32)
    examples = [
        (forward, (table, plan, windows, True)),
        (learn, (table, table, plan, windows, windows, store, 0.0, 0.0, True)),
        (score_sequence, (table, plan, seq, 1)),
    ]
    return [(dispatcher, tuple(typeof(a) for a in args)) for dispatcher, args in examples]


def load() -> None:
    """Make every entry point ready in this process: loaded from numba's cache, or compiled
    here (and cached where a cache directory is writable)."""
    for dispatcher, signature in signatures():
        dispatcher.compile(signature)


def cache_dir() -> Path | None:
    """numba's cache directory for the kernel; None where nothing can be cached."""
    path = getattr(forward._cache, "_cache_path", None)  # (numba's; absent from its NullCache)
    return None if path is None else Path(path)


def _try_lock(file: IO[bytes]) -> bool:
    """Take the exclusive lock on ``file`` without waiting; False when another process has it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[bool]:
    """Hold the compile lock of ``folder`` inside the block; yields False (holding nothing)
    when another process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+b") as file:
        yield _try_lock(file)  # released when the file closes, or the process ends


def compiling_elsewhere(folder: Path) -> bool:
    """True while a process holds the compile lock of ``folder``."""
    if not (folder / LOCK).exists():
        return False
    with exclusive(folder) as mine:
        return not mine


def main() -> int:
    """Compile the kernel into numba's cache unless another process is compiling it: 0 when
    it is cached, :data:`BUSY` when another process holds the lock, 2 when no cache directory
    is writable (nothing would be kept)."""
    folder = cache_dir()
    if folder is None:
        print("streamad: no writable cache directory for numba: nothing to compile into")
        return 2
    with exclusive(folder) as mine:
        if not mine:
            return BUSY
        watchdog = threading.Timer(DEADLINE_S, os._exit, (4,))
        watchdog.daemon = True
        watchdog.start()
        load()
    print(f"streamad: the kernel is compiled and cached in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
