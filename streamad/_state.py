"""A RollingDetector's whole state as plain data and tensors, and back."""

from __future__ import annotations

import copy
import inspect
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from streamad._persist import import_qualified, qualified_name
from streamad._window import RingWindow

if TYPE_CHECKING:
    from streamad.detector import RollingDetector

FORMAT = "streamad.RollingDetector/1"


def _name_or_value(value: Any) -> Any:
    return value if isinstance(value, str) else {"qualified": qualified_name(value)}


def _value(stored: Any) -> Any:
    return import_qualified(stored["qualified"]) if isinstance(stored, dict) else stored


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


def get_state(det: RollingDetector) -> dict[str, Any]:
    module = det.module if isinstance(det.module, type) else type(det.module)
    state: dict[str, Any] = {
        "format": FORMAT,
        "params": {
            "module": qualified_name(module),
            "module_init": None if isinstance(det.module, type) else module_init_args(det.module),
            "module_is_instance": not isinstance(det.module, type),
            "window_size": det.window_size,
            "lr": det.lr,
            "optimizer_fn": _name_or_value(det.optimizer_fn),
            "loss_fn": _name_or_value(det.loss_fn),
            "seed": det.seed,
            "device": det.device,
            "module_kwargs": dict(det.module_kwargs),
        },
        "counters": {
            "n_learned": det.n_learned,
            "n_skipped_updates": det.n_skipped_updates,
            "n_imputed": det.n_imputed,
            "n_protected": det.n_protected,
        },
        "ignored_features": sorted(det.ignored_features),
        "features": list(det.features),
    }
    if det.module_ is not None:
        assert det.optimizer_ is not None
        # copies: the snapshot must not change as the detector goes on learning
        state["module_state"] = {
            k: v.detach().cpu().clone() for k, v in det.module_.state_dict().items()
        }
        state["optimizer_state"] = copy.deepcopy(det.optimizer_.state_dict())
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


def from_state(cls: type[RollingDetector], state: dict[str, Any], module: Any = None):
    if state.get("format") != FORMAT:
        raise ValueError(f"not a saved RollingDetector (format {state.get('format')!r})")
    params = dict(state["params"])
    stored_module = import_qualified(params.pop("module"))
    if not (isinstance(stored_module, type) and issubclass(stored_module, nn.Module)):
        raise TypeError(f"{stored_module!r} is not an nn.Module class")
    init = params.pop("module_init")
    if params.pop("module_is_instance") and module is None:
        if init is None:
            raise ValueError(
                f"this detector was given a ready {stored_module.__name__} instance whose "
                f"arguments cannot be read back: pass a fresh one as `module=` to load it"
            )
        module = stored_module(**init)
    kwargs = params.pop("module_kwargs")
    det = cls(
        module=module if module is not None else stored_module,
        **{k: _value(v) for k, v in params.items()},
        **kwargs,
    )
    for name, value in state["counters"].items():
        setattr(det, name, value)
    det.ignored_features = set(state["ignored_features"])
    if "module_state" in state:
        det._init(dict.fromkeys(state["features"], 0.0))
        assert det.module_ is not None and det.optimizer_ is not None
        det.module_.load_state_dict(state["module_state"])
        det.optimizer_.load_state_dict(copy.deepcopy(state["optimizer_state"]))
        window = RingWindow(det.window_size, len(det.features))
        window.buffer[:] = state["window"]["buffer"].numpy()
        window.position = state["window"]["position"]
        window.count = state["window"]["count"]
        det._window = window
        det._sums = state["means"]["sums"].numpy().astype(np.float64)
        det._counts = state["means"]["counts"].numpy().astype(np.int64)
    return det
