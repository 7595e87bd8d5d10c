"""What a person watching the alarms lives with: false alarms per normal sample, and how many
of the alarm runs point at a real event."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from streamad.metrics.events import _labels_and, segments

__all__ = ["event_precision", "false_alarms_per_1000"]


def false_alarms_per_1000(y: ArrayLike, alarms: ArrayLike) -> float:
    """Alarms raised on normal points, per 1,000 normal points; ``nan`` without normal points.

    Examples
    --------
    >>> from streamad.metrics import false_alarms_per_1000
    >>> false_alarms_per_1000([0] * 1999 + [1], [1] + [0] * 1998 + [1])
    0.5002501250625313
    """
    labels, alarm = _labels_and(y, alarms, "alarms")
    normal = int((~labels).sum())
    if normal == 0:
        return float("nan")
    return 1000.0 * int((alarm & ~labels).sum()) / normal


def event_precision(y: ArrayLike, alarms: ArrayLike) -> float:
    """The share of alarm runs (maximal runs of consecutive alarms) that touch an event.

    A person reads a run of alarms as one notification; this is the share of notifications
    that were worth reading. ``nan`` when there is no alarm.

    Examples
    --------
    >>> from streamad.metrics import event_precision
    >>> event_precision([0, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 1, 0])
    0.5
    """
    labels, alarm = _labels_and(y, alarms, "alarms")
    runs = segments(alarm)
    if not runs:
        return float("nan")
    inside = np.concatenate([[0], np.cumsum(labels)])
    return sum(bool(inside[b] > inside[a]) for a, b in runs) / len(runs)
