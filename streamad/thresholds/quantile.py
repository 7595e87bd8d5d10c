"""QuantileThreshold: an alarm when the score is above a high quantile of the scores seen."""

from __future__ import annotations

import math
from typing import Any

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._bound import ScoreBound
from streamad.thresholds._quantiles import P2Quantile, RollingQuantile
from streamad.thresholds._rules import exceeds

__all__ = ["QuantileThreshold"]

BOUND_C = 2.0  # width of the band scores are clipped into, in spreads of the recent scores


class QuantileThreshold(ScoreFilter):
    """Alarm when the score is above the ``q``-quantile of the scores learned so far.

    The quantile is estimated online: by the P² algorithm (constant memory; the same estimate
    as River's ``stats.Quantile``) over the whole history, or exactly (linear interpolation)
    over the last ``window`` scores. Every score counts, alarms included. In the long run about
    ``1 - q`` of the samples raise an alarm, whatever the scores' distribution.

    Bound: each score is clipped, before it enters the quantile, into the band
    ``[L - c (H - L), H + c (H - L)]`` with ``c = 2``, where ``H`` and ``L`` are the third
    largest and smallest of the last 100 scores (warm-up included, from the tenth score on).
    An exact quantile moves by one rank at most for one score, however large; P²'s markers,
    though, are interpolated from the extreme ones, which a huge score would become. Clipped,
    it counts as one high score (about 10 standard deviations above the mean of normally
    distributed scores), and it does not widen the band for the next. Three scores of a new
    level open the band to it. The band lies far above the usual quantiles; only for ``q``
    beyond about 0.999 on heavy-tailed scores could it hold the quantile down. Scores that are
    not finite are left out and counted in ``n_ignored``.

    Warm-up: until ``warmup`` scores have been learned ``threshold`` is None and ``classify``
    returns False (no alarm from an unfitted threshold); the default waits for ``1 / (1 - q)``
    scores, the fewest for which a ``q``-quantile means anything.

    Parameters
    ----------
    anomaly_detector
        An anomaly detector, or a pipeline ending in one.
    q
        Quantile level, between 0 and 1 (exclusive).
    window
        Number of recent scores the quantile covers; None for the whole history.
    warmup
        Number of scores learned before the first alarm can be raised; None for
        ``ceil(1 / (1 - q))``.
    protect_anomaly_detector
        Whether the detector skips learning the samples that raise an alarm (River's meaning).

    Examples
    --------
    >>> import random
    >>> from river import anomaly
    >>> from streamad.thresholds import QuantileThreshold
    >>> class Value(anomaly.base.AnomalyDetector):  # scores a sample by its value
    ...     def learn_one(self, x): pass
    ...     def score_one(self, x): return x["v"]
    >>> rng = random.Random(42)
    >>> model = QuantileThreshold(Value(), q=0.95, window=500)
    >>> n_alarms = 0
    >>> for _ in range(5_000):
    ...     x = {"v": rng.gauss(0, 1)}
    ...     n_alarms += model.classify(model.score_one(x))
    ...     model.learn_one(x)
    >>> round(n_alarms / 5_000, 2)  # about 1 - q
    0.05
    """

    _state_attributes = ("n_ignored", "n_scores", "_bound", "_quantile")

    def __init__(
        self,
        anomaly_detector: Any,
        q: float = 0.99,
        window: int | None = None,
        warmup: int | None = None,
        protect_anomaly_detector: bool = True,
    ) -> None:
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError(f"q must be a number between 0 and 1 (exclusive), not {q!r}")
        check_int("window", window, 1, allow_none=True)
        check_int("warmup", warmup, 1, allow_none=True)
        super().__init__(anomaly_detector, protect_anomaly_detector)
        self.q = q
        self.window = window
        self.warmup = warmup
        self._bound = ScoreBound(c=BOUND_C)
        self._quantile: P2Quantile | RollingQuantile = (
            P2Quantile(q) if window is None else RollingQuantile(q, window)
        )
        self._warmup = warmup if warmup is not None else math.ceil(round(1 / (1 - q), 9))
        self.n_scores = 0

    @property
    def threshold(self) -> float | None:
        """The current ``q``-quantile of the scores, or None while warming up."""
        if self.n_scores < self._warmup:
            return None
        return self._quantile.get()

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the quantile (never during warm-up)."""
        return exceeds(score, self.threshold)

    def _update(self, score: float, y: Any) -> None:
        self._quantile.update(self._bound.clip(score))
        self.n_scores += 1

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "q": 0.9, "window": 100, "warmup": 20}
