"""NumPy forward and backward passes of streamad's modules: the exact mode's fast path.

A :class:`Kernel` runs one of the four modules of ``streamad.modules`` trained by plain SGD on
the mean squared error, on CPU, with the maths of torch autograd but a fraction of its per-call
overhead (see :mod:`streamad._kernels.lstm`). Anything else (another module, loss, optimizer or
device) goes through torch autograd; :func:`kernel_for` says which.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from streamad._kernels._blas import torch_threads
from streamad._kernels.plans import PLANS


def _plain_lstms(module: nn.Module) -> bool:
    return all(
        m.bias and not m.bidirectional and not m.batch_first and m.proj_size == 0 and not m.dropout
        for m in module.modules()
        if isinstance(m, nn.LSTM)
    )


def _hooked(modules: list[nn.Module]) -> bool:
    return any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in modules)


def kernel_for(module: nn.Module, loss: Any, plain_sgd: bool) -> Kernel | None:
    """A kernel for ``module`` when the fast path applies to it, else None."""
    params = list(module.parameters())
    if (
        type(module) in PLANS
        and loss is functional.mse_loss
        and plain_sgd
        and all(p.device.type == "cpu" and p.dtype == torch.float32 for p in params)
        and all(p.requires_grad for p in params)
        and _plain_lstms(module)
    ):
        return Kernel(module)
    return None


class Kernel:
    """Forward pass, loss and one SGD step of ``module`` on windows shaped (T, B, features).

    The parameters are NumPy views of the module's own tensors, so an update is visible to
    torch at once, and torch's updates (e.g. ``load_state_dict``) to the kernel.
    """

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self._forward, self._backward = PLANS[type(module)]
        self.params = {name: p.detach().numpy() for name, p in module.named_parameters()}
        self._modules = list(module.modules())

    def hooked(self) -> bool:
        """True when a hook has been put on the module since: it must then run through torch."""
        return _hooked(self._modules)

    def forward(self, windows: np.ndarray) -> tuple[np.ndarray, Any]:
        """The reconstruction of ``windows`` and what :meth:`step` needs to learn from it."""
        with torch_threads():
            return self._forward(self.params, self.module, windows)

    def step(
        self,
        windows: np.ndarray,
        x_hat: np.ndarray,
        cache: Any,
        lr: float,
        max_norm: float | None = None,
    ) -> None:
        """One SGD step on the mean squared error of the whole batch of windows.

        With ``max_norm``, the gradient is scaled down to that global norm when longer, as
        ``torch.nn.utils.clip_grad_norm_`` does.
        """
        d_x_hat = (x_hat - windows) * np.float32(2.0 / windows.size)
        with torch_threads():
            grads = self._backward(self.params, self.module, cache, d_x_hat)
        scale = np.float32(lr)
        if max_norm is not None:
            norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
            scale *= np.float32(min(1.0, max_norm / (norm + 1e-6)))
        for name, grad in grads.items():
            param = self.params[name]
            param -= scale * grad


def mse(windows: np.ndarray, x_hat: np.ndarray) -> np.ndarray:
    """Mean squared error of each window (T, B, F) -> (B,), computed in float32 as torch does."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf, as torch gives, without warnings
        diff = x_hat - windows
        return np.asarray(np.mean(diff * diff, axis=(0, 2), dtype=np.float64))
