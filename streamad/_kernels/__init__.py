"""Fast paths of the exact mode: streamad's modules trained by SGD on the MSE, outside torch.

A :class:`Kernel` runs the forward pass, loss and SGD step of one of the four modules of
``streamad.modules`` with torch autograd's maths, through compiled code (numba, the default) or
NumPy loops (``STREAMAD_KERNEL=numpy``); :func:`kernel_for` says when one applies. See
:mod:`streamad._kernels.kernel`. The names are imported on first use (PEP 562), so that the
compile process (:mod:`streamad._kernels.build`) imports neither torch nor the modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamad._kernels.kernel import BACKENDS, NUMPY_MAX_STEPS, Kernel, kernel_for, mse


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'streamad._kernels' has no attribute {name!r}")
    value = getattr(importlib.import_module("streamad._kernels.kernel"), name)
    globals()[name] = value  # imported once
    return value


__all__ = ["BACKENDS", "NUMPY_MAX_STEPS", "Kernel", "kernel_for", "mse"]
