"""FixedThreshold: an alarm whenever the score is above a constant."""

from __future__ import annotations

from typing import Any

from streamad.thresholds._base import ScoreFilter
from streamad.thresholds._rules import exceeds

__all__ = ["FixedThreshold"]


class FixedThreshold(ScoreFilter):
    """Alarm when the score is strictly above a fixed ``threshold``.

    There is no warm-up: the threshold holds from the first sample. River's ``ThresholdFilter``
    alarms on ``score >= threshold``; every streamad filter alarms on ``score > threshold``, so a
    constant score never alarms against a threshold equal to it.

    No score moves the threshold, so there is nothing to bound; ``update_threshold`` only
    counts the scores that are not finite in ``n_ignored``.

    Parameters
    ----------
    anomaly_detector
        An anomaly detector, or a pipeline ending in one.
    threshold
        The score above which a sample is an alarm.
    protect_anomaly_detector
        Whether the detector skips learning the samples that raise an alarm (River's meaning).
        With a fixed threshold a lasting change of level can then stay an alarm for good, as the
        detector never learns the new level.

    Examples
    --------
    >>> from river import anomaly
    >>> from streamad.thresholds import FixedThreshold
    >>> class Value(anomaly.base.AnomalyDetector):  # scores a sample by its value
    ...     def learn_one(self, x): pass
    ...     def score_one(self, x): return x["v"]
    >>> model = FixedThreshold(Value(), threshold=1.0)
    >>> [model.classify(model.score_one({"v": v})) for v in (0.5, 1.0, 1.5)]
    [False, False, True]
    """

    def __init__(
        self, anomaly_detector: Any, threshold: float, protect_anomaly_detector: bool = True
    ) -> None:
        super().__init__(anomaly_detector, protect_anomaly_detector)
        self.threshold = threshold

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the threshold."""
        return exceeds(score, self.threshold)

    def _update(self, score: float, y: Any) -> None:
        pass

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        yield {
            "anomaly_detector": preprocessing.StandardScaler()
            | RollingDetector(window_size=3, hidden_size=2),
            "threshold": 1.0,
        }
