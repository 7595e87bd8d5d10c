"""PRCurveThreshold: a threshold fixed from labelled scores at a point of the PR curve."""

from __future__ import annotations

import warnings
from typing import Any

from streamad.thresholds._base import ScoreFilter, check_int
from streamad.thresholds._rules import RULES, exceeds, threshold_from_pr_curve

__all__ = ["PRCurveThreshold"]


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
        if self._threshold is not None or y is None:
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
        self._threshold = threshold_from_pr_curve(self._scores, self._labels, self.rule)
        self._scores, self._labels = [], []

    @classmethod
    def _unit_test_params(cls):
        from river import preprocessing

        from streamad.detector import RollingDetector

        detector = RollingDetector(window_size=3, hidden_size=2)
        yield {"anomaly_detector": preprocessing.StandardScaler() | detector}
        yield {"anomaly_detector": detector.clone(), "n_calibration": 50, "rule": "best_f1"}
