"""The alarms of a prequential run: each with its position, time, score and features to blame.

An alarm is explained when it is raised, and only then (a run without alarms pays nothing):
a :class:`~streamad.Monitor` explains itself (``explain()``: attribution and calibration), any
other detector with ``feature_errors`` (a :class:`~streamad.RollingDetector`, alone, in a
pipeline or inside a threshold filter) gives the attribution, and the rest give none. In block
mode the detector last scored the whole block, so the block is scored again up to the alarmed
sample (weights frozen: the same score) for its feature errors.
"""

from __future__ import annotations

import inspect
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from streamad.evaluate._parts import Parts
from streamad.thresholds import attribution as shares_of

__all__ = ["TOP_FEATURES", "AlarmLog", "AlarmRecord", "block_explainer", "explainer"]

#: Features kept per alarm, most to blame first (their shares of the whole error).
TOP_FEATURES = 10

Attribution = tuple[tuple[str, float], ...]
Why = tuple[Attribution, float | None]  # the attribution and the calibrated score
NOTHING: Why = ((), None)


@dataclass(frozen=True)
class AlarmRecord:
    """One alarm of a run.

    Attributes
    ----------
    index
        The sample's position in the stream, from 0.
    score
        Its anomaly score.
    threshold
        The threshold the score was above.
    attribution
        ``(feature, share)`` pairs, most to blame first: each feature's share of the
        reconstruction error (at most :data:`TOP_FEATURES` of them; the shares of all the
        features sum to 1). Empty when the detector cannot break its score down.
    calibrated
        The score calibrated into [0, 1] (a :class:`~streamad.Monitor`'s calibration), or None.
    time
        The sample's timestamp, when the source gives one.

    Examples
    --------
    >>> from streamad.evaluate import AlarmRecord
    >>> alarm = AlarmRecord(412, 31.2, 4.1, (("disk_io", 0.83), ("cpu", 0.12)), 0.9995,
    ...                     "2014-02-01 10:05:00")
    >>> print(alarm)
    sample 412 (2014-02-01 10:05:00): score 31.2 > threshold 4.1 (calibrated 0.9995): disk_io 83%, cpu 12%
    >>> alarm.feature
    'disk_io'
    >>> AlarmRecord.from_dict(alarm.to_dict()) == alarm
    True
    """  # noqa: E501

    index: int
    score: float
    threshold: float | None
    attribution: Attribution = ()
    calibrated: float | None = None
    time: str | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """The features kept, most to blame first."""
        return tuple(name for name, _ in self.attribution)

    @property
    def feature(self) -> str | None:
        """The feature most to blame (None without attribution, or when the error is 0)."""
        if not self.attribution or self.attribution[0][1] <= 0:
            return None
        return self.attribution[0][0]

    def blamed(self, shown: int = 3) -> str:
        """The first ``shown`` features and their shares, as ``a 41%, b 22%``."""
        text = ", ".join(f"{name} {share:.0%}" for name, share in self.attribution[:shown])
        return text or "-"

    def __str__(self) -> str:
        where = f"sample {self.index}" + (f" ({self.time})" if self.time is not None else "")
        text = f"{where}: score {self.score:.3g}"
        if self.threshold is not None:
            text += f" > threshold {self.threshold:.3g}"
        if self.calibrated is not None:
            text += f" (calibrated {self.calibrated:.4f})"
        return f"{text}: {self.blamed()}" if self.attribution else text

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; the attribution as ``[{"feature": ..., "share": ...}]``."""
        return {
            "index": self.index,
            "time": self.time,
            "score": _finite(self.score),
            "threshold": _finite(self.threshold),
            "calibrated": _finite(self.calibrated),
            "attribution": [{"feature": f, "share": s} for f, s in self.attribution],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlarmRecord:
        """The record written by :meth:`to_dict`."""
        score = data.get("score")
        return cls(
            index=int(data["index"]),
            score=math.nan if score is None else float(score),
            threshold=data.get("threshold"),
            attribution=tuple((str(a["feature"]), float(a["share"])) for a in data["attribution"]),
            calibrated=data.get("calibrated"),
            time=data.get("time"),
        )


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


class AlarmLog:
    """The last ``cap`` alarms, explained (None: all; 0: none), and how many were raised."""

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self.kept: deque[AlarmRecord] = deque(maxlen=cap)
        self.n = 0

    def add(
        self, index: int, score: float, threshold: float | None, time: Any, why: Callable[[], Why]
    ) -> None:
        self.n += 1
        if self.cap == 0:
            return
        attribution, calibrated = why()
        self.kept.append(
            AlarmRecord(index, score, threshold, attribution[:TOP_FEATURES], calibrated, time)
        )

    @property
    def left_out(self) -> int:
        """Alarms raised but not kept."""
        return self.n - len(self.kept)


def _attribution(errors: Mapping[str, float] | None) -> Attribution:
    if not errors:
        return ()
    try:
        return shares_of(errors)
    except ValueError:  # a non-finite error (a sample the detector could not reconstruct)
        return ()


def _calibrated(monitor: Any, score: float, x: Mapping) -> float | None:
    calibration = getattr(monitor, "calibration_", None)
    return None if calibration is None else calibration.calibrate(score, x)


def _has_errors(detector: Any) -> bool:
    """Whether ``detector`` has ``feature_errors`` (looked up without reading the property)."""
    return inspect.getattr_static(detector, "feature_errors", None) is not None


def explainer(parts: Parts) -> Callable[[], Why]:
    """The explanation of the sample the model scored last (one sample at a time)."""
    detector = parts.detector
    if parts.decides and callable(getattr(detector, "explain", None)):

        def from_monitor() -> Why:
            alarm = detector.explain()
            return alarm.attribution, alarm.calibrated

        return from_monitor
    if _has_errors(detector):
        return lambda: (_attribution(detector.feature_errors), None)
    return lambda: NOTHING


def block_explainer(parts: Parts) -> Callable[[list[dict], int, dict], Why]:
    """The explanation of sample ``i`` of a block ``xs`` (as the detector sees them; ``x`` is the
    raw sample): the block is scored again up to it, so that the detector's ``feature_errors``
    describe its window."""
    detector = parts.detector
    if not _has_errors(detector):
        return lambda xs, i, x: NOTHING
    if parts.decides and callable(getattr(detector, "explain", None)):

        def from_monitor(xs: list[dict], i: int, x: dict) -> Why:
            detector.score_many(xs[: i + 1])
            alarm = detector.explain()
            calibrated = alarm.calibrated
            if calibrated is None:  # a block has no sample scored alone: calibrate it here
                calibrated = _calibrated(detector, alarm.score, x)
            return alarm.attribution, calibrated

        return from_monitor

    def from_errors(xs: list[dict], i: int, x: dict) -> Why:
        detector.score_many(xs[: i + 1])
        return _attribution(detector.feature_errors), None

    return from_errors
