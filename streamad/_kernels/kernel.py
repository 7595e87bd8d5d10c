"""The exact mode's fast path: a module's forward pass, loss and SGD step outside torch.

A :class:`Kernel` runs one of the four modules of ``streamad.modules`` trained by plain SGD on
the mean squared error, on CPU, with the maths of torch autograd. Two backends give the same
numbers:

- ``"compiled"`` (the default): the whole forward pass and backpropagation through time of a
  window in compiled code (numba; :mod:`streamad._kernels.compiled`), for any window length;
- ``"numpy"``: the per-step NumPy loops of :mod:`streamad._kernels.lstm` (about ten NumPy calls
  per LSTM step), for windows of up to :data:`NUMPY_MAX_STEPS` steps; torch autograd beyond.

The compiled code is built on first use and cached on disk; until it is, the NumPy backend
serves while it compiles in the background (:mod:`streamad._kernels.warm`). The environment
variable ``STREAMAD_KERNEL``, read when a kernel is built, picks ``auto`` (the default, as just
said), ``compiled`` (compile in the foreground if need be: reproducible to the bit) or
``numpy``; without numba the NumPy backend serves. Anything else (another module, loss,
optimizer or device) goes through torch autograd; :func:`kernel_for` says which.
"""

from __future__ import annotations

import math
import os
import warnings
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from streamad._kernels._blas import torch_threads
from streamad._kernels.plans import PLANS

BACKENDS = ("compiled", "numpy")  # what serves a kernel
CHOICES = ("auto", *BACKENDS)  # what $STREAMAD_KERNEL may ask for
# The NumPy backend's cost grows by about ten NumPy calls per step and window, torch's mostly by
# C++ work: on the benchmark machine the NumPy kernel is faster up to 50 steps, slower at 100.
NUMPY_MAX_STEPS = 64

_native: ModuleType | None = None  # the compiled backend, imported on first use
_no_native = False  # set when importing it failed


def backend_from_environment() -> str:
    """The backend named by ``$STREAMAD_KERNEL``: ``"auto"`` (the default), ``"compiled"`` or
    ``"numpy"``."""
    name = os.environ.get("STREAMAD_KERNEL", "auto").strip().lower() or "auto"
    if name not in CHOICES:
        raise ValueError(f"STREAMAD_KERNEL must be one of {CHOICES}, not {name!r}")
    return name


def _compiled_backend() -> ModuleType | None:
    """:mod:`streamad._kernels.native` (which imports numba), or None without numba."""
    global _native, _no_native
    if _native is None and not _no_native:
        try:
            from streamad._kernels import native
        except ImportError as error:  # numba missing, or built for another NumPy
            warnings.warn(f"numba unavailable ({error}): the NumPy kernel serves", stacklevel=3)
            _no_native = True
        else:
            _native = native
    return _native


def _plain_lstms(module: nn.Module) -> bool:
    return all(
        m.bias and not m.bidirectional and not m.batch_first and m.proj_size == 0 and not m.dropout
        for m in module.modules()
        if isinstance(m, nn.LSTM)
    )


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
    torch at once, and torch's updates (e.g. ``load_state_dict``) to the kernel. ``backend``
    (default: ``$STREAMAD_KERNEL``, else ``"auto"``) is a wish: the NumPy backend serves
    where numba is missing or a parameter is not a contiguous float32 array, and with
    ``"auto"`` until the compiled code is ready (the kernel moves to it at a forward pass).
    """

    def __init__(self, module: nn.Module, backend: str | None = None) -> None:
        self.module = module
        self._forward, self._backward = PLANS[type(module)]
        self.params = {name: p.detach().numpy() for name, p in module.named_parameters()}
        self._hooks = [
            hooks
            for m in module.modules()
            for hooks in (m._forward_hooks, m._forward_pre_hooks, m._backward_hooks)
        ]
        self.compiled: Any = None
        self._coming: Any = None  # the compiled kernel, while it compiles in the background
        wish = backend or backend_from_environment()
        if wish != "numpy":
            native = _compiled_backend()
            if native is not None and native.Compiled.accepts(self.params):
                compiled = native.Compiled(module, self.params)
                if wish == "auto":
                    ready = native.ready(compiled)
                    self.compiled, self._coming = (compiled, None) if ready else (None, compiled)
                elif native.foreground_ok(compiled):
                    self.compiled = compiled
                else:
                    message = "forked while streamad's kernel compiled: the NumPy kernel serves"
                    warnings.warn(message, stacklevel=2)
        self.backend = "numpy" if self.compiled is None else "compiled"
        self.max_steps = NUMPY_MAX_STEPS if self.compiled is None else None

    def _move_when_ready(self) -> None:
        """Move to the compiled backend once its background compile has ended."""
        if self._coming is not None and _native is not None and _native.ready(self._coming):
            self.compiled, self._coming = self._coming, None
            self.backend, self.max_steps = "compiled", None

    def _is_trace(self, cache: Any) -> bool:
        """True when ``cache`` comes from a compiled forward pass, not the NumPy backend's (a
        kernel may move to the compiled backend between a forward pass and its step)."""
        return self.compiled is not None and isinstance(cache, _native.Trace)  # type: ignore[union-attr]

    def hooked(self) -> bool:
        """True when a hook has been put on the module since: it must then run through torch."""
        return any(self._hooks)

    def serves(self, steps: int) -> bool:
        """True when windows of ``steps`` steps run through this kernel (else torch autograd)."""
        self._move_when_ready()  # long windows reach forward() only once compiled
        return self.max_steps is None or steps <= self.max_steps

    def forward(self, windows: np.ndarray, grad: bool = True) -> tuple[np.ndarray, Any]:
        """The reconstruction of ``windows`` and what :meth:`step` needs to learn from it
        (without ``grad``, the compiled backend keeps nothing to learn from)."""
        self._move_when_ready()
        if self.compiled is not None:
            return self.compiled.forward(windows, grad)
        with torch_threads():
            return self._forward(self.params, self.module, windows)

    def score_sequence(
        self, seq: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Replay: the errors of every window of ``size`` rows of ``seq`` (F columns), weights
        frozen (see ``Compiled.score_sequence``); None on the NumPy backend (score windows by
        batches through :meth:`forward` instead)."""
        self._move_when_ready()
        if self.compiled is None:
            return None
        return self.compiled.score_sequence(seq, size)

    def errors(
        self, windows: np.ndarray, x_hat: np.ndarray, cache: Any
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Each window's mean squared error (B,), float64, from a :meth:`forward` pass, and
        that of its newest step alone where the pass computed it (else None)."""
        if self._is_trace(cache):
            return cache.losses, cache.newest
        return mse(windows, x_hat), None

    def step(
        self,
        windows: np.ndarray,
        x_hat: np.ndarray,
        cache: Any,
        lr: float,
        max_norm: float | None = None,
    ) -> bool:
        """One SGD step on the mean squared error of the whole batch of windows; returns
        whether it was taken.

        With ``max_norm``, the gradient is scaled down to that global norm when longer, as
        ``torch.nn.utils.clip_grad_norm_`` does. The step is not taken, and the weights stay as
        they were, when the gradient or any weight it would give is not finite.
        """
        if self._is_trace(cache):
            return self.compiled.step(windows, x_hat, cache, lr, max_norm).taken
        d_x_hat = (x_hat - windows) * np.float32(2.0 / windows.size)
        with torch_threads():
            grads = self._backward(self.params, self.module, cache, d_x_hat)
        norm = gradient_norm(list(grads.values()))
        if not math.isfinite(norm):
            return False
        with np.errstate(over="ignore", invalid="ignore"):  # inf, then not taken
            scale = np.float32(lr)
            if max_norm is not None:
                scale *= np.float32(min(1.0, max_norm / (norm + 1e-6)))
            updated = {name: self.params[name] - scale * grad for name, grad in grads.items()}
        if not all(np.isfinite(value).all() for value in updated.values()):
            return False
        for name, value in updated.items():
            self.params[name][...] = value
        return True


def gradient_norm(grads: list[np.ndarray]) -> float:
    """The global norm of a gradient given as float32 arrays, summed in float64: finite exactly
    when every entry is (a float32 sum of squares overflows from entries of about 1e19).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._kernels.kernel import gradient_norm
    >>> big = np.full(2, 2.0**70, dtype=np.float32)
    >>> float(np.vdot(big, big)), f"{gradient_norm([big]):.4g}"
    (inf, '1.67e+21')
    >>> gradient_norm([np.array([3.0, 4.0], dtype=np.float32)])
    5.0
    >>> gradient_norm([np.array([1.0, np.nan], dtype=np.float32)])
    inf
    """
    total = sum(float(np.dot(g.ravel(), g.ravel().astype(np.float64))) for g in grads)
    return math.sqrt(total) if math.isfinite(total) else math.inf


def mse(windows: np.ndarray, x_hat: np.ndarray) -> np.ndarray:
    """Mean squared error of each window (T, B, F) -> (B,), computed in float32 as torch does."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf, as torch gives, without warnings
        diff = x_hat - windows
        return np.asarray(np.mean(diff * diff, axis=(0, 2), dtype=np.float64))
