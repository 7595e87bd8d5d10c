"""PRCurveThreshold: a threshold fixed from labelled scores at a point of the PR curve."""

from __future__ import annotations

import warnings
from typing import Any

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._bound import ScoreBound
from streamad.thresholds._rules import RULES, exceeds, halfway, pr_curve_point

__all__ = ["PRCurveThreshold"]

BOUND_C = 3.0  # width of the band scores are clipped into, in spreads of the recent scores


class PRCurveThreshold(ScoreFilter):
    """Calibrate a threshold on a labelled prefix of the stream, then keep it fixed.

    ``learn_one(x, y)`` collects the score of each sample with its label ``y`` (0/1; None
    leaves the sample out of the calibration). Once ``n_calibration`` labelled scores are in,
    at least one of them an anomaly, the threshold is fixed by
    :func:`~streamad.thresholds.threshold_from_pr_curve` with ``rule``: where precision equals
    recall (as many alarms as anomalies in the prefix) or at the best F1. Later labels are
    ignored. The filter is supervised (``_supervised`` is True), so a River pipeline hands it
    the labels; the detector never sees them.

    Warm-up: until the threshold is fixed ``threshold`` is None and ``classify`` returns False
    (no alarm from an uncalibrated threshold), so the detector learns every calibration sample.
    A prefix without any anomaly cannot fix a threshold: the filter warns and keeps collecting
    until the first anomaly.

    Bound: the threshold depends on the ranks of the calibration scores and on the two scores
    either side of the point chosen, so one score moves it by at most one rank, unless it is
    one of those two. So the threshold is drawn halfway between those two scores clipped to
    the top of the band ``[L - c (H - L), H + c (H - L)]`` with ``c = 3``, where ``H`` and
    ``L`` are the third largest and smallest of the last 100 scores (labelled or not; from the
    tenth score on): a huge anomaly at the point chosen sets the threshold a few spreads above
    the usual scores, not halfway to itself. Scores that are not finite are left out and
    counted in ``n_ignored``.

    Parameters
    ----------
    anomaly_detector
        An anomaly detector, or a pipeline ending in one.
    n_calibration
        Number of labelled scores the threshold is calibrated on.
    rule
        ``"precision_equals_recall"`` or ``"best_f1"``.
    protect_anomaly_detector
        Whether the detector skips learning the samples that raise an alarm (River's meaning).

    Examples
    --------
    >>> import random
    >>> from river import anomaly
    >>> from streamad.thresholds import PRCurveThreshold
    >>> class Value(anomaly.base.AnomalyDetector):  # scores a sample by its value
    ...     def learn_one(self, x): pass
    ...     def score_one(self, x): return x["v"]
    >>> rng = random.Random(42)
    >>> stream = [(rng.random() < 0.05, rng.gauss(0, 1)) for _ in range(2_000)]
    >>> stream = [({"v": v + 4 * y}, int(y)) for y, v in stream]  # anomalies shifted by 4
    >>> model = PRCurveThreshold(Value(), n_calibration=1_000)
    >>> hits = []
    >>> for x, y in stream:
    ...     alarm = model.classify(model.score_one(x))
    ...     model.learn_one(x, y)
    ...     hits.append((alarm, y))
    >>> after = hits[1_000:]
    >>> tp = sum(a and y for a, y in after)
    >>> precision, recall = tp / sum(a for a, _ in after), tp / sum(y for _, y in after)
    >>> round(precision, 2), round(recall, 2)
    (0.97, 0.81)
    """

    _state_attributes = ("n_ignored", "_bound", "_scores", "_labels", "_threshold", "_warned")

    def __init__(
        self,
        anomaly_detector: Any,
        n_calibration: int = 1000,
        rule: str = "precision_equals_recall",
        protect_anomaly_detector: bool = True,
    ) -> None:
        check_int("n_calibration", n_calibration, 2)
        if rule not in RULES:
            raise ValueError(f"rule must be one of {RULES}, not {rule!r}")
        super().__init__(anomaly_detector, protect_anomaly_detector)
        self.n_calibration = n_calibration
        self.rule = rule
        self._bound = ScoreBound(c=BOUND_C)
        self._scores: list[float] = []
        self._labels: list[int] = []
        self._threshold: float | None = None
        self._warned = False

    @property
    def _supervised(self) -> bool:
        return True

    @property
    def threshold(self) -> float | None:
        """The calibrated threshold, or None until calibration ends."""
        return self._threshold

    def classify(self, score: float) -> bool:
        """Whether ``score`` is above the calibrated threshold (never before)."""
        return exceeds(score, self._threshold)

    def score_one(self, x: dict, y: Any = None, **kwargs: Any) -> float:
        """The detector's score of ``x`` (a label ``y``, passed by River pipelines, is unused)."""
        return super().score_one(x, **kwargs)

    def _update(self, score: float, y: Any) -> None:
        if self._threshold is not None:
            return
        self._bound.update(score)
        if y is None:
            return
        if y not in (0, 1):  # True and False compare equal to 1 and 0
            raise ValueError(f"label y must be 0, 1, a bool or None, not {y!r}")
        self._scores.append(score)
        self._labels.append(int(y))
        if len(self._scores) < self.n_calibration:
            return
        if not any(self._labels):
            if not self._warned:
                warnings.warn(
                    f"no anomaly among the first {self.n_calibration} labelled samples: "
                    "PRCurveThreshold keeps calibrating until one arrives",
                    stacklevel=3,
                )
                self._warned = True
            return
        alarmed, below = pr_curve_point(self._scores, self._labels, self.rule)
        band = self._bound.band()
        if band is not None:  # the threshold is drawn between scores clipped to the band
            alarmed = min(alarmed, band[1])
            below = None if below is None else min(below, band[1])
        self._threshold = halfway(alarmed, below)
        self._scores, self._labels = [], []

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "n_calibration": 50, "rule": "best_f1"}
