"""SigmaThreshold: an alarm when the score is more than k standard deviations above the mean."""

from __future__ import annotations

import math
from typing import Any

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._bound import ScoreBound
from streamad.thresholds._moments import RollingVar, RunningVar
from streamad.thresholds._rules import exceeds, sigma_threshold

__all__ = ["SigmaThreshold"]

BOUND_C = 2.0  # width of the band scores are clipped into, in spreads of the recent scores


class SigmaThreshold(ScoreFilter):
    """Alarm when the score is above ``mean + k * std`` of the scores seen so far.

    The mean and standard deviation are updated online from the score of each sample learned:
    over the whole history (Welford's algorithm) or over the last ``window`` scores (Welford's
    updates, recomputed exactly at least once a window, so never negative by cancellation).
    Every score counts, alarms included, so a lasting change of level raises the threshold in
    time.

    Bound: each score is clipped, before it enters the statistics, into the band
    ``[L - c (H - L), H + c (H - L)]`` with ``c = 2``, where ``H`` and ``L`` are the third
    largest and smallest of the last 100 scores (warm-up included, from the tenth score on).
    A huge score thus counts as a score about 10 standard deviations above the mean (of
    normally distributed scores), which over ``n`` scores inflates the standard deviation by
    about ``50 / n`` (10% after 500 scores; none once it leaves a window), and it does not
    widen the band for the next score. Three scores of a new level open the band to it, so a
    lasting change of level is followed as before. Scores that are not finite are left out
    and counted in ``n_ignored``.

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
    a spike is no alarm. (With ``k=2`` or ``3`` that return, a jump over two steps of the sine,
    can itself pass ``mean + k std`` of the one-step jumps, and the protected detector, learning
    nothing more, then falls behind for good.)

    >>> from river import anomaly
    >>> from streamad.metrics import confusion
    >>> from streamad.synth import SineWithSpikes
    >>> from streamad.thresholds import SigmaThreshold
    >>> class Jump(anomaly.base.AnomalyDetector):
    ...     last = 0.0
    ...     def learn_one(self, x): self.last = x["value"]
    ...     def score_one(self, x): return abs(x["value"] - self.last)
    >>> model = SigmaThreshold(Jump(), k=4.0)
    >>> labels, alarms = [], []
    >>> for x, y in SineWithSpikes():
    ...     alarms.append(model.classify(model.score_one(x)))
    ...     model.learn_one(x)
    ...     labels.append(y)
    >>> confusion(labels, alarms)
    Confusion(tn=996, fp=0, fn=0, tp=4)
    """

    _state_attributes = ("n_ignored", "n_scores", "_bound", "_var")

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
        self._bound = ScoreBound(c=BOUND_C)
        self._var = RunningVar() if window is None else RollingVar(window)
        self.n_scores = 0

    @property
    def threshold(self) -> float | None:
        """``mean + k * std`` of the scores, or None while warming up."""
        if self.n_scores < self.warmup:
            return None
        return sigma_threshold(self._var.mean, math.sqrt(self._var.get()), self.k)

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the threshold (never during warm-up)."""
        return exceeds(score, self.threshold)

    def _update(self, score: float, y: Any) -> None:
        self._var.update(self._bound.clip(score))
        self.n_scores += 1

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "k": 3.0, "window": 50, "warmup": 10}
