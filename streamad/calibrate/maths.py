"""The calibrations' maths as pure functions."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence


def percentile_rank(ordered: Sequence[float], score: float) -> float:
    """Share of ``ordered`` (sorted ascending) below ``score``, ties counting half.

    Examples
    --------
    >>> from streamad.calibrate import percentile_rank
    >>> percentile_rank([1.0, 2.0, 3.0, 4.0], 3.5)
    0.75
    >>> percentile_rank([1.0, 2.0, 2.0, 4.0], 2.0)
    0.5
    """
    if not ordered:
        raise ValueError("no scores to rank against")
    below = bisect.bisect_left(ordered, score)
    ties = bisect.bisect_right(ordered, score) - below
    return (below + 0.5 * ties) / len(ordered)


def gaussian_tail(value: float, mean: float, std: float) -> float:
    """``1 - Q``: the probability that a Gaussian ``(mean, std)`` draw is below ``value``.

    HTM's anomaly likelihood reports it: near 1 when ``value`` sits far in the upper tail.

    Examples
    --------
    >>> from streamad.calibrate import gaussian_tail
    >>> round(gaussian_tail(0.0, 0.0, 1.0), 3), round(gaussian_tail(3.0, 0.0, 1.0), 5)
    (0.5, 0.99865)
    """
    if not std > 0:
        return 0.5 if value == mean else float(value > mean)
    return 0.5 * math.erfc(-(value - mean) / (std * math.sqrt(2)))


def outside_range(value: float, low: float, high: float, margin: float = 0.05) -> bool:
    """HTM's range rule: ``value`` lies more than ``margin`` of the range outside it.

    Examples
    --------
    >>> from streamad.calibrate import outside_range
    >>> outside_range(10.4, 0.0, 10.0), outside_range(10.6, 0.0, 10.0)
    (False, True)
    """
    span = margin * (high - low)
    return value > high + span or value < low - span
