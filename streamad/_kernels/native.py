"""The compiled kernel of one module: its parameters as the compiled code takes them.

Importing this module imports numba (about half a second); nothing is compiled until the first
forward pass (see :mod:`streamad._kernels._jit`). The compiled code takes the parameters as a
table of addresses (:mod:`streamad._kernels.views`): a ``Compiled`` keeps the arrays alive.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from torch import nn

from streamad._kernels.compiled import forward
from streamad._kernels.compiled_learn import learn
from streamad._kernels.compiled_replay import score_sequence
from streamad._kernels.layouts import LSTMS, layout_of
from streamad._kernels.views import table
from streamad._kernels.warm import foreground_ok, ready

__all__ = ["Compiled", "Step", "Trace", "foreground_ok", "ready"]

F32 = np.float32


class Trace(NamedTuple):
    """What a compiled forward pass leaves for the SGD step: one row per window."""

    store: np.ndarray  # float32: the parameters transposed, then one row per window
    losses: np.ndarray  # (B,) float64: each window's mean squared error
    newest: np.ndarray  # (B,) float64: that of its newest step alone
    kept: bool  # False after a pass without gradient (its rows: one of scratch)


class Step(NamedTuple):
    """What an SGD step did: the gradient's norm, and whether the weights moved (not when the
    gradient, or a weight it would give, is not finite)."""

    norm: float
    taken: bool


class Compiled:
    """Forward pass and SGD step of ``module`` through the compiled encoder-decoder.

    ``params`` maps the module's parameter names to NumPy views of its tensors: the compiled
    code reads and updates torch's own memory, through their addresses (the views stay here).
    """

    def __init__(self, module: nn.Module, params: Mapping[str, np.ndarray]) -> None:
        layout = layout_of(module)
        self.names = layout.names
        self.plan = layout.plan
        self.shapes = [params[name].shape for name in layout.names]
        self._use(
            tuple(np.atleast_2d(params[name]) for name in layout.names),
            tuple(np.zeros_like(np.atleast_2d(params[name])) for name in layout.names),
        )

    def _use(self, weights: tuple[np.ndarray, ...], grads: tuple[np.ndarray, ...]) -> None:
        """Run on ``weights`` (kept here, alive, for the tables' addresses) and ``grads``."""
        self.weights, self.grads = weights, grads
        self._weights, self._grads = table(weights), table(grads)

    def copy(self) -> Compiled:
        """The same kernel on copies of the parameters."""
        twin = copy.copy(self)
        weights = tuple(w.copy() for w in self.weights)
        twin._use(weights, tuple(np.zeros_like(w) for w in weights))
        return twin

    def warm_up(self) -> None:
        """Compile every entry point (or load it from numba's cache) by running it once."""
        windows = np.zeros((2, 1, self.weights[self.plan[LSTMS]].shape[1]), dtype=F32)
        x_hat, trace = self.forward(windows)
        self.step(windows, x_hat, trace, 0.0, None)
        self.score_sequence(windows[:, 0].copy(), 2)

    @staticmethod
    def accepts(params: Mapping[str, np.ndarray]) -> bool:
        """True when every parameter is a C-contiguous float32 array (views need no copy)."""
        return all(p.dtype == np.float32 and p.flags.c_contiguous for p in params.values())

    def forward(self, windows: np.ndarray, keep: bool = True) -> tuple[np.ndarray, Trace]:
        """Reconstructions of ``windows`` (T, B, F) and the trace to learn from (``keep``)."""
        x_hat, errors, store = forward(self._weights, self.plan, _plain(windows), bool(keep))
        return x_hat, Trace(store, errors[0], errors[1], keep)

    def score_sequence(
        self, seq: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The errors of every window ``seq[b : b + size]`` of rows (n, F), weights frozen:
        (mean squared error, that of the newest step alone), then the reconstruction
        (size, F) of the last window."""
        errors, last = score_sequence(self._weights, self.plan, _plain(seq), int(size))
        return errors[0], errors[1], last

    def step(
        self,
        windows: np.ndarray,
        x_hat: np.ndarray,
        trace: Trace,
        lr: float,
        max_norm: float | None,
        keep_gradient: bool = False,
    ) -> Step:
        """One SGD step on the batch's mean squared error, unless the gradient or a weight it
        would give is not finite; returns the gradient's norm and whether the step was taken
        (and keeps the gradient for :meth:`gradients` with ``keep_gradient``)."""
        if not trace.kept:
            raise RuntimeError("this forward pass kept no trace to learn from (keep=False)")
        clip = -1.0 if max_norm is None else float(max_norm)
        args = (self._weights, self._grads, self.plan, _plain(windows), _plain(x_hat), trace.store)
        norm, taken = learn(*args, float(lr), clip, bool(keep_gradient))
        return Step(float(norm), bool(taken))

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient of the last step taken with ``keep_gradient``, by parameter name, in
        the parameters' shapes."""
        return {
            name: grad.reshape(shape)
            for name, grad, shape in zip(self.names, self.grads, self.shapes, strict=True)
        }


def _plain(a: np.ndarray) -> np.ndarray:
    """``a`` as the compiled code's one signature takes it: a writable C-contiguous float32
    array (a copy only when it is not one already)."""
    if a.dtype == F32 and a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, dtype=F32, order="C")
