"""Torch plumbing as small functions: building a module, losses, one update step."""

from __future__ import annotations

import copy
import inspect
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional

from streamad.modules import Cho, Srivastava, Stacked, Sutskever
from streamad.modules._init import draw_initial_weights

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

_LOSSES: dict[str, Loss] = {
    "mse": functional.mse_loss,
    "l1": functional.l1_loss,
    "smooth_l1": functional.smooth_l1_loss,
    "huber": functional.huber_loss,
}


def resolve_loss(loss_fn: str | Loss) -> Loss:
    """A loss callable from a callable or one of deep-river's names (``"mse"``, ``"l1"``, ...)."""
    if callable(loss_fn):
        return loss_fn
    try:
        return _LOSSES[loss_fn]
    except KeyError:
        known = sorted(_LOSSES)
        raise ValueError(f"unknown loss {loss_fn!r}; use one of {known} or a callable") from None


def resolve_optimizer(optimizer_fn: str | type[torch.optim.Optimizer]) -> type:
    """An optimizer class, from a class or a deep-river name such as ``"sgd"`` or ``"adam"``."""
    if isinstance(optimizer_fn, str):
        from deep_river.utils import get_optim_fn

        return get_optim_fn(optimizer_fn)
    return optimizer_fn


# Modules whose weights are torch's default init of their layers, drawn in the order they
# are listed: built without drawing, then drawn from a generator of their own.
OWN_INIT = (Cho, Srivastava, Stacked, Sutskever)
# Any other class is built under torch's global generator, seeded, then restored: one build at
# a time, so that builds in other threads of streamad do not draw from it meanwhile.
_GLOBAL_SEEDING = threading.Lock()


def build_module(
    module: nn.Module | type[nn.Module], n_features: int, kwargs: dict[str, Any], seed: int
) -> nn.Module:
    """A fresh module to train: a copy of a ready instance, or the class built for the data.

    streamad's own module classes are built on the meta device (nothing drawn), then get their
    weights from a ``torch.Generator`` seeded with ``seed``: the weights torch's default init
    gives them under ``torch.manual_seed(seed)``, whichever thread builds them, and torch's
    global random state is never touched. Any other class may draw its weights its own way,
    so it is built as torch builds it, under the global CPU generator seeded with ``seed`` and
    restored afterwards; a lock keeps two such builds in streamad from overlapping (other code
    drawing from torch's global generator at that very moment would still take its draws).

    Examples
    --------
    >>> import torch
    >>> from streamad._torch import build_module
    >>> from streamad.modules import Cho
    >>> module = build_module(Cho, 3, {"hidden_size": 4}, seed=7)
    >>> _ = torch.manual_seed(7)
    >>> all(torch.equal(a, b) for a, b in zip(module.parameters(), Cho(3, 4).parameters()))
    True
    """
    if isinstance(module, nn.Module):
        if kwargs:
            raise ValueError(f"module keyword arguments {sorted(kwargs)} need a module class")
        return copy.deepcopy(module)
    if not (inspect.isclass(module) and issubclass(module, nn.Module)):
        raise TypeError(f"module must be an nn.Module class or instance, not {module!r}")
    if module in OWN_INIT:
        with torch.device("meta"):
            built = module(n_features, **kwargs)
        built = built.to_empty(device="cpu")
        draw_initial_weights(built, torch.Generator().manual_seed(seed))
        return built
    with _GLOBAL_SEEDING, torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)  # the CPU generator only, restored on exit
        return module(n_features, **kwargs)


def update(
    loss: torch.Tensor,
    params: Sequence[torch.Tensor],
    optimizer: torch.optim.Optimizer,
    plain_sgd: bool,
    max_norm: float | None = None,
    steps: int = 1,
) -> bool:
    """One gradient step on ``loss``; plain SGD skips the optimizer's per-step bookkeeping.

    With ``max_norm`` the gradient is first clipped to that global norm. ``steps`` makes the
    step stand for that many samples' steps: the gradient (after clipping) counts ``steps``
    times, as the sum of ``steps`` per-window gradients of a mean loss would.

    Returns whether the step was taken: it is not when the gradient, a weight the step would
    give or the optimizer's state after it is not finite; the weights and the optimizer's state
    then stay as they were.
    """
    if steps != 1:
        loss = loss * steps
        max_norm = None if max_norm is None else max_norm * steps
    if plain_sgd:
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        # parameters without a gradient are left alone, as torch.optim.SGD does
        used = [(p, g) for p, g in zip(params, grads, strict=True) if g is not None]
        targets, gradient = [p for p, _ in used], [g for _, g in used]
        if not all_finite(gradient):
            return False
        alpha = optimizer.param_groups[0]["lr"]
        if max_norm is not None:
            alpha *= min(1.0, max_norm / (global_norm(gradient) + 1e-6))
        with torch.no_grad():
            stepped = torch._foreach_add(targets, gradient, alpha=-alpha)
            if not all_finite(stepped):
                return False
            torch._foreach_copy_(targets, stepped)
        return True
    optimizer.zero_grad()
    loss.backward()
    if not all_finite([p.grad for p in params if p.grad is not None]):
        optimizer.zero_grad()
        return False
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(params, max_norm)
    return _guarded_step(optimizer, params)


def _guarded_step(optimizer: torch.optim.Optimizer, params: Sequence[torch.Tensor]) -> bool:
    """``optimizer.step()``, undone (weights and state) when it leaves anything not finite."""
    before = [p.detach().clone() for p in params]
    state = {
        p: {k: v.clone() if isinstance(v, torch.Tensor) else copy.deepcopy(v) for k, v in s.items()}
        for p, s in ((p, optimizer.state.get(p)) for p in params)
        if s is not None
    }
    optimizer.step()
    after = [
        v
        for p in params
        for v in optimizer.state.get(p, {}).values()
        if isinstance(v, torch.Tensor) and v.is_floating_point()
    ]
    if all_finite([*params, *after]):
        return True
    with torch.no_grad():
        torch._foreach_copy_(list(params), before)
    for p in params:
        optimizer.state.pop(p, None)
    optimizer.state.update(state)
    return False


def all_finite(tensors: Sequence[torch.Tensor]) -> bool:
    """True when every entry of every tensor is finite (one check for all of them).

    Examples
    --------
    >>> import torch
    >>> from streamad._torch import all_finite
    >>> all_finite([torch.ones(3), torch.tensor([3e38])])
    True
    >>> all_finite([torch.ones(3), torch.tensor([1.0, float("inf")])])
    False
    """
    if not tensors:
        return True
    return bool(torch.stack([torch.isfinite(t).all() for t in tensors]).all())


def global_norm(tensors: Sequence[torch.Tensor]) -> float:
    """The norm of all entries of ``tensors`` together, as ``clip_grad_norm_`` computes it, or
    in float64 where that overflows float32 (entries of about 1e19 and more).

    Examples
    --------
    >>> import torch
    >>> from streamad._torch import global_norm
    >>> global_norm([torch.tensor([3.0]), torch.tensor([4.0])])
    5.0
    >>> f"{global_norm([torch.full((2,), 2.0**70)]):.4g}"
    '1.67e+21'
    """
    norm = float(torch.linalg.vector_norm(torch.stack([t.norm() for t in tensors])))
    if math.isfinite(norm):
        return norm
    return float(torch.linalg.vector_norm(torch.stack([t.double().norm() for t in tensors])))
