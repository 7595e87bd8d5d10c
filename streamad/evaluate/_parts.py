"""The pieces of a model as the prequential loop drives them: transformers, filter, detector.

A model is a detector, a River pipeline ``transformers | detector``, an anomaly filter wrapping
either, or a pipeline ``transformers | filter(detector)``. The loop drives the pieces itself so
that each sample is scored exactly once: the filter learns through :class:`StandIn`, which hands
it the score already computed instead of scoring the sample again.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from river import anomaly, base, compose

__all__ = ["Parts", "StandIn", "classify", "describe", "learner", "split"]


@dataclass(frozen=True)
class Parts:
    """The detector, the filter deciding its alarms (if any) and the transformers before it."""

    detector: Any
    filter: anomaly.base.AnomalyFilter | None = None
    transformers: tuple[Any, ...] = ()

    @property
    def decides(self) -> bool:
        """Whether the detector decides its own alarms (a :class:`~streamad.Monitor`)."""
        return self.filter is None and callable(getattr(self.detector, "classify", None))

    @property
    def has_alarms(self) -> bool:
        return self.filter is not None or self.decides

    @property
    def supports_blocks(self) -> bool:
        return callable(getattr(self.detector, "score_many", None)) and callable(
            getattr(self.detector, "learn_many", None)
        )

    def prepare(self, x: dict) -> dict:
        """``x`` as the detector sees it: each transformer learns its input, then transforms it
        (River's ``compose.learn_during_predict``; scalers learn no labels)."""
        for step in self.transformers:
            step.learn_one(x)
            x = step.transform_one(x)
        return x


def _pipeline(model: Any) -> tuple[tuple[Any, ...], Any]:
    if isinstance(model, compose.Pipeline):
        *head, last = model.steps.values()
        return tuple(head), last
    return (), model


def split(model: Any) -> Parts:
    """Take a model apart; ``TypeError`` when it is not an anomaly detector."""
    transformers, detector = _pipeline(model)
    filter_ = None
    # River pipelines pass isinstance checks for the class of their last step: test them first
    if isinstance(detector, anomaly.base.AnomalyFilter) and not isinstance(
        detector, compose.Pipeline
    ):
        filter_ = detector
        inner, detector = _pipeline(detector.anomaly_detector)
        transformers += inner
    for name in ("score_one", "learn_one"):
        if not callable(getattr(detector, name, None)):
            raise TypeError(
                f"model must be a River anomaly detector (with score_one and learn_one), a "
                f"pipeline ending in one, or a threshold filter wrapping one; "
                f"{type(detector).__name__} has no {name}"
            )
    for step in transformers:
        if not callable(getattr(step, "transform_one", None)):
            raise TypeError(f"pipeline step {type(step).__name__} is not a transformer")
    return Parts(detector, filter_, transformers)


class StandIn(anomaly.base.AnomalyDetector):
    """Takes the detector's place inside a filter while the filter learns a sample.

    ``score_one`` returns ``score``, the score already computed; ``learn_one(x)`` calls
    ``learn(x)`` and ``skip_one(x)`` (a protected sample) ``skip(x)``; every other attribute is
    read from the real detector.
    """

    def __init__(
        self, real: Any, learn: Callable[[dict], None], skip: Callable[[dict], None] | None
    ) -> None:
        self.real = real
        self.learn = learn
        self.skip = skip
        self.score = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["real"], name)

    def score_one(self, x: dict, *args: Any, **kwargs: Any) -> float:
        return self.score

    def learn_one(self, x: dict, *args: Any, **kwargs: Any) -> None:
        self.learn(x)

    def skip_one(self, x: dict) -> None:
        if self.skip is not None:
            self.skip(x)


def takes_label(filter_: anomaly.base.AnomalyFilter) -> bool:
    """Whether the filter's ``learn_one`` takes the label ``y`` (streamad's filters do; River's
    pass any extra argument on to their detector)."""
    return "y" in inspect.signature(filter_.learn_one).parameters


def filter_learn(
    filter_: anomaly.base.AnomalyFilter, stand_in: StandIn, x: dict, y: Any, label: bool
) -> None:
    """Let the filter learn ``x`` (its statistics, its protection) with ``stand_in`` as its
    detector: the detector learns ``x`` if and when the filter has it learn. The label ``y`` is
    passed on when the filter takes it (``label``)."""
    real = filter_.anomaly_detector
    filter_.anomaly_detector = stand_in
    try:
        if label:
            filter_.learn_one(x, y=y)
        else:
            filter_.learn_one(x)
    finally:
        filter_.anomaly_detector = real


def classify(parts: Parts, score: float, latest: bool = False) -> tuple[bool, float | None]:
    """The alarm and the threshold it was decided against (None when unknown or warming up).

    ``latest``: ``score`` is the score of the sample the detector scored last, so a Monitor's
    whole decision for it (value rules included) is at hand in ``explain()``."""
    if parts.decides:
        threshold = getattr(parts.detector, "threshold_value", None)
        decider: Any = parts.detector
        explain = getattr(decider, "explain", None)
        if latest and callable(explain):
            alarm = explain()
            return bool(alarm.is_alarm), alarm.threshold
    elif parts.filter is not None:
        threshold = getattr(parts.filter, "threshold", None)
        decider = parts.filter
    else:
        return False, None
    if not isinstance(threshold, (int, float)):
        threshold = None
    return bool(decider.classify(score)), threshold


def learner(
    parts: Parts, learn: Callable[[dict], None], skip: Callable[[dict], None] | None
) -> Callable[[dict, Any, float], None]:
    """``learn(x)`` directly, or through the filter, which updates its statistics from the score
    (and the label, if it takes it) and decides whether the detector learns (protection); a
    protected sample goes to ``skip(x)``."""
    if parts.decides:  # it decides protection itself, and its threshold may take the label
        return lambda x, y, score: learn(x, y)  # type: ignore[call-arg]
    if parts.filter is None:
        return lambda x, y, score: learn(x)
    filter_ = parts.filter
    stand_in = StandIn(filter_.anomaly_detector, learn, skip)
    label = takes_label(filter_)

    def through_filter(x: dict, y: Any, score: float) -> None:
        stand_in.score = score
        filter_learn(filter_, stand_in, x, y, label)

    return through_filter


def _value(value: Any) -> str:
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, base.Base):
        return describe(value)
    return " ".join(repr(value).split())


def describe(model: Any) -> str:
    """A one-line description: pipelines as ``a | b``, parameters that differ from the defaults.

    Examples
    --------
    >>> from river import anomaly, preprocessing
    >>> from streamad.evaluate._parts import describe
    >>> model = preprocessing.MinMaxScaler() | anomaly.LocalOutlierFactor()
    >>> describe(anomaly.QuantileFilter(model, q=0.9))
    'QuantileFilter(anomaly_detector=MinMaxScaler() | LocalOutlierFactor(), q=0.9)'
    """
    if isinstance(model, compose.Pipeline):
        return " | ".join(describe(step) for step in model.steps.values())
    if not isinstance(model, base.Base):
        return " ".join(repr(model).split())
    shown: list[str] = []
    for name, p in inspect.signature(type(model).__init__).parameters.items():
        if name == "self" or p.kind == p.VAR_POSITIONAL or not hasattr(model, name):
            continue
        value = getattr(model, name)
        if p.kind == p.VAR_KEYWORD:
            shown.extend(f"{k}={_value(v)}" for k, v in value.items())
        elif p.default is p.empty or _value(p.default) != _value(value):
            shown.append(f"{name}={_value(value)}")
    return f"{type(model).__name__}({', '.join(shown)})"
