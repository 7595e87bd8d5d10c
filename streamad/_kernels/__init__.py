"""Fast paths of the exact mode: streamad's modules trained by SGD on the MSE, outside torch.

A :class:`Kernel` runs the forward pass, loss and SGD step of one of the four modules of
``streamad.modules`` with torch autograd's maths, through compiled code (numba, the default) or
NumPy loops (``STREAMAD_KERNEL=numpy``); :func:`kernel_for` says when one applies. See
:mod:`streamad._kernels.kernel`.
"""

from streamad._kernels.kernel import BACKENDS, NUMPY_MAX_STEPS, Kernel, kernel_for, mse

__all__ = ["BACKENDS", "NUMPY_MAX_STEPS", "Kernel", "kernel_for", "mse"]
