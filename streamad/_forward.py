"""One forward pass of a detector's module over a batch of windows, ready to learn from.

Two paths give the same numbers: a kernel (``streamad._kernels``: compiled, or NumPy) for
streamad's own modules trained by plain SGD on the MSE on CPU, and torch autograd for
everything else, and for windows longer than the NumPy kernel takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from streamad import _torch

if TYPE_CHECKING:
    from streamad.detector import RollingDetector


class Evaluation(NamedTuple):
    """Losses of a batch of windows under the current weights, and how to learn from them."""

    losses: np.ndarray  # (B,) float64: each window's loss, its score
    windows: np.ndarray  # (T, B, F) float32
    reconstruction: np.ndarray  # (T, B, F) float32
    learn: Callable[[], bool]  # one step on the mean loss, as long as one step per window:
    # False when not taken (the gradient, or a weight it would give, not finite)
    newest_errors: np.ndarray | None = None  # what `newest` gives, where the kernel computed it

    @property
    def finite(self) -> bool:
        losses = self.losses
        return math.isfinite(losses[0] if len(losses) == 1 else float(losses.mean()))

    @property
    def newest(self) -> np.ndarray:
        """(B,) float64: each window's mean squared error at its newest step alone."""
        if self.newest_errors is not None:
            return self.newest_errors
        with np.errstate(over="ignore", invalid="ignore"):
            diff = self.reconstruction[-1] - self.windows[-1]
            return np.asarray(np.mean(diff * diff, axis=-1, dtype=np.float64))


def evaluate(det: RollingDetector, windows: np.ndarray, grad: bool = True) -> Evaluation:
    """Run ``det``'s module on ``windows`` (T, B, F); with ``grad``, ready for ``learn()``."""
    kernel = det._fast_kernel()
    if kernel is not None and kernel.serves(windows.shape[0]):
        x_hat, cache = kernel.forward(windows, grad)

        def learn() -> bool:
            steps = windows.shape[1]  # a block's step stands for one step per window
            lr = det._lr() * steps
            return kernel.step(windows, x_hat, cache, lr, det.clip_grad)

        losses, newest = kernel.errors(windows, x_hat, cache)
        return Evaluation(losses, windows, x_hat, learn, newest)
    return _autograd(det, windows, grad)


def _autograd(det: RollingDetector, windows: np.ndarray, grad: bool) -> Evaluation:
    assert det.module_ is not None and det.optimizer_ is not None
    batch = det._tensor(windows)
    with torch.set_grad_enabled(grad):
        reconstruction = det.module_(batch)
        if batch.shape[1] == 1:
            total = det._loss(reconstruction, batch)
            losses = total.detach().double().reshape(1)
        else:
            try:
                per_element = det._loss(reconstruction, batch, reduction="none")  # type: ignore[call-arg]
                losses = per_element.mean(dim=(0, 2))
            except TypeError:  # a loss without `reduction`: one call per window
                losses = torch.stack(
                    [det._loss(reconstruction[:, i], batch[:, i]) for i in range(batch.shape[1])]
                )
            total = losses.mean()
            losses = losses.detach().double()
    optimizer, params, plain, clip = det.optimizer_, det._params, det._plain_sgd, det.clip_grad

    def learn() -> bool:
        return _torch.update(total, params, optimizer, plain, clip, steps=batch.shape[1])

    return Evaluation(losses.cpu().numpy(), windows, reconstruction.detach().cpu().numpy(), learn)
