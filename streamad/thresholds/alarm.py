"""Alarm explanation: which features make up the reconstruction error, and how to score that."""

from __future__ import annotations

import math
import operator
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from river import anomaly, compose

__all__ = ["Alarm", "attribution", "explain", "ranked_shares", "top_k_hit_rate"]

_SHOWN = 5  # features listed by str(alarm)
_SHARE = operator.itemgetter(1)


@dataclass(frozen=True)
class Alarm:
    """A score judged against a threshold, with each feature's share of the error.

    Parameters
    ----------
    score
        The anomaly score.
    threshold
        The threshold it was judged against; None while the filter was warming up.
    is_alarm
        Whether the score is strictly above the threshold.
    attribution
        ``(feature, share)`` pairs, largest share first; the shares of the reconstruction error
        sum to 1 (all 0 when the error is 0).
    calibrated
        The score calibrated into [0, 1] by a :class:`~streamad.Monitor`'s calibration (see
        ``streamad.calibrate``: e.g. the share of recent normal scores it exceeds); None
        without one or while it warms up.
    kind
        What raised the alarm: ``"score"`` (the score is above the threshold), or a
        :class:`~streamad.Monitor`'s value rule (``streamad.policy.ValueRules``):
        ``"implausible"`` (a value that is no measurement, such as 1e300), ``"changed"`` (a
        feature long constant changed) or ``"frozen"`` (a varying feature stuck); the
        attribution then names the features the rule found.
    reason
        The rule's reason, for a value rule's alarm (empty otherwise).
    ongoing
        The score is above the threshold, but an alarm raised at an earlier sample is still
        going on (its scores have stayed above): no new alarm (``is_alarm`` is False).

    Examples
    --------
    >>> from streamad.thresholds import Alarm
    >>> alarm = Alarm(3.21, 1.05, True, (("dim_3", 0.41), ("dim_7", 0.22), ("dim_1", 0.37)))
    >>> print(alarm)
    ALARM score 3.21 > threshold 1.05: dim_3 41%, dim_7 22%, dim_1 37%
    >>> alarm.features
    ('dim_3', 'dim_7', 'dim_1')
    >>> reason = "held 0 for 900 samples, now 1"
    >>> print(Alarm(0.8, 1.05, True, (("errors", 1.0),), kind="changed", reason=reason))
    ALARM changed value: errors (held 0 for 900 samples, now 1; score 0.8)
    """

    score: float
    threshold: float | None
    is_alarm: bool
    attribution: tuple[tuple[str, float], ...] = ()
    calibrated: float | None = None
    kind: str = "score"
    reason: str = ""
    ongoing: bool = False

    @property
    def features(self) -> tuple[str, ...]:
        """The features, most responsible first."""
        return tuple(name for name, _ in self.attribution)

    def __str__(self) -> str:
        if self.is_alarm and self.kind != "score":
            names = ", ".join(self.features)
            return f"ALARM {self.kind} value: {names} ({self.reason}; score {self.score:.3g})"
        if self.threshold is None:
            text = f"no alarm (threshold warming up): score {self.score:.3g}"
        elif self.ongoing:
            text = f"alarm goes on: score {self.score:.3g} > threshold {self.threshold:.3g}"
        elif self.is_alarm:
            text = f"ALARM score {self.score:.3g} > threshold {self.threshold:.3g}"
        else:
            text = f"no alarm: score {self.score:.3g} <= threshold {self.threshold:.3g}"
        if self.calibrated is not None:
            text += f" (calibrated {self.calibrated:.4f})"
        if not self.attribution:
            return text
        shown = ", ".join(f"{name} {share:.0%}" for name, share in self.attribution[:_SHOWN])
        more = ", ..." if len(self.attribution) > _SHOWN else ""
        return f"{text}: {shown}{more}"


def attribution(errors: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """Each feature's share ``error_f / sum(errors)``, largest first (ties by name).

    Examples
    --------
    >>> from streamad.thresholds import attribution
    >>> attribution({"a": 1.0, "b": 3.0, "c": 0.0})
    (('b', 0.75), ('a', 0.25), ('c', 0.0))
    """
    values = {str(name): float(error) for name, error in errors.items()}
    if any(not math.isfinite(v) or v < 0 for v in values.values()):
        raise ValueError(f"feature errors must be finite and >= 0, got {values}")
    total = sum(values.values())
    shares = {name: (v / total if total > 0 else 0.0) for name, v in values.items()}
    return tuple(sorted(shares.items(), key=lambda item: (-item[1], item[0])))


def ranked_shares(names: Sequence[str], errors: np.ndarray) -> tuple[tuple[str, float], ...]:
    """:func:`attribution` of ``errors`` (an array, one error a name of ``names``, which are
    in sorted order, as a RollingDetector keeps its features): the same pairs, in one sort.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.thresholds.alarm import ranked_shares
    >>> ranked_shares(["a", "b", "c"], np.array([1.0, 3.0, 0.0]))
    (('b', 0.75), ('a', 0.25), ('c', 0.0))
    """
    values = errors.tolist()
    total = sum(values)  # attribution's sum, in its order; not finite if an error is not
    if not math.isfinite(total) or (values and min(values) < 0):
        return attribution(dict(zip(names, values, strict=True)))  # its checks, its error
    shares = (errors / total).tolist() if total > 0 else [0.0] * len(values)
    # a stable sort, reversed: equal shares keep their (name) order, as attribution's key
    return tuple(sorted(zip(names, shares, strict=True), key=_SHARE, reverse=True))


def _explainable(model: Any) -> Any | None:
    """The first model with ``feature_errors``, from the end of pipelines, inside filters."""
    if hasattr(model, "feature_errors"):
        return model
    # a pipeline first: River's isinstance takes a pipeline for its last step
    if isinstance(model, compose.Pipeline):
        for step in reversed(list(model.steps.values())):
            found = _explainable(step)
            if found is not None:
                return found
        return None
    if isinstance(model, anomaly.base.AnomalyFilter):
        return _explainable(model.anomaly_detector)
    return None


def explain(model: Any, score: float, threshold: float | None) -> Alarm:
    """Explain ``score`` with the per-feature errors of the window the detector last scored.

    ``model`` is a detector with ``feature_errors`` (such as :class:`~streamad.RollingDetector`),
    or a River pipeline or anomaly filter holding one. Call it right after scoring the sample.

    Examples
    --------
    >>> from streamad import RollingDetector
    >>> from streamad.thresholds import FixedThreshold, explain
    >>> model = FixedThreshold(RollingDetector(window_size=3, hidden_size=2), threshold=0.5)
    >>> for i in range(50):
    ...     x = {"a": 0.0, "b": 0.0, "c": 0.0}
    ...     model.learn_one(x)
    >>> x = {"a": 0.0, "b": 4.0, "c": 0.5}
    >>> alarm = explain(model, model.score_one(x), model.threshold)
    >>> alarm.is_alarm, alarm.features
    (True, ('b', 'c', 'a'))
    """
    detector = _explainable(model)
    if detector is None:
        raise TypeError(
            f"{type(model).__name__} holds no detector with feature_errors to explain the score"
        )
    errors = detector.feature_errors
    shares = attribution(errors) if errors is not None else ()
    return Alarm(float(score), threshold, threshold is not None and score > threshold, shares)


def top_k_hit_rate(
    rankings: Sequence[Sequence[str] | Alarm],
    true_dims: Sequence[Collection[str]],
    p: float = 100,
) -> float:
    """HitRate@P% (OmniAnomaly, Su et al. 2019) of feature rankings against the true features.

    For each anomalous point with true features ``G`` (points with none are skipped), the hit is
    ``|top ⌊P% |G|⌋ ∩ G| / |G|``, the top taken from its ranking; the result is their mean,
    ``nan`` when no point has true features. ``p=100`` and ``p=150`` are the usual choices.

    Parameters
    ----------
    rankings
        Per point, the features most responsible first (or an :class:`Alarm`).
    true_dims
        Per point, the features truly anomalous (empty for a normal point).
    p
        The percentage P.

    Examples
    --------
    >>> from streamad.thresholds import top_k_hit_rate
    >>> rankings = [["a", "b", "c", "d"], ["c", "a", "d", "b"], ["a", "b", "c", "d"]]
    >>> truth = [{"a", "c"}, {"a", "b"}, set()]
    >>> top_k_hit_rate(rankings, truth, p=100)  # (1/2 + 1/2) / 2
    0.5
    >>> top_k_hit_rate(rankings, truth, p=150)  # top 3: (2/2 + 1/2) / 2
    0.75
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not p > 0:
        raise ValueError(f"p must be a percentage > 0, not {p!r}")
    if len(rankings) != len(true_dims):
        raise ValueError(f"{len(rankings)} rankings but {len(true_dims)} sets of true features")
    hits = []
    for ranking, truth in zip(rankings, true_dims, strict=True):
        dims = set(truth)
        if not dims:
            continue
        names = ranking.features if isinstance(ranking, Alarm) else list(ranking)
        k = math.floor(p * len(dims) / 100 + 1e-9)
        hits.append(len(set(names[:k]) & dims) / len(dims))
    return sum(hits) / len(hits) if hits else math.nan
