"""Torch plumbing as small functions: building a module, losses, one update step."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional

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


def build_module(
    module: nn.Module | type[nn.Module], n_features: int, kwargs: dict[str, Any], seed: int
) -> nn.Module:
    """A fresh module to train: a copy of a ready instance, or the class built for the data.

    The class is built under ``seed`` inside a forked random state, so the global torch random
    state is left as it was.
    """
    if isinstance(module, nn.Module):
        if kwargs:
            raise ValueError(f"module keyword arguments {sorted(kwargs)} need a module class")
        return copy.deepcopy(module)
    if not (inspect.isclass(module) and issubclass(module, nn.Module)):
        raise TypeError(f"module must be an nn.Module class or instance, not {module!r}")
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)  # the CPU generator only, restored on exit
        return module(n_features, **kwargs)


def update(
    loss: torch.Tensor,
    params: Sequence[torch.Tensor],
    optimizer: torch.optim.Optimizer,
    plain_sgd: bool,
    max_norm: float | None = None,
    steps: int = 1,
) -> None:
    """One gradient step on ``loss``; plain SGD skips the optimizer's per-step bookkeeping.

    With ``max_norm`` the gradient is first clipped to that global norm. ``steps`` makes the
    step stand for that many samples' steps: the gradient (after clipping) counts ``steps``
    times, as the sum of ``steps`` per-window gradients of a mean loss would.
    """
    if steps != 1:
        loss = loss * steps
        max_norm = None if max_norm is None else max_norm * steps
    if plain_sgd:
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        # parameters without a gradient are left alone, as torch.optim.SGD does
        used = [(p, g) for p, g in zip(params, grads, strict=True) if g is not None]
        alpha = optimizer.param_groups[0]["lr"]
        if max_norm is not None:
            norm = float(torch.linalg.vector_norm(torch.stack([g.norm() for _, g in used])))
            alpha *= min(1.0, max_norm / (norm + 1e-6))
        with torch.no_grad():
            torch._foreach_add_([p for p, _ in used], [g for _, g in used], alpha=-alpha)
    else:
        optimizer.zero_grad()
        loss.backward()
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
