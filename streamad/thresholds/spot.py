"""SPOTThreshold: peaks over threshold with a Generalized Pareto tail (SPOT and DSPOT)."""

from __future__ import annotations

import bisect
import collections
import math
from typing import Any

import numpy as np

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._bound import ScoreBound
from streamad.thresholds._gpd import fit_gpd, gpd_excess, pot_quantile
from streamad.thresholds._rules import exceeds

__all__ = ["SPOTThreshold"]

BOUND_C = 10.0  # width of the band scores are clipped into, in spreads of the recent scores
PEAK_RARITY = 3.0  # a peak is capped at the excess the tail passes once in this many peak sets
ROBUST_SHARE = 0.2  # share of the largest initial peaks the first, robust fit does not trust


class SPOTThreshold(ScoreFilter):
    """Alarm when the score exceeds the level a fitted tail says is passed with probability ``q``.

    SPOT (Siffer et al., "Anomaly Detection in Streams with Extreme Value Theory", KDD 2017):
    the first ``n_init`` scores give an initial threshold ``t`` (their ``level``-quantile); the
    excesses over ``t`` (the peaks) are fitted with a Generalized Pareto Distribution by
    Grimshaw's maximum likelihood, which gives the extreme quantile ``z_q``, the threshold.
    Afterwards each learned score above ``t`` is a new peak and the tail is fitted again; every
    score counts towards ``n``. So ``q`` is the target rate of false alarms on normal data, and
    needs no assumption on the scores' distribution beyond its tail.

    Siffer et al. leave the alarms (scores above ``z_q``) out of the update
    (``exclude_alarms=True``), which keeps anomalies out of the tail but truncates the tail the
    fit sees: it comes out too light and, on normal data, alarms come too often (measured on
    50,000 N(0, 1) scores with ``q=1e-3``: 0.0035 with alarms left out, 0.0011 with every score
    counted, the default, as in the other filters).

    DSPOT (``drift=True``) runs SPOT on each score minus the mean of the last ``depth`` scores
    learned, and adds that mean back to the threshold: for scores whose level drifts.

    Warm-up: until ``n_init`` scores have been learned ``threshold`` is None and ``classify``
    returns False (no alarm from an unfitted tail); the detector learns every warm-up sample.
    The tail is refitted on all the peaks at each new peak until there are 100, then each time
    their number has grown by 1% (between fits ``z_q`` follows ``n``); a fit costs time in
    proportion to the number of peaks, about ``(1 - level)`` of the scores learned.

    Bound: a huge score is held back twice. Each score is first clipped into the band
    ``[L - c (H - L), H + c (H - L)]`` with ``c = 10``, where ``H`` and ``L`` are the third
    largest and smallest of the last 100 scores (from the tenth score on): a band wide enough
    to leave heavy tails alone, which keeps DSPOT's moving mean sane. Then each peak is capped
    at the excess the fitted tail passes with probability ``1 / (3 N)``, ``N`` the number of
    peaks (about the largest of three times as many peaks): a huge score counts as one large
    but plausible peak, and a tail that is really heavy widens its own cap through the fit.
    The initial peaks are capped in the same way, from a first fit in which the largest 20% of
    them are lowered to the next one, so that outliers among the first scores do not set their
    own cap. Scores that are not finite are left out and counted in ``n_ignored``.

    Parameters
    ----------
    anomaly_detector
        An anomaly detector, or a pipeline ending in one.
    q
        Target probability that a normal score raises an alarm; well below ``1 - level`` (Siffer
        et al. use 1e-3 to 1e-5 with ``level=0.98``), so that ``z_q`` lies out in the tail.
    n_init
        Number of scores the initial threshold and tail are computed from.
    level
        Quantile of the initial scores used as ``t``: the share of scores that are not peaks.
    drift
        Whether to run DSPOT, relative to a moving mean of depth ``depth``.
    depth
        Number of recent scores in DSPOT's moving mean (unused without drift).
    exclude_alarms
        Whether alarms are left out of the update, as in Siffer et al.'s algorithm.
    protect_anomaly_detector
        Whether the detector skips learning the samples that raise an alarm (River's meaning).

    Examples
    --------
    >>> import random
    >>> from river import anomaly
    >>> from streamad.thresholds import SPOTThreshold
    >>> class Value(anomaly.base.AnomalyDetector):  # scores a sample by its value
    ...     def learn_one(self, x): pass
    ...     def score_one(self, x): return x["v"]
    >>> rng = random.Random(42)
    >>> model = SPOTThreshold(Value(), q=1e-3, n_init=1_000)
    >>> n_alarms = 0
    >>> for i in range(20_000):
    ...     x = {"v": rng.gauss(0, 1)}
    ...     n_alarms += model.classify(model.score_one(x))
    ...     model.learn_one(x)
    >>> round(n_alarms / 19_000, 4)  # target: 0.001
    0.0008
    """

    _state_attributes = (
        "n_ignored",
        "n_scores",
        "_bound",
        "_initial",
        "_recent",
        "_peaks",
        "_t",
        "_z",
        "_n_fitted",
        "gamma",
        "sigma",
    )

    def __init__(
        self,
        anomaly_detector: Any,
        q: float = 1e-3,
        n_init: int = 1000,
        level: float = 0.98,
        drift: bool = False,
        depth: int = 10,
        exclude_alarms: bool = False,
        protect_anomaly_detector: bool = True,
    ) -> None:
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
            raise ValueError(f"level must be a number between 0 and 1 (exclusive), not {level!r}")
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1 - level:
            raise ValueError(f"q must be a probability below 1 - level = {1 - level:g}, not {q!r}")
        check_int("depth", depth, 1)
        check_int("n_init", n_init, 2 + (depth if drift else 0))
        super().__init__(anomaly_detector, protect_anomaly_detector)
        self.q = q
        self.n_init = n_init
        self.level = level
        self.drift = drift
        self.depth = depth
        self.exclude_alarms = exclude_alarms
        self._bound = ScoreBound(c=BOUND_C)
        self._initial: list[float] = []
        self._recent: collections.deque[float] = collections.deque(maxlen=depth)
        self._peaks: list[float] = []
        self._t = math.nan  # the initial threshold, in drift-corrected units under DSPOT
        self._z: float | None = None  # the extreme quantile z_q, in the same units
        self.n_scores = 0  # SPOT's n: the scores counted since warm-up began
        self._n_fitted = 0  # the number of peaks at the last fit
        self.gamma = math.nan
        self.sigma = math.nan

    @property
    def threshold(self) -> float | None:
        """The extreme quantile ``z_q`` (plus DSPOT's moving mean); None while warming up."""
        if self._z is None:
            return None
        return self._z + self._local_mean()

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the extreme quantile (never during warm-up)."""
        return exceeds(score, self.threshold)

    def _local_mean(self) -> float:
        return sum(self._recent) / len(self._recent) if self.drift else 0.0

    def _peak_cap(self) -> float:
        """The largest excess a peak counts as: one the fitted tail passes with ``1 / (3 N)``."""
        if not self._peaks or not self.sigma > 0:
            return math.inf
        return gpd_excess(self.gamma, self.sigma, 1 / (PEAK_RARITY * len(self._peaks)))

    def _fit(self) -> None:
        if self._peaks:
            self.gamma, self.sigma = fit_gpd(self._peaks)
        else:
            self.gamma, self.sigma = 0.0, 0.0
        self._n_fitted = len(self._peaks)
        self._quantile()

    def _quantile(self) -> None:
        self._z = pot_quantile(
            self._t, self.gamma, self.sigma, self.q, self.n_scores, len(self._peaks)
        )

    def _initialise(self) -> None:
        scores = np.asarray(self._initial, dtype=float)
        if self.drift:  # each score minus the mean of the `depth` scores before it
            windows = np.lib.stride_tricks.sliding_window_view(scores[:-1], self.depth)
            values = scores[self.depth :] - windows.mean(axis=1)
            self._recent.extend(scores[-self.depth :].tolist())
        else:
            values = scores
        self._t = float(np.sort(values)[int(self.level * values.size)])
        peaks = np.sort(values[values > self._t] - self._t).tolist()
        self.n_scores = int(values.size)
        self._initial = []
        n_top = max(2, int(ROBUST_SHARE * len(peaks)))
        if len(peaks) > n_top:  # cap them from a first fit with the top peaks lowered to the next
            self._peaks = peaks[:-n_top] + [peaks[-n_top - 1]] * n_top
            self._fit()
            cap = self._peak_cap()
            peaks = [min(p, cap) for p in peaks]  # still sorted
        self._peaks = peaks
        self._fit()

    def _update(self, score: float, y: Any) -> None:
        score = self._bound.clip(score)
        if self._z is None:
            self._initial.append(score)
            if len(self._initial) == self.n_init:
                self._initialise()
            return
        value = score - self._local_mean()
        if self.exclude_alarms and value > self._z:
            return
        self.n_scores += 1
        if self.drift:
            self._recent.append(score)
        if value > self._t:
            bisect.insort(self._peaks, min(value - self._t, self._peak_cap()))
        if len(self._peaks) - self._n_fitted >= max(1, self._n_fitted // 100):
            self._fit()
        else:
            self._quantile()

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "n_init": 200, "drift": True, "depth": 5}
