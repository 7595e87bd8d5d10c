"""End-of-run metrics of a prequential run, from its stored scores, labels and alarms."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from streamad.metrics import (
    best_f1,
    confusion,
    detection_delays,
    event_recall,
    f1_score,
    point_adjusted_f1,
    pr_auc,
    roc_auc,
)

__all__ = ["summarise"]


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def summarise(
    labels: ArrayLike | None, scores: ArrayLike, alarms: ArrayLike | None = None
) -> dict[str, Any]:
    """Label metrics of scores (and of alarms, when given), one value per sample.

    From ``scores``: ``roc_auc``, ``pr_auc``, ``best_f1`` and ``best_f1_threshold`` (alarms where
    ``score >= threshold``). From ``alarms``: ``n_alarms`` always; with labels, the confusion
    counts ``tn``, ``fp``, ``fn``, ``tp``, ``precision``, ``recall``, ``f1``, and per event (a run
    of consecutive anomalous samples) ``n_events``, ``event_recall``, ``point_adjusted_f1``,
    ``detection_delays`` (samples from the event's start to its first alarm; None when missed)
    and their mean ``mean_detection_delay``. Without labels only ``n_alarms`` is given.
    Undefined metrics (one class only, no alarm) are ``nan``.

    Parameters
    ----------
    labels
        0/1 labels, or None for an unlabelled stream.
    scores
        Anomaly scores, higher is more anomalous.
    alarms
        Alarms (booleans), or None when no threshold was applied.

    Examples
    --------
    >>> from streamad.evaluate import summarise
    >>> m = summarise([0, 0, 1, 1, 0], [0.1, 0.2, 0.9, 0.3, 0.4], [0, 0, 1, 0, 1])
    >>> m["roc_auc"], m["best_f1"], m["event_recall"], m["detection_delays"]
    (0.8333333333333334, 0.8, 1.0, [0])
    >>> summarise(None, [0.1, 0.9], [False, True])
    {'n_alarms': 1}
    """
    result: dict[str, Any] = {}
    if alarms is not None:
        alarm = np.asarray(alarms, dtype=bool)
        result["n_alarms"] = int(alarm.sum())
    if labels is None:
        return result
    y = np.asarray(labels)
    values = np.asarray(scores, dtype=float)
    result["roc_auc"] = roc_auc(y, values)
    result["pr_auc"] = pr_auc(y, values)
    result["best_f1"], result["best_f1_threshold"] = best_f1(y, values)
    if alarms is None:
        return result
    counts = confusion(y, alarm)
    delays = detection_delays(y, alarm)
    found = [d for d in delays if d is not None]
    result.update(
        tn=counts.tn,
        fp=counts.fp,
        fn=counts.fn,
        tp=counts.tp,
        precision=_ratio(counts.tp, counts.tp + counts.fp),
        recall=_ratio(counts.tp, counts.tp + counts.fn),
        f1=f1_score(y, alarm),
        n_events=len(delays),
        event_recall=event_recall(y, alarm),
        point_adjusted_f1=point_adjusted_f1(y, alarm),
        detection_delays=delays,
        mean_detection_delay=sum(found) / len(found) if found else math.nan,
    )
    return result
