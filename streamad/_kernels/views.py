"""Parameters handed to compiled code as one table, so that one compile serves every module.

numba compiles a function once for each combination of its arguments' types, and a tuple of
arrays has its length in its type: a module of eight parameters, and a module of ten, would each
compile the entry points again, a second compile of several seconds. So the compiled entry
points take a module's parameters as a :func:`table`, an (n, 3) int64 array of each
parameter's address, rows and columns, and :func:`views` makes them arrays again inside the
compiled code: one type, whatever the module, its width or its depth.

The table holds addresses, not arrays: whoever makes one keeps the arrays it was made from alive
(``native.Compiled`` holds them) and hands it only C-contiguous float32 2-D arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

from streamad._kernels._jit import jit

__all__ = ["table", "views"]


@intrinsic
def _float32_pointer(typingctx, address):
    """The int64 ``address`` as a pointer to float32, for ``numba.carray``."""
    pointer = types.CPointer(types.float32)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(pointer))

    return pointer(types.int64), codegen


@jit
def views(params):
    """The arrays of a :func:`table`, as a list of 2-D float32 arrays (no copies)."""
    out = []
    for k in range(params.shape[0]):
        pointer = _float32_pointer(params[k, 0])
        out.append(numba.carray(pointer, (params[k, 1], params[k, 2])))
    return out


def table(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Each array's address, rows and columns, for :func:`views` (C-contiguous float32 2-D
    arrays only, kept alive by the caller)."""
    for a in arrays:
        if a.dtype != np.float32 or a.ndim != 2 or not (a.flags.c_contiguous and a.flags.writeable):
            raise ValueError("a parameter table takes writable C-contiguous 2-D float32 arrays")
    rows = [(a.ctypes.data, a.shape[0], a.shape[1]) for a in arrays]
    return np.array(rows, dtype=np.int64).reshape(len(rows), 3)
