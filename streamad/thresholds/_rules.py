"""Threshold rules as pure functions: the maths the filters call.

An alarm is a score strictly above the threshold (``score > threshold``), and no threshold
(``None``, during warm-up) never raises one.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "RULES",
    "alarm_counts",
    "exceeds",
    "halfway",
    "pr_curve_point",
    "sigma_threshold",
    "threshold_from_pr_curve",
]

#: The operating-point rules of :func:`threshold_from_pr_curve`.
RULES = ("precision_equals_recall", "best_f1")


def exceeds(score: float, threshold: float | None) -> bool:
    """Whether ``score`` raises an alarm against ``threshold``: strictly above it.

    A missing threshold (``None``: the filter is still warming up) never raises an alarm.

    Examples
    --------
    >>> from streamad.thresholds._rules import exceeds
    >>> exceeds(2.0, 1.5), exceeds(1.5, 1.5), exceeds(9.0, None)
    (True, False, False)
    """
    return threshold is not None and score > threshold


def sigma_threshold(mean: float, std: float, k: float) -> float:
    """The ``mean + k * std`` rule.

    Examples
    --------
    >>> from streamad.thresholds._rules import sigma_threshold
    >>> sigma_threshold(1.0, 0.5, k=2.0)
    2.0
    """
    return mean + k * std


def _scores_and_labels(
    scores: ArrayLike, labels: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    values = np.asarray(scores, dtype=float)
    truth = np.asarray(labels)
    if values.ndim != 1 or truth.ndim != 1:
        raise ValueError("scores and labels must be one-dimensional")
    if values.shape != truth.shape:
        raise ValueError(f"{values.size} scores but {truth.size} labels")
    if values.size == 0:
        raise ValueError("scores and labels are empty")
    if not np.isfinite(values).all():
        raise ValueError("scores must be finite (no NaN or inf)")
    if truth.dtype != np.bool_ and not np.isin(truth, (0, 1)).all():
        raise ValueError("labels must hold only 0/1 or booleans")
    return values, truth.astype(bool)


def alarm_counts(
    scores: ArrayLike, labels: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Each distinct score, highest first, with the true and false alarms of ``scores >= it``.

    These are the operating points of every threshold, from which precision, recall and
    false-positive rate follow: ``precision = tp / (tp + fp)``, ``recall = tp / n_anomalies``.

    Examples
    --------
    >>> from streamad.thresholds import alarm_counts
    >>> t, tp, fp = alarm_counts([0.1, 0.4, 0.35, 0.8, 0.4], [0, 0, 1, 1, 0])
    >>> t.tolist(), tp.tolist(), fp.tolist()
    ([0.8, 0.4, 0.35, 0.1], [1, 1, 2, 2], [0, 2, 2, 3])
    """
    values, truth = _scores_and_labels(scores, labels)
    order = np.argsort(-values, kind="stable")
    ranked, hits = values[order], truth[order]
    last = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))
    tp = np.cumsum(hits, dtype=np.int64)[last]
    return ranked[last], tp, last + 1 - tp


def threshold_from_pr_curve(
    scores: ArrayLike, labels: ArrayLike, rule: str = "precision_equals_recall"
) -> float:
    """The threshold at one point of the precision-recall curve of labelled scores.

    ``rule="precision_equals_recall"`` picks the point where precision and recall are closest
    (they are equal when there are as many alarms as anomalies); ``rule="best_f1"`` the point
    of highest F1. Ties go to the higher threshold. The threshold returned lies halfway
    between the lowest score alarmed and the next lower score, so that ``score > threshold``
    reproduces the point and leaves a margin on both sides (below the lowest score when every
    score is alarmed).

    Parameters
    ----------
    scores
        Anomaly scores, higher meaning more anomalous.
    labels
        0/1 labels (or booleans), at least one of them 1.
    rule
        ``"precision_equals_recall"`` or ``"best_f1"``.

    Examples
    --------
    >>> from streamad.thresholds import threshold_from_pr_curve
    >>> scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    >>> labels = [0, 0, 1, 0, 1, 1]
    >>> round(threshold_from_pr_curve(scores, labels), 3)  # 3 alarms: precision = recall = 2/3
    0.35
    >>> round(threshold_from_pr_curve(scores, labels, rule="best_f1"), 3)  # 4 alarms: F1 6/7
    0.25
    >>> # the top score is normal: precision = recall = 0 there is not "equal"
    >>> threshold_from_pr_curve([0.9, 0.8, 0.7, 0.6, 0.5, 0.1], [0, 1, 1, 0, 0, 0])
    0.75
    """
    return halfway(*pr_curve_point(scores, labels, rule))


def pr_curve_point(
    scores: ArrayLike, labels: ArrayLike, rule: str = "precision_equals_recall"
) -> tuple[float, float | None]:
    """The lowest score alarmed at the point ``rule`` picks, and the next lower score (or None).

    See :func:`threshold_from_pr_curve`, which returns the threshold halfway between the two.

    Examples
    --------
    >>> from streamad.thresholds._rules import pr_curve_point
    >>> pr_curve_point([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 0, 1, 0, 1, 1])
    (0.4, 0.3)
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, not {rule!r}")
    thresholds, tp, fp = alarm_counts(scores, labels)
    n_anomalies = int(tp[-1])
    if n_anomalies == 0:
        raise ValueError("labels hold no anomaly: the precision-recall curve is undefined")
    if rule == "best_f1":
        gap = -2 * tp / (tp + fp + n_anomalies)  # minus F1: argmin picks the best
    else:
        gap = np.abs(tp / (tp + fp) - tp / n_anomalies)
        gap[tp == 0] = np.inf  # precision = recall = 0 is equal, and useless: never chosen
    best = int(np.argmin(gap))  # the first minimum: the highest threshold among ties
    below = float(thresholds[best + 1]) if best + 1 < thresholds.size else None
    return float(thresholds[best]), below


def halfway(alarmed: float, below: float | None) -> float:
    """The threshold between the lowest score alarmed and the next lower score (None: none).

    With no lower score it lies below ``alarmed`` by half its size (just below 0 for 0).
    Halves are added, so scores near the largest float do not overflow.

    Examples
    --------
    >>> from streamad.thresholds._rules import halfway
    >>> halfway(0.4, 0.3), halfway(0.8, None), halfway(1.6e308, 1.4e308)
    (0.35, 0.4, 1.5e+308)
    """
    if below is not None:
        return alarmed / 2 + below / 2
    return float(np.nextafter(alarmed, -math.inf)) if alarmed == 0 else alarmed - abs(alarmed) / 2
