"""Point and event metrics over arrays of labels, scores and alarms.

``y`` holds labels (1 = anomalous, 0 = normal), ``scores`` anomaly scores (higher = more
anomalous) and ``alarms`` a detector's decisions (booleans or 0/1), all one value per point.
An event is a maximal run of consecutive anomalous points.

Metrics that are undefined for the input return ``nan``: the AUCs when ``y`` holds one class
only, the F1 scores and ``event_recall`` when ``y`` has no anomalies.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Confusion",
    "best_f1",
    "confusion",
    "detection_delays",
    "event_recall",
    "f1_score",
    "point_adjust",
    "point_adjusted_f1",
    "pr_auc",
    "roc_auc",
    "segments",
]


class Confusion(NamedTuple):
    """Point counts, in scikit-learn's ``confusion_matrix(...).ravel()`` order."""

    tn: int
    fp: int
    fn: int
    tp: int


def _binary(values: ArrayLike, name: str) -> NDArray[np.bool_]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.dtype != np.bool_ and not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0/1 or booleans")
    return array.astype(bool)


def _labels_and(y: ArrayLike, other: ArrayLike, name: str) -> tuple[NDArray[np.bool_], NDArray]:
    labels = _binary(y, "y")
    values = np.asarray(other)
    if values.shape != labels.shape:
        raise ValueError(f"y has {labels.size} points but {name} has shape {values.shape}")
    if name == "scores":
        values = values.astype(float)
        if np.isnan(values).any():
            raise ValueError("scores contain NaN")
        return labels, values
    return labels, _binary(values, name)


def _ranked_counts(
    labels: NDArray[np.bool_], scores: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct thresholds (decreasing) with the true and false alarms of ``scores >= t``."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], labels[order]
    last = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))
    tp = np.cumsum(hits, dtype=np.int64)[last]
    return ranked[last], tp, last + 1 - tp


def roc_auc(y: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve: the chance a random anomaly outscores a random normal point.

    Ties count one half. ``nan`` when ``y`` holds one class only.

    Examples
    --------
    >>> from streamad.metrics import roc_auc
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    labels, values = _labels_and(y, scores, "scores")
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    mean_rank = np.cumsum(counts) - (counts - 1) / 2.0
    rank_sum = float(mean_rank[inverse][labels].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def pr_auc(y: ArrayLike, scores: ArrayLike) -> float:
    """Average precision: precision averaged over the recall gained at each threshold.

    Equal to scikit-learn's ``average_precision_score``. ``nan`` when ``y`` has no anomalies.

    Examples
    --------
    >>> from streamad.metrics import pr_auc
    >>> round(pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    labels, values = _labels_and(y, scores, "scores")
    n_pos = int(labels.sum())
    if n_pos == 0:
        return float("nan")
    _, tp, fp = _ranked_counts(labels, values)
    recall_gain = np.diff(tp, prepend=0) / n_pos
    return float(np.sum(recall_gain * tp / (tp + fp)))


def best_f1(y: ArrayLike, scores: ArrayLike) -> tuple[float, float]:
    """The best point F1 over thresholds, and that threshold (alarms where ``scores >= t``).

    On ties the highest threshold wins. ``(nan, nan)`` when ``y`` has no anomalies.

    Examples
    --------
    >>> from streamad.metrics import best_f1
    >>> best_f1([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    (0.8, 0.35)
    """
    labels, values = _labels_and(y, scores, "scores")
    n_pos = int(labels.sum())
    if n_pos == 0:
        return float("nan"), float("nan")
    thresholds, tp, fp = _ranked_counts(labels, values)
    f1 = 2 * tp / (tp + fp + n_pos)
    best = int(np.argmax(f1))
    return float(f1[best]), float(thresholds[best])


def confusion(y: ArrayLike, alarms: ArrayLike) -> Confusion:
    """Counts of true negatives, false positives, false negatives and true positives.

    Examples
    --------
    >>> from streamad.metrics import confusion
    >>> confusion([0, 1, 1, 0, 0], [0, 1, 0, 1, 0])
    Confusion(tn=2, fp=1, fn=1, tp=1)
    """
    labels, alarm = _labels_and(y, alarms, "alarms")
    tp = int(np.sum(labels & alarm))
    fp = int(np.sum(~labels & alarm))
    fn = int(np.sum(labels & ~alarm))
    return Confusion(tn=labels.size - tp - fp - fn, fp=fp, fn=fn, tp=tp)


def f1_score(y: ArrayLike, alarms: ArrayLike) -> float:
    """Point F1 of alarms: ``2 tp / (2 tp + fp + fn)``; ``nan`` when ``y`` has no anomalies.

    Examples
    --------
    >>> from streamad.metrics import f1_score
    >>> f1_score([0, 1, 1, 0, 0], [0, 1, 0, 1, 0])
    0.5
    """
    counts = confusion(y, alarms)
    if counts.tp + counts.fn == 0:
        return float("nan")
    return 2 * counts.tp / (2 * counts.tp + counts.fp + counts.fn)


def segments(y: ArrayLike) -> list[tuple[int, int]]:
    """The events of ``y`` as half-open ``(start, stop)`` pairs: ``y[start:stop]`` is all ones.

    Examples
    --------
    >>> from streamad.metrics import segments
    >>> segments([0, 1, 1, 0, 1])
    [(1, 3), (4, 5)]
    """
    labels = _binary(y, "y").astype(np.int8)
    edges = np.diff(labels, prepend=0, append=0)
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def point_adjust(y: ArrayLike, alarms: ArrayLike) -> NDArray[np.bool_]:
    """Alarms where every point of an event counts as detected once any point of it alarms.

    Alarms outside events are kept as they are.

    Examples
    --------
    >>> from streamad.metrics import point_adjust
    >>> point_adjust([0, 1, 1, 1, 0], [1, 0, 1, 0, 0]).astype(int).tolist()
    [1, 1, 1, 1, 0]
    """
    labels, alarm = _labels_and(y, alarms, "alarms")
    adjusted = alarm.copy()
    for start, stop in segments(labels):
        if alarm[start:stop].any():
            adjusted[start:stop] = True
    return adjusted


def point_adjusted_f1(y: ArrayLike, alarms: ArrayLike) -> float:
    """Point F1 after :func:`point_adjust`; ``nan`` when ``y`` has no anomalies.

    Examples
    --------
    >>> from streamad.metrics import point_adjusted_f1
    >>> round(point_adjusted_f1([0, 1, 1, 1, 0], [1, 0, 1, 0, 0]), 4)
    0.8571
    """
    return f1_score(y, point_adjust(y, alarms))


def detection_delays(y: ArrayLike, alarms: ArrayLike) -> list[int | None]:
    """Per event, the points from its start to its first alarm inside it; ``None`` if missed.

    Examples
    --------
    >>> from streamad.metrics import detection_delays
    >>> detection_delays([1, 1, 0, 1, 1, 1, 0, 1], [0, 1, 0, 0, 0, 0, 1, 0])
    [1, None, None]
    """
    labels, alarm = _labels_and(y, alarms, "alarms")
    delays: list[int | None] = []
    for start, stop in segments(labels):
        hits = np.flatnonzero(alarm[start:stop])
        delays.append(int(hits[0]) if hits.size else None)
    return delays


def event_recall(y: ArrayLike, alarms: ArrayLike) -> float:
    """The fraction of events with at least one alarm inside; ``nan`` when there are none.

    Examples
    --------
    >>> from streamad.metrics import event_recall
    >>> event_recall([1, 1, 0, 1, 1, 1, 0, 1], [0, 1, 0, 0, 0, 0, 1, 0])
    0.3333333333333333
    """
    delays = detection_delays(y, alarms)
    if not delays:
        return float("nan")
    return sum(delay is not None for delay in delays) / len(delays)
