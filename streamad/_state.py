"""A RollingDetector's whole state as plain data and tensors, and back."""

from __future__ import annotations

import copy
import functools
import inspect
import os
from typing import Any

import numpy as np
import torch
from torch import nn

from streamad import _state_limits as limits
from streamad import persist
from streamad._torch import build_module
from streamad._window import RingWindow
from streamad.persist import CheckpointError

FORMAT = "streamad.RollingDetector/1"
KIND = "RollingDetector"
COUNTERS = ("n_learned", "n_skipped_updates", "n_imputed", "n_protected")


def _name_or_value(value: Any) -> Any:
    return value if isinstance(value, str) else {"qualified": persist.name_of(value)}


def _optimizer(stored: Any) -> Any:
    """A deep-river optimizer name as stored, or the registered optimizer class it names."""
    if isinstance(stored, str):
        return stored
    optimizer = persist.resolve(stored["qualified"])
    if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
        raise CheckpointError(f"{stored['qualified']!r} is not an optimizer class")
    return optimizer


def _loss(stored: Any) -> Any:
    """A deep-river loss name as stored, or the registered loss function it names."""
    if isinstance(stored, str):
        return stored
    loss = persist.resolve(stored["qualified"])
    if isinstance(loss, type) or not callable(loss):
        raise CheckpointError(f"{stored['qualified']!r} is not a loss function")
    return loss


def _module_class(name: str) -> type[nn.Module]:
    try:
        module = persist.resolve(name)
    except CheckpointError as error:
        raise CheckpointError(f"{error}, or pass the module to load as `module=`") from None
    if not (isinstance(module, type) and issubclass(module, nn.Module)):
        raise CheckpointError(f"{name!r} is not an nn.Module class")
    return module


def module_init_args(module: nn.Module) -> dict[str, Any] | None:
    """Constructor arguments of a ready module, read back from same-named attributes.

    None when one is missing or is not plain data (then loading needs the module given again).
    """
    args = {}
    for name, param in inspect.signature(type(module).__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if not hasattr(module, name):
            if param.default is param.empty:
                return None
            continue
        value = getattr(module, name)
        if not isinstance(value, (int, float, str, bool, tuple, type(None))):
            return None
        args[name] = value
    return args


def get_state(det: Any) -> dict[str, Any]:
    module = det.module if isinstance(det.module, type) else type(det.module)
    state: dict[str, Any] = {
        "format": FORMAT,
        "params": {
            "module": persist.name_of(module),
            "module_init": None if isinstance(det.module, type) else module_init_args(det.module),
            "module_is_instance": not isinstance(det.module, type),
            "window_size": det.window_size,
            "lr": det.lr,
            "optimizer_fn": _name_or_value(det.optimizer_fn),
            "loss_fn": _name_or_value(det.loss_fn),
            "seed": det.seed,
            "device": det.device,
            "clip_grad": det.clip_grad,
            "score_mode": det.score_mode,
            "context": None if det.context is None else list(det.context),
            "module_kwargs": dict(det.module_kwargs),
        },
        "counters": {name: getattr(det, name) for name in COUNTERS},
        "ignored_features": sorted(det.ignored_features),
        "features": list(det.features),
        "score_stats": [*map(float, det._score_sums), int(det._score_count)],
        "score_trail": [list(pair) for pair in det._scale_trail],
    }
    if det.module_ is not None:
        # copies: the snapshot must not change as the detector goes on learning. An optimizer
        # never built (the kernel's plain SGD needs none) is saved as None: building one to
        # save its fresh state would import torch._dynamo (a second or more, at the first save)
        optimizer = det._optimizer
        state["module_state"] = {
            k: v.detach().cpu().clone() for k, v in det.module_.state_dict().items()
        }
        state["optimizer_state"] = (
            None if optimizer is None else copy.deepcopy(optimizer.state_dict())
        )
        state["window"] = {
            "buffer": torch.from_numpy(det._window.buffer.copy()),
            "position": det._window.position,
            "count": det._window.count,
        }
        state["means"] = {
            "sums": torch.from_numpy(det._sums.copy()),
            "counts": torch.from_numpy(det._counts.copy()),
        }
    return state


def _module_shapes(
    module: nn.Module | type[nn.Module], kwargs: dict[str, Any], seed: int, n_features: int
) -> limits.Shapes | None:
    """The shapes of the weights the detector would train, found without allocating them."""
    if isinstance(module, nn.Module):  # ready: a copy of it is trained
        return {name: tuple(value.shape) for name, value in module.state_dict().items()}
    return limits.shapes_of(lambda: build_module(module, n_features, kwargs, seed))


def from_state(cls: type, state: dict[str, Any], module: Any = None):
    """A detector with ``state``; its sizes are checked (``_state_limits``) before building."""
    if state.get("format") != FORMAT:
        raise CheckpointError(f"not a saved RollingDetector (format {state.get('format')!r})")
    params = dict(state["params"])
    stored_name, init = params.pop("module"), params.pop("module_init")
    kwargs = params.pop("module_kwargs")
    if params.pop("module_is_instance") and module is None:
        stored = _module_class(stored_name)
        if init is None:
            raise CheckpointError(
                f"this detector was given a ready {stored.__name__} instance whose "
                f"arguments cannot be read back: pass a fresh one as `module=` to load it"
            )
        limits.shapes_of(lambda: stored(**init))  # its size is checked before it is built
        with limits.bounded():
            module = stored(**init)
    elif module is None:
        module = _module_class(stored_name)
    limits.check_state(state, functools.partial(_module_shapes, module, kwargs, params["seed"]))
    params["optimizer_fn"] = _optimizer(params["optimizer_fn"])
    params["loss_fn"] = _loss(params["loss_fn"])
    det = cls(module=module, **params, **kwargs)
    for name, value in state["counters"].items():
        if name in COUNTERS:  # names from a file set only what they may
            setattr(det, name, value)
    det.ignored_features = set(state["ignored_features"])
    if "score_stats" in state:
        *sums, count = state["score_stats"]
        det._score_sums, det._score_count = np.array(sums, dtype=np.float64), int(count)
    det._scale_trail.extend((float(w), float(n)) for w, n in state.get("score_trail", []))
    if "module_state" in state:
        with limits.bounded():
            det._init(dict.fromkeys(state["features"], 0.0))
        assert det.module_ is not None
        det.module_.load_state_dict(state["module_state"])
        if state["optimizer_state"] is not None:
            assert det.optimizer_ is not None
            det.optimizer_.load_state_dict(copy.deepcopy(state["optimizer_state"]))
        elif isinstance(det.lr, bool) or not isinstance(det.lr, int | float) or det.lr < 0:
            # (never built, and built fresh on demand; what building it would check)
            raise ValueError(f"invalid learning rate {det.lr!r}")
        window = RingWindow(det.window_size, len(det.features))
        window.buffer[:] = state["window"]["buffer"].numpy()
        window.position = state["window"]["position"]
        window.count = state["window"]["count"]
        det._window = window
        det._sums = state["means"]["sums"].numpy().astype(np.float64)
        det._counts = state["means"]["counts"].numpy().astype(np.int64)
    return det


def save(det: Any, path: str | os.PathLike, *, key: bytes | str | None = None) -> None:
    """Save ``det`` to ``path`` as a checkpoint of kind ``"RollingDetector"``.

    ``key`` signs the file (None: ``$STREAMAD_CHECKPOINT_KEY``, if set; see ``persist.save``).
    """
    persist.save(get_state(det), path, kind=KIND, key=key)


def load(
    cls: type,
    path: str | os.PathLike,
    module: Any = None,
    *,
    key: bytes | str | None = None,
):
    """Load a detector saved by :func:`save`; any problem with the file is a CheckpointError."""
    state = persist.load(path, kind=KIND, key=key)
    try:
        return from_state(cls, state, module)
    except CheckpointError as error:
        raise CheckpointError(f"cannot load {os.fspath(path)}: {error}") from error
    except Exception as error:  # whatever building from a malformed state raises: never bare
        problem = f"malformed {KIND} state ({type(error).__name__}: {_first_line(error)})"
        raise CheckpointError(f"cannot load {os.fspath(path)}: {problem}") from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else ""
