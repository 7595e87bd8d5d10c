"""SigmaThreshold: an alarm when the score is more than k standard deviations above the mean."""

from __future__ import annotations

import math
from typing import Any

from river import stats, utils

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._rules import exceeds, sigma_threshold

__all__ = ["SigmaThreshold"]


class SigmaThreshold(ScoreFilter):
    """Alarm when the score is above ``mean + k * std`` of the scores seen so far.

    The mean and standard deviation are updated online from the score of each sample learned:
    over the whole history (Welford's algorithm) or over the last ``window`` scores. Every score
    counts, alarms included, so a lasting change of level raises the threshold in time.

    Warm-up: until ``warmup`` scores have been learned ``threshold`` is None and ``classify``
    returns False (no alarm from an unfitted threshold); the detector learns every warm-up sample.

    Parameters
    ----------
    anomaly_detector
        An anomaly detector, or a pipeline ending in one.
    k
        Number of standard deviations above the mean.
    window
        Number of recent scores the statistics cover; None for the whole history.
    warmup
        Number of scores learned before the first alarm can be raised (at least 2).
    protect_anomaly_detector
        Whether the detector skips learning the samples that raise an alarm (River's meaning).

    Examples
    --------
    A detector that scores each sample by its jump from the last sample it learned catches the
    four spikes of the sine; protected, it never learns a spike, so the return to the sine after
    a spike is no alarm.

    >>> from river import anomaly
    >>> from streamad.metrics import confusion
    >>> from streamad.synth import SineWithSpikes
    >>> from streamad.thresholds import SigmaThreshold
    >>> class Jump(anomaly.base.AnomalyDetector):
    ...     last = 0.0
    ...     def learn_one(self, x): self.last = x["value"]
    ...     def score_one(self, x): return abs(x["value"] - self.last)
    >>> model = SigmaThreshold(Jump(), k=2.0)
    >>> labels, alarms = [], []
    >>> for x, y in SineWithSpikes():
    ...     alarms.append(model.classify(model.score_one(x)))
    ...     model.learn_one(x)
    ...     labels.append(y)
    >>> confusion(labels, alarms)
    Confusion(tn=996, fp=0, fn=0, tp=4)
    """

    def __init__(
        self,
        anomaly_detector: Any,
        k: float = 2.0,
        window: int | None = None,
        warmup: int = 30,
        protect_anomaly_detector: bool = True,
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not k >= 0:
            raise ValueError(f"k must be a number >= 0, not {k!r}")
        check_int("window", window, 2, allow_none=True)
        check_int("warmup", warmup, 2)
        super().__init__(anomaly_detector, protect_anomaly_detector)
        self.k = k
        self.window = window
        self.warmup = warmup
        self._var: Any = stats.Var() if window is None else utils.Rolling(stats.Var(), window)
        self.n_scores = 0

    @property
    def threshold(self) -> float | None:
        """``mean + k * std`` of the scores, or None while warming up."""
        if self.n_scores < self.warmup:
            return None
        mean = self._var.mean.get() if self.window is None else self._var.obj.mean.get()
        return sigma_threshold(mean, math.sqrt(max(self._var.get(), 0.0)), self.k)

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the threshold (never during warm-up)."""
        return exceeds(score, self.threshold)

    def _update(self, score: float, y: Any) -> None:
        self._var.update(score)
        self.n_scores += 1

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "k": 3.0, "window": 50, "warmup": 10}
