"""RateThreshold: a threshold set by the false-alarm rate a person can live with."""

from __future__ import annotations

import bisect
import collections
from typing import Any

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._rules import exceeds

__all__ = ["RateThreshold", "rank_threshold"]


def rank_threshold(ordered: list[float], rate: float) -> float:
    """The score only ``rate`` of ``ordered`` (sorted, ascending) lie above: the ``k``-th
    largest, ``k = max(2, round(rate * len(ordered)))`` — the second largest while there are
    fewer than ``2.5 / rate`` scores, so that one extreme score (a first anomaly) does not
    hide the next; the largest of fewer than two.

    Examples
    --------
    >>> from streamad.thresholds import rank_threshold
    >>> rank_threshold([float(i) for i in range(1, 5001)], 1e-3)  # the 5th largest
    4996.0
    >>> rank_threshold([1.0, 2.0, 30.0], 1e-3)  # few scores: the second largest
    2.0
    """
    k = min(max(2, round(rate * len(ordered))), len(ordered))
    return ordered[-k]


class RateThreshold(ScoreFilter):
    """Alarm when the score is above all but a ``rate`` share of the recent scores learned.

    The threshold is the ``k``-th largest of the last ``window`` scores, ``k = rate · window``
    (:func:`rank_threshold`): on a stream whose scores are stationary, about one score in
    ``1 / rate`` lies above it, whatever their distribution — ``rate=1e-3`` reads "about one
    false alarm per 1,000 normal samples". Every score counts, alarms included, so a burst of
    high scores raises the bar after a few of them instead of alarming at each. Until there
    are enough scores for that rank the threshold is the second largest score yet: a score
    above all but one of those seen alarms.
    One score, however huge, moves the threshold by one rank at most, so it needs no bound.
    Scores that are not finite are left out and counted in ``n_ignored``.

    The first ``settle`` scores, taken while a detector still learns the stream (its errors
    fall as it does), start the threshold and leave its history once ``settle`` later scores
    are in, so that they do not hold it up for the next ``window`` samples. While the history
    is young (fewer than ``1 / rate`` scores), the threshold carries a margin that shrinks from
    ``young_margin`` (100%) to nothing: a few hundred scores say little of a rate of one in a
    thousand, and a score that creeps up as the detector learns must not alarm at each new
    high.

    :meth:`forget_recent` drops the latest scores learned: a :class:`~streamad.Monitor` calls
    it when it accepts a run of alarms as the new normal, so that the change itself does not
    hold the threshold up for the next ``window`` samples.

    Warm-up: ``threshold`` is None and ``classify`` False until ``warmup`` scores are learned.

    Parameters
    ----------
    anomaly_detector
        An anomaly detector, or a pipeline ending in one.
    rate
        Target share of normal samples that raise an alarm.
    window
        Number of recent scores ranked against; at least ``1 / rate``.
    warmup
        Scores learned before the first alarm can be raised.
    settle
        The first scores, which leave the history once as many later ones are in.
    young_margin
        The threshold's margin at the start, shrinking to 0 at ``1 / rate`` scores.
    protect_anomaly_detector
        Whether the detector skips learning the samples that raise an alarm (River's meaning).

    Examples
    --------
    >>> import random
    >>> from river import anomaly
    >>> from streamad.thresholds import RateThreshold
    >>> class Value(anomaly.base.AnomalyDetector):  # scores a sample by its value
    ...     def learn_one(self, x): pass
    ...     def score_one(self, x): return x["v"]
    >>> rng = random.Random(42)
    >>> model = RateThreshold(Value(), rate=1e-3, window=5_000)
    >>> n_alarms = 0
    >>> for i in range(20_000):
    ...     x = {"v": rng.expovariate(1.0)}
    ...     n_alarms += model.classify(model.score_one(x))
    ...     model.learn_one(x)
    >>> n_alarms  # about 20 (one in 1,000), and a few more early on
    22
    """

    _state_attributes = ("n_ignored", "n_scores", "_recent", "_settling")

    def __init__(
        self,
        anomaly_detector: Any,
        rate: float = 1e-3,
        window: int = 10_000,
        warmup: int = 30,
        settle: int = 100,
        young_margin: float = 1.0,
        protect_anomaly_detector: bool = False,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 1:
            raise ValueError(f"rate must be a number between 0 and 1 (exclusive), not {rate!r}")
        check_int("window", window, 1)
        check_int("warmup", warmup, 1)
        check_int("settle", settle, 0)
        if isinstance(young_margin, bool) or not young_margin >= 0:
            raise ValueError(f"young_margin must be a number >= 0, not {young_margin!r}")
        if window * rate < 1:
            raise ValueError(f"window must hold at least 1 / rate = {1 / rate:g} scores")
        super().__init__(anomaly_detector, protect_anomaly_detector)
        self.rate = rate
        self.window = window
        self.warmup = warmup
        self.settle = settle
        self.young_margin = young_margin
        self._recent: collections.deque[float] = collections.deque()
        self._settling = 0  # how many of the oldest scores in the history are settling ones
        self._ordered: list[float] = []
        self.n_scores = 0

    @property
    def threshold(self) -> float | None:
        """The score only ``rate`` of the recent ones exceed (with the young history's margin);
        None while warming up."""
        if self.n_scores < self.warmup or not self._ordered:
            return None
        threshold = rank_threshold(self._ordered, self.rate)
        young = max(0.0, 1.0 - len(self._ordered) * self.rate)
        return threshold + abs(threshold) * self.young_margin * young

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the threshold (never during warm-up)."""
        return exceeds(score, self.threshold)

    def _update(self, score: float, y: Any) -> None:
        if len(self._recent) == self.window:
            self._drop_oldest()
        self._recent.append(score)
        bisect.insort(self._ordered, score)
        if self.n_scores < self.settle:
            self._settling += 1
        elif self._settling and len(self._recent) - self._settling >= self.settle:
            while self._settling:  # enough later scores: the settling ones leave
                self._drop_oldest()
        self.n_scores += 1

    def _drop_oldest(self) -> None:
        old = self._recent.popleft()
        del self._ordered[bisect.bisect_left(self._ordered, old)]
        self._settling = max(0, self._settling - 1)

    def forget_recent(self, n: int) -> None:
        """Drop the last ``n`` scores learned (a change accepted: its scores were no sample of
        the normal to come)."""
        for _ in range(min(n, len(self._recent) - self._settling)):
            old = self._recent.pop()
            del self._ordered[bisect.bisect_left(self._ordered, old)]

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self._ordered = sorted(self._recent)

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "rate": 0.01, "window": 200}
