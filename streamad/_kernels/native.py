"""The compiled kernel of one module: its parameters as the compiled code takes them.

Importing this module imports numba (about half a second); nothing is compiled until the first
forward pass (see :mod:`streamad._kernels._jit`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from torch import nn

from streamad._kernels.compiled import forward
from streamad._kernels.compiled_learn import learn
from streamad._kernels.compiled_replay import score_sequence
from streamad._kernels.layouts import LSTMS, layout_of
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
    code reads and updates torch's own memory.
    """

    def __init__(self, module: nn.Module, params: Mapping[str, np.ndarray]) -> None:
        layout = layout_of(module)
        self.names = layout.names
        self.plan = layout.plan
        self.shapes = [params[name].shape for name in layout.names]
        self.weights = tuple(np.atleast_2d(params[name]) for name in layout.names)
        self.grads = tuple(np.zeros_like(w) for w in self.weights)

    def copy(self) -> Compiled:
        """The same kernel on copies of the parameters (to compile on, in another thread)."""
        twin = copy.copy(self)
        twin.weights = tuple(w.copy() for w in self.weights)
        twin.grads = tuple(np.zeros_like(w) for w in self.weights)
        return twin

    def _probe(self) -> np.ndarray:
        """Two steps of one window of zeros (T, B, F), to compile or type the entry points on."""
        return np.zeros((2, 1, self.weights[self.plan[LSTMS]].shape[1]), dtype=F32)

    def examples(self) -> list[tuple[Any, tuple]]:
        """Each compiled entry point with arguments of the types a detector passes it."""
        windows, store = self._probe(), np.zeros(0, dtype=F32)
        args = (self.weights, self.grads, self.plan, windows, windows, store, 0.0, -1.0, False)
        return [
            (forward, (self.weights, self.plan, windows, True)),
            (learn, args),
            (score_sequence, (self.weights, self.plan, windows[:, 0].copy(), 2)),
        ]

    def warm_up(self) -> None:
        """Compile every entry point (or load it from numba's cache) by running it once."""
        windows = self._probe()
        x_hat, trace = self.forward(windows)
        self.step(windows, x_hat, trace, 0.0, None)
        self.score_sequence(windows[:, 0].copy(), 2)

    @staticmethod
    def accepts(params: Mapping[str, np.ndarray]) -> bool:
        """True when every parameter is a C-contiguous float32 array (views need no copy)."""
        return all(p.dtype == np.float32 and p.flags.c_contiguous for p in params.values())

    def forward(self, windows: np.ndarray, keep: bool = True) -> tuple[np.ndarray, Trace]:
        """Reconstructions of ``windows`` (T, B, F) and the trace to learn from (``keep``)."""
        if not windows.flags.c_contiguous:
            windows = np.ascontiguousarray(windows)
        x_hat, errors, store = forward(self.weights, self.plan, windows, keep)
        return x_hat, Trace(store, errors[0], errors[1], keep)

    def score_sequence(
        self, seq: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The errors of every window ``seq[b : b + size]`` of rows (n, F), weights frozen:
        (mean squared error, that of the newest step alone), then the reconstruction
        (size, F) of the last window."""
        errors, last = score_sequence(self.weights, self.plan, np.ascontiguousarray(seq), size)
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
        if not windows.flags.c_contiguous:
            windows = np.ascontiguousarray(windows)
        clip = -1.0 if max_norm is None else float(max_norm)
        args = (self.weights, self.grads, self.plan, windows, x_hat, trace.store)
        norm, taken = learn(*args, lr, clip, keep_gradient)
        return Step(float(norm), bool(taken))

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient of the last step taken with ``keep_gradient``, by parameter name, in
        the parameters' shapes."""
        return {
            name: grad.reshape(shape)
            for name, grad, shape in zip(self.names, self.grads, self.shapes, strict=True)
        }
