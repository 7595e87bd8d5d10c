"""One model step on one sample, and its :class:`Result`: a score, an alarm or an error."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from river import anomaly, compose

from streamad.thresholds.alarm import Alarm, explain

if TYPE_CHECKING:
    from streamad.aio._worker import Worker

__all__ = ["Result", "failed", "prepare", "run_step", "take_step"]


def prepare(model: Any, threshold: Callable[[Any], Any] | None) -> Any:
    """The model a stream runs: ``model`` (given none, the whole chain, a
    :class:`~streamad.Monitor`) wrapped by the ``threshold`` factory, if any."""
    if model is None:
        from streamad.monitor import Monitor

        model = Monitor()
    return model if threshold is None else threshold(model)


@dataclass(frozen=True)
class Result:
    """What the detector made of one sample: its :class:`~streamad.thresholds.Alarm`, or an error.

    ``index`` counts the samples accepted by the stream (from 0); ``y`` is the label given with
    the sample, if any. The alarm holds the score, the threshold of the filter (None without
    one, or while it warms up), whether it is an alarm (never without a filter) and each
    feature's share of the reconstruction error, largest first (empty when the detector has no
    ``feature_errors``).

    A sample whose model step raised (a value that is not a number, say) gets a result with the
    exception in ``error``, a NaN score, no threshold and no alarm; the stream goes on with the
    next sample. The model's ``score_one`` changes nothing, so a sample that fails there leaves
    the model as it was; it is not learned. ``to_dict`` gives such a result's score as None
    (JSON has no NaN) and its error as ``"TypeError: ..."`` text.

    Examples
    --------
    >>> import asyncio
    >>> from streamad import RollingDetector
    >>> from streamad.aio import detect
    >>> async def main():
    ...     samples = [{"v": 1.0}, {"v": "oops"}, {"v": 2.0}]
    ...     return [r async for r in detect(samples, RollingDetector(window_size=2, hidden_size=2))]
    >>> results = asyncio.run(main())
    >>> [(r.index, r.error is None) for r in results]
    [(0, True), (1, False), (2, True)]
    >>> bad = results[1]
    >>> bad.score, bad.is_alarm, bad.to_dict()["score"], bad.to_dict()["error"]
    (nan, False, None, "TypeError: feature 'v' is not a number: 'oops' (str)")
    """

    index: int
    x: dict
    y: Any
    alarm: Alarm
    error: Exception | None = None

    @property
    def score(self) -> float:
        """The anomaly score (NaN when the step failed)."""
        return self.alarm.score

    @property
    def is_alarm(self) -> bool:
        """Whether the threshold filter raised an alarm."""
        return self.alarm.is_alarm

    @property
    def attribution(self) -> dict[str, float]:
        """Each feature's share of the error, largest first."""
        return dict(self.alarm.attribution)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        error = self.error
        return {
            "index": self.index,
            "x": dict(self.x),
            "y": self.y,
            "score": None if error is not None else self.score,
            "threshold": self.alarm.threshold,
            "calibrated": self.alarm.calibrated,
            "is_alarm": self.is_alarm,
            "attribution": self.attribution,
            "error": None if error is None else f"{type(error).__name__}: {error}",
        }


def failed(index: int, x: dict, y: Any, error: Exception) -> Result:
    """The result of a sample whose step raised ``error``."""
    return Result(index, x, y, Alarm(math.nan, None, False), error)


def _innermost(model: Any) -> Any:
    """The detector at the end of pipelines and inside filters."""
    while True:
        if isinstance(model, anomaly.base.AnomalyFilter):
            model = model.anomaly_detector
        elif isinstance(model, compose.Pipeline):
            model = list(model.steps.values())[-1]
        else:
            return model


def _threshold(model: Any) -> float | None:
    value = getattr(model, "threshold", None)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def step(model: Any, x: dict, learn: bool) -> Alarm:
    """Score ``x``, decide and explain the alarm, then learn ``x``: one model step.

    A model with ``process_one`` (a :class:`~streamad.Monitor`) takes the step itself, its
    alarm calibrated. Any other needs ``score_one`` and ``learn_one``; with ``classify`` (a
    River anomaly filter) it decides alarms, with a numeric ``threshold`` it reports it, and
    with ``feature_errors`` (its own or its innermost detector's) the score is explained.
    """
    if callable(getattr(model, "process_one", None)):  # a Monitor: its own step
        if learn:
            return model.process_one(x)
        model.score_one(x)
        return model.explain()
    score = float(model.score_one(x))
    threshold, is_alarm = None, False
    classify = getattr(model, "classify", None)
    if callable(classify):
        is_alarm = bool(classify(score))
        threshold = _threshold(model)
    shares: tuple = ()
    if hasattr(model, "feature_errors") or hasattr(_innermost(model), "feature_errors"):
        shares = explain(model, score, threshold).attribution
    if learn:
        model.learn_one(x)
    return Alarm(score, threshold, is_alarm, shares)


def run_step(model: Any, x: dict, learn: bool) -> Alarm | Exception:
    """:func:`step`, with what it raised returned instead (it runs in the worker thread)."""
    try:
        return step(model, x, learn)
    except Exception as error:
        return error


async def take_step(
    worker: Worker, model: Any, index: int, x: dict, y: Any, learn: bool
) -> tuple[Result, bool]:
    """Sample ``index``'s step run by ``worker``, completed even if cancelled meanwhile.

    Returns its :class:`Result` and whether a cancellation arrived (the caller keeps the
    result, then raises it).
    """
    outcome, cancelled = await worker.call(run_step, model, x, learn)
    if isinstance(outcome, Alarm):
        return Result(index, x, y, outcome), cancelled
    return failed(index, x, y, outcome), cancelled
