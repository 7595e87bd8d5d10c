"""Compiling in the background: the NumPy kernel serves until the compiled one is ready.

numba compiles the kernel on its first call (about 20 s on two shared cores) and caches it on
disk, from where every later process loads it in a fraction of a second. So that the first
sample of a run never waits for that compile, a kernel whose compiled code is not in the cache
yet is compiled by one background thread, on copies of the module's parameters, while the
NumPy kernel serves; each detector moves to the compiled kernel at its first forward pass after
that (:class:`streamad._kernels.Kernel`). A kernel found in the cache is used from the first
sample, as before, unless another kind is compiling: loading from the cache takes numba's
compiler lock too, so that kind then loads in the background as well. A process that ends before
the compile does waits for it at exit (saying so on stderr), so that the next run finds it in
the cache; where no cache directory is writable, it does not wait (nothing would be kept).

The two kernels agree to float32 rounding (both are tested against torch autograd): only runs
that start before the compile has ended depend, at that level, on when it ends.
``STREAMAD_KERNEL=compiled`` compiles in the foreground instead, for runs reproducible to the
bit whatever the cache holds.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import warnings
from typing import Any

from numba import typeof
from numba.core.caching import NullCache

_events: dict[int, threading.Event] = {}  # set when compiled, by number of parameters
_lock = threading.Lock()
_forked = False  # this process was forked while compiling: the NumPy kernel serves here
_threads: list[tuple[threading.Thread, bool]] = []  # each compile, and whether exit waits for it


def ready(compiled: Any) -> bool:
    """True when ``compiled`` (a ``native.Compiled``) can run without waiting for a compile:
    its code is loaded, or in numba's disk cache while no compile holds numba's compiler lock
    (loading takes that lock too), or the background compile of its kind has ended. The first
    call for a kind of kernel that cannot run yet starts that compile and returns False."""
    key = len(compiled.weights)
    with _lock:
        event = _events.get(key)
        if event is None:
            event = _events[key] = threading.Event()
            found = where(compiled)
            busy = _forked or any(thread.is_alive() for thread, _ in _threads)
            if found == "memory" or (found == "disk" and not busy):
                event.set()
            elif not _forked:
                thread = threading.Thread(
                    target=_compile, args=(compiled.copy(), event), name="streamad-compile"
                )
                thread.daemon = True
                thread.start()
                _threads.append((thread, found != "nowhere"))
    return event.is_set()


def foreground_ok(compiled: Any) -> bool:
    """Whether ``compiled`` may be compiled in the foreground (``STREAMAD_KERNEL=compiled``):
    not in a process forked during a compile, where numba's compiler lock stays held for ever,
    unless its code is already loaded."""
    return not _forked or where(compiled) == "memory"


def where(compiled: Any) -> str:
    """Where the code of every entry point ``compiled`` calls is, for its argument types:
    ``"memory"`` (loaded), ``"disk"`` (loaded or in numba's cache), ``"none"`` (to compile), or
    ``"nowhere"`` (to compile, and no cache to keep it in). When numba's cache cannot be read
    this way, ``"disk"``: numba itself then decides, in the foreground, as before."""
    found = "memory"
    try:
        for dispatcher, args in compiled.examples():
            sig = tuple(typeof(a) for a in args)
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


def _compile(compiled: Any, event: threading.Event) -> None:
    try:
        compiled.warm_up()
    except Exception as error:  # pragma: no cover - numba failing to compile
        message = f"compiling streamad's kernel failed ({error}): the NumPy kernel serves"
        warnings.warn(message, stacklevel=1)
    else:
        event.set()


@atexit.register
def _finish_at_exit() -> None:
    running = [thread for thread, wait in _threads if wait and thread.is_alive()]
    if running:
        print(
            "streamad: finishing the one-time compile of its kernel (cached for later runs)",
            file=sys.stderr,
        )
        for thread in running:
            thread.join()


def _after_fork_in_child() -> None:
    global _lock, _forked
    _lock = threading.Lock()  # a lock held at the fork stays held in the child
    if any(not event.is_set() for event in _events.values()):
        _forked = True  # numba's own compiler lock may be held forever here


os.register_at_fork(after_in_child=_after_fork_in_child)
