"""A Monitor's whole state as plain data and tensors, and back; one checkpoint file."""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

from streamad import persist, thresholds
from streamad.detector import RollingDetector
from streamad.guard import Guard

if TYPE_CHECKING:
    from streamad.monitor import Monitor

FORMAT = "streamad.Monitor/1"
KIND = "Monitor"
_THRESHOLDS = {
    name: cls
    for name in thresholds.__all__
    if inspect.isclass(cls := getattr(thresholds, name)) and hasattr(cls, "update_threshold")
}
_COUNTERS = (
    "n_seen",
    "n_alarms",
    "n_protected",
    "n_untrusted",
    "n_accepted",
    "run_length",
    "imputed_run",
    "accepting",
)


def _threshold_spec(factory: Any) -> dict[str, Any] | None:
    """The threshold factory as a class name and keyword arguments (plain data)."""
    if factory is None:
        return None
    func, kwargs = factory, {}
    if isinstance(factory, functools.partial):
        if factory.args:
            raise ValueError("a threshold partial must give its arguments by keyword")
        func, kwargs = factory.func, dict(factory.keywords)
    name = getattr(func, "__name__", None)
    if _THRESHOLDS.get(name) is not func:  # type: ignore[arg-type]
        raise ValueError(
            f"cannot save a monitor whose threshold is {factory!r}: checkpoints hold streamad's "
            f"threshold filters ({', '.join(sorted(_THRESHOLDS))}) or a partial of one"
        )
    return {"class": name, "kwargs": kwargs}


def _threshold_factory(spec: dict[str, Any] | None) -> Any:
    if spec is None:
        return None
    cls = _THRESHOLDS.get(spec["class"])
    if cls is None:
        raise ValueError(f"unknown threshold filter {spec['class']!r} in the checkpoint")
    return functools.partial(cls, **spec["kwargs"])


def _guard_params(guard: Guard) -> dict[str, Any]:
    return {k: getattr(guard, k) for k in inspect.signature(Guard).parameters}


def get_state(monitor: Monitor) -> dict[str, Any]:
    scaler = monitor.scaler_
    return {
        "format": FORMAT,
        "params": {
            "threshold": _threshold_spec(monitor.threshold),
            "guard": _guard_params(monitor.guard_),
            "guard_is_default": monitor.guard is None,
            "detector_is_default": monitor.detector is None,
            "protect": monitor.protect,
            "accept_after": monitor.accept_after,
        },
        "guard": monitor.guard_.get_state(),
        "scaler": {
            "counts": dict(scaler.counts),
            "means": dict(scaler.means),
            "vars": dict(scaler.vars),
        },
        "detector": monitor.detector_.get_state(),
        "threshold": None if monitor.filter_ is None else monitor.filter_.get_state(),
        "counters": {name: getattr(monitor, name) for name in _COUNTERS},
        "events": [[e.index, e.kind, e.message] for e in monitor.events],
    }


def from_state(cls: type[Monitor], state: dict[str, Any], module: Any = None) -> Monitor:
    from streamad.monitor import Event

    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"not a saved Monitor (format {state.get('format')!r})")
    params = state["params"]
    detector = RollingDetector.from_state(state["detector"], module)
    guard = Guard(**params["guard"])
    monitor = cls(
        detector=None if params["detector_is_default"] else detector.clone(),
        threshold=_threshold_factory(params["threshold"]),
        guard=None if params["guard_is_default"] else guard.clone(),
        protect=params["protect"],
        accept_after=params["accept_after"],
    )
    monitor.guard_ = guard
    guard.set_state(state["guard"])
    for table in ("counts", "means", "vars"):
        getattr(monitor.scaler_, table).update(state["scaler"][table])
    monitor.detector_ = detector
    if monitor.threshold is not None:
        monitor.filter_ = monitor.threshold(detector)
        monitor.filter_.set_state(state["threshold"])
    for name, value in state["counters"].items():
        setattr(monitor, name, value)
    monitor.events.extend(Event(int(i), str(k), str(m)) for i, k, m in state["events"])
    return monitor


def save(monitor: Monitor, path: Any) -> None:
    persist.save(get_state(monitor), path, kind=KIND)


def load(cls: type[Monitor], path: Any, module: Any = None) -> Monitor:
    state = persist.load(path, kind=KIND)
    try:
        return from_state(cls, state, module)
    except (KeyError, TypeError, ValueError) as error:
        message = f"{path}: not a usable Monitor checkpoint: {error}"
        raise persist.CheckpointError(message) from error
