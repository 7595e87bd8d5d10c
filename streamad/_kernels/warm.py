"""Compiling in the background: the NumPy kernel serves until the compiled one is ready.

numba compiles the kernel once (about 20 s on two shared cores; :mod:`streamad._kernels.build`)
and caches it on disk, from where every later process loads it in a fraction of a second, for
every module and width (one signature each: :mod:`streamad._kernels.views`). So that no sample
and no exit ever waits for that compile, the first kernel of a process that does not find it in
the cache starts it in a process of its own, detached (:func:`start_build`): one at a time per
cache directory, under a lock, and outliving the process that started it, so that a short run
ends at once and the next run finds the kernel cached. Meanwhile the NumPy kernel serves, and a
background thread waits for the cache to hold the kernel, loads it, and each detector moves to
it at its first forward pass after that (:class:`streamad._kernels.Kernel`). Where no cache
directory is writable, or the detached compile cannot start or fails, that thread compiles in
this process instead (nothing is kept for later runs then). A kernel found in the cache is used
from the first sample. :func:`pending` says whether samples are being served while a compile
runs (their timings are not the compiled kernel's: see ``streamad.evaluate.Report.compiling``).

The two kernels agree to float32 rounding (both are tested against torch autograd): only runs
that start before the compile has ended depend, at that level, on when it ends.
``STREAMAD_KERNEL=compiled`` compiles in the foreground instead, for runs reproducible to the
bit whatever the cache holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from numba.core.caching import NullCache

from streamad._kernels import build

__all__ = ["foreground_ok", "pending", "ready", "start_build", "where"]

POLL_S = 0.5  # how often the waiting thread looks into the cache
ATTEMPTS = 3  # detached compiles started, at most, before compiling in this process

_event: threading.Event | None = None  # set when the compiled kernel is ready in this process
_lock = threading.Lock()
_forked = False  # this process was forked while waiting: the NumPy kernel serves here
_pending = False  # samples are served while a compile runs


def ready(compiled: Any = None) -> bool:
    """True when the compiled kernel can run without waiting for a compile: its code is loaded,
    or in numba's disk cache, or its background preparation has ended. The first call that
    finds it neither loaded nor cached starts that preparation and returns False. (``compiled``,
    a ``native.Compiled``, is not needed: every kernel shares the same compiled code.)"""
    global _event, _pending
    if _event is not None:
        return _event.is_set()
    with _lock:
        if _event is None:
            event = threading.Event()
            found = where()
            if found in ("memory", "disk"):
                event.set()
            elif not _forked:
                _pending = True
                thread = threading.Thread(
                    target=_prepare, args=(found, event), name="streamad-compile", daemon=True
                )
                thread.start()
            _event = event
    return _event.is_set()


def pending() -> bool:
    """True while a kernel of this process waits for its compiled code (the NumPy kernel serves,
    beside a compile that takes a core)."""
    return _pending


def foreground_ok(compiled: Any = None) -> bool:
    """Whether the kernel may be compiled in the foreground (``STREAMAD_KERNEL=compiled``): not
    in a process forked while another thread compiled, where numba's compiler lock may stay
    held for ever, unless its code is already loaded."""
    return not _forked or where() == "memory"


def where(compiled: Any = None) -> str:
    """Where the code of every entry point is: ``"memory"`` (loaded), ``"disk"`` (loaded or in
    numba's cache), ``"none"`` (to compile), or ``"nowhere"`` (to compile, and no cache to keep
    it in). When numba's cache cannot be read this way, ``"disk"``: numba itself then decides,
    in the foreground, as before."""
    found = "memory"
    try:
        for dispatcher, sig in build.signatures():
            if sig in dispatcher.overloads:
                continue
            cache = dispatcher._cache
            if isinstance(cache, NullCache):
                return "nowhere"
            key = cache._index_key(sig, dispatcher.targetctx.codegen())
            if key not in cache._cache_file._load_index():
                return "none"
            found = "disk"
    except Exception:  # numba's internals changed
        return "disk"
    return found


def start_build() -> subprocess.Popen | None:
    """Start :mod:`streamad._kernels.build` in a process of its own session, detached from
    this one (no terminal, its output in ``streamad-compile.log``), importing this copy of
    streamad; None when it cannot start (nothing to cache into, an interpreter embedded in
    another program, or the start failing)."""
    folder = build.cache_dir()
    name = os.path.basename(sys.executable or "").lower()
    if folder is None or not name.startswith(("python", "pypy")):  # (not in an embedding app)
        return None
    root = str(Path(__file__).resolve().parents[2])  # the folder holding this streamad
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    options: dict[str, Any] = {"start_new_session": True}
    if sys.platform == "win32":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
        options = {"creationflags": flags}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / build.LOG, "ab") as log:  # (appended: another may be compiling)
            return subprocess.Popen(
                [sys.executable, "-m", "streamad._kernels.build"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                close_fds=True,
                **options,
            )
    except OSError:
        return None


def _wait_for_build() -> bool:
    """Have the kernel compiled into the cache by a detached process (started here, or by
    another process that holds the lock) and wait until the cache holds it; False when that
    did not happen (the caller then compiles in this process)."""
    folder = build.cache_dir()
    if folder is None:
        return False
    started = 0
    process: subprocess.Popen | None = None
    while where() == "none":
        if process is None or process.poll() is not None:
            if process is not None and process.returncode not in (0, build.BUSY):
                return False  # it failed
            if not build.compiling_elsewhere(folder):
                if started == ATTEMPTS:
                    return False
                process, started = start_build(), started + 1
                if process is None:
                    return False
        time.sleep(POLL_S)
    return True


def _prepare(found: str, event: threading.Event) -> None:
    """Background thread: have the kernel compiled (detached where it can be cached), load it,
    and say so."""
    global _pending
    try:
        if found == "none":
            _wait_for_build()
        build.load()  # from the cache; compiled here when it is not there
    except Exception as error:  # pragma: no cover - numba failing to compile
        message = f"compiling streamad's kernel failed ({error}): the NumPy kernel serves"
        warnings.warn(message, stacklevel=1)
    else:
        event.set()
    finally:
        _pending = False


def _after_fork_in_child() -> None:
    global _lock, _forked, _pending
    _lock = threading.Lock()  # a lock held at the fork stays held in the child
    if _event is not None and not _event.is_set():
        _forked, _pending = True, False  # numba's compiler lock may be held forever here


os.register_at_fork(after_in_child=_after_fork_in_child)
