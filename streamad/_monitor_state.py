"""A Monitor's whole state as plain data and tensors, and back; one checkpoint file."""

from __future__ import annotations

import functools
import inspect
from typing import Any

from streamad import calibrate, persist, policy, thresholds
from streamad.detector import RollingDetector
from streamad.guard import Guard
from streamad.policy import Event

FORMAT = "streamad.Monitor/1"
KIND = "Monitor"
_THRESHOLDS = {
    name: cls
    for name in thresholds.__all__
    if inspect.isclass(cls := getattr(thresholds, name)) and hasattr(cls, "update_threshold")
}
_CALIBRATIONS = {
    name: cls for name in calibrate.__all__ if inspect.isclass(cls := getattr(calibrate, name))
}
_RULES: dict[str, type] = {"ValueRules": policy.ValueRules}
_COUNTERS = ("n_seen", "n_inputs", "n_learned", "n_alarms", "n_protected", "n_untrusted")
#: Counters kept by the policies: (policy attribute of the monitor, its attribute).
_POLICY_COUNTERS = {
    "n_accepted": ("protection_", "n_accepted"),
    "run_length": ("protection_", "run_length"),
    "accepting": ("protection_", "accepting"),
    "imputed_run": ("trust_", "imputed_run"),
}


def _spec(factory: Any, known: dict[str, type], what: str) -> dict[str, Any] | None:
    """A factory (a class, or a keyword partial of one) as a class name and arguments."""
    if factory is None:
        return None
    func, kwargs = factory, {}
    if isinstance(factory, functools.partial):
        if factory.args:
            raise ValueError(f"a {what} partial must give its arguments by keyword")
        func, kwargs = factory.func, dict(factory.keywords)
    name = getattr(func, "__name__", None)
    if known.get(name) is not func:  # type: ignore[arg-type]
        raise ValueError(
            f"cannot save a monitor whose {what} is {factory!r}: checkpoints hold streamad's "
            f"own ({', '.join(sorted(known))}) or a keyword partial of one"
        )
    return {"class": name, "kwargs": kwargs}


def _factory(spec: dict[str, Any] | None, known: dict[str, type]) -> Any:
    if spec is None:
        return None
    cls = known.get(spec["class"])
    if cls is None:
        raise ValueError(f"unknown class {spec['class']!r} in the checkpoint")
    return functools.partial(cls, **spec["kwargs"])


def _same(factory: Any) -> Any:
    """The stored factory, or its class itself when the partial adds nothing."""
    if isinstance(factory, functools.partial) and not factory.keywords:
        return factory.func
    return factory


def _guard_params(guard: Guard) -> dict[str, Any]:
    return {k: getattr(guard, k) for k in inspect.signature(Guard).parameters}


def get_state(monitor: Any) -> dict[str, Any]:
    scaler = monitor.scaler_
    return {
        "format": FORMAT,
        "params": {
            "threshold": _spec(monitor.threshold, _THRESHOLDS, "threshold"),
            "calibration": _spec(monitor.calibration, _CALIBRATIONS, "calibration"),
            "guard": _guard_params(monitor.guard_),
            "guard_is_default": monitor.guard is None,
            "detector_is_default": monitor.detector is None,
            "protect": monitor.protect,
            "accept_after": monitor.accept_after,
            "context": None if monitor.context is None else list(monitor.context),
            "rules": _spec(monitor.rules, _RULES, "rules"),
        },
        "guard": monitor.guard_.get_state(),
        "scaler": {
            "counts": dict(scaler.counts),
            "means": dict(scaler.means),
            "vars": dict(scaler.vars),
        },
        "detector": monitor.detector_.get_state(),
        "threshold": None if monitor.filter_ is None else monitor.filter_.get_state(),
        "calibration": None if monitor.calibration_ is None else monitor.calibration_.get_state(),
        "rules": None if monitor.rules_ is None else monitor.rules_.get_state(),
        "schema": monitor.schema_.get_state(),
        "recent": [[list(z), list(z.values())] for z in monitor.recent_],
        "counters": {name: getattr(monitor, name) for name in (*_COUNTERS, *_POLICY_COUNTERS)},
        "events": [[e.index, e.kind, e.message] for e in monitor.events],
    }


def from_state(cls: type, state: dict[str, Any], module: Any = None) -> Any:
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"not a saved Monitor (format {state.get('format')!r})")
    params = state["params"]
    detector = RollingDetector.from_state(state["detector"], module)
    guard = Guard(**params["guard"])
    rules = params.get("rules", {"class": "ValueRules", "kwargs": {}})  # older: the default
    monitor = cls(
        detector=None if params["detector_is_default"] else detector.clone(),
        threshold=_same(_factory(params["threshold"], _THRESHOLDS)),
        calibration=_same(_factory(params["calibration"], _CALIBRATIONS)),
        guard=None if params["guard_is_default"] else guard.clone(),
        protect=params["protect"],
        accept_after=params["accept_after"],
        context=params.get("context"),
        rules=_same(_factory(rules, _RULES)),
    )
    monitor.guard_ = guard
    guard.set_state(state["guard"])
    scaler = state["scaler"]  # River's dicts: kept in checkpoints, over the guard's features
    monitor.scaler_.set_tables(guard.features, scaler["counts"], scaler["means"], scaler["vars"])
    monitor.detector_ = detector
    if monitor.threshold is not None:
        monitor.filter_ = monitor.threshold(detector)
        monitor.filter_.set_state(state["threshold"])
    if monitor.calibration_ is not None:
        monitor.calibration_.set_state(state["calibration"])
    if monitor.rules_ is not None and state.get("rules") is not None:
        monitor.rules_.set_state(state["rules"])
    if "schema" in state:  # older checkpoints: a fresh schema, knowing the guard's features
        monitor.schema_.set_state(state["schema"])
    monitor.schema_.known.update(guard.features)
    monitor.schema_.expect(guard.features)
    for names, values in state.get("recent", []):
        monitor.recent_.append(dict(zip(map(str, names), map(float, values), strict=True)))
    counters = state["counters"]
    for name, value in counters.items():  # names from a file set only what they may
        if name in _COUNTERS:
            setattr(monitor, name, value)
        elif name in _POLICY_COUNTERS:
            owner, attribute = _POLICY_COUNTERS[name]
            setattr(getattr(monitor, owner), attribute, value)
    if "n_inputs" not in counters:  # saved before the warm-up existed: warm once it had run
        ran = counters.get("n_seen") or monitor.scaler_.counts  # live, or a warm start
        monitor.n_inputs = guard.warmup if ran else 0
    monitor.events.extend(Event(int(i), str(k), str(m)) for i, k, m in state["events"])
    return monitor


def save(monitor: Any, path: Any, *, key: bytes | str | None = None) -> None:
    """Save ``monitor``; ``key`` signs the file (None: ``$STREAMAD_CHECKPOINT_KEY``, if set)."""
    persist.save(get_state(monitor), path, kind=KIND, key=key)


def load(cls: type, path: Any, module: Any = None, *, key: bytes | str | None = None) -> Any:
    """Load a monitor saved by :func:`save`; ``key`` as for :func:`streamad.persist.load`."""
    state = persist.load(path, kind=KIND, key=key)
    try:
        return from_state(cls, state, module)
    except Exception as error:  # whatever building from a malformed state raises: never bare
        what = "" if isinstance(error, ValueError) else f"{type(error).__name__}: "
        first = (str(error).strip().splitlines() or [""])[0][:300]
        message = f"cannot load {path}: not a usable Monitor checkpoint: {what}{first}"
        raise persist.CheckpointError(message) from error
