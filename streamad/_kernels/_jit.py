"""numba, imported only when a compiled kernel is first built, and its compile options.

Functions are compiled on their first call, not at import, and cached on disk (``cache=True``):
next to this package when it is writable, else numba's user-wide cache (``~/.cache/numba``), or
``$NUMBA_CACHE_DIR`` when set. Where no cache directory is writable at all they are compiled in
memory on each start instead (20-40 seconds on two shared cores). Either way a detector does
not wait: the NumPy kernel serves while they compile (:mod:`streamad._kernels.warm`).

numba keys each function's cache on its own file's modification time only: after editing
``cells.py`` in a working tree, delete ``streamad/_kernels/__pycache__/*.nb*`` (or touch the
files that call into it), or their cached code keeps the old version of what they call. An
installed release replaces every file, so it recompiles everything once.

The options: ``error_model="numpy"`` (a division by zero gives inf, as in NumPy, and lets loops
with a division vectorise); ``fastmath`` limited to reassociation, contraction into fused
multiply-adds and signed zeros, so NaN and inf behave as in torch and a non-finite loss is
still seen, and skipped, by the detector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba

OPTIONS: dict[str, Any] = {
    "fastmath": {"contract", "reassoc", "nsz"},
    "error_model": "numpy",
    "nogil": True,
}


def jit(fn: Callable | None = None, **options: Any) -> Any:
    """``numba.njit`` with :data:`OPTIONS`, cached on disk where a cache directory is writable."""
    if fn is None:
        return lambda f: jit(f, **options)
    try:
        return numba.njit(cache=True, **OPTIONS, **options)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available" (nothing writable)
        return numba.njit(cache=False, **OPTIONS, **options)(fn)
