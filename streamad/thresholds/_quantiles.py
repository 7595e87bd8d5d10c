"""Quantiles of a stream of scores: P² over the whole history, exact over a rolling window.

Written here rather than taken from River, whose estimators keep their state in compiled
objects: these hold plain floats and lists, so a filter's state can be saved as plain data.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Sequence

__all__ = ["P2Quantile", "RollingQuantile", "linear_quantile"]


def linear_quantile(ranked: Sequence[float], q: float) -> float:
    """The ``q``-quantile of sorted values, interpolated linearly (numpy's default).

    Examples
    --------
    >>> from streamad.thresholds._quantiles import linear_quantile
    >>> linear_quantile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.5
    """
    if len(ranked) == 1:
        return ranked[0]
    position = q * (len(ranked) - 1)
    i = min(int(position), len(ranked) - 2)
    low, high = ranked[i], ranked[i + 1]
    return low + (position - i) * (high - low)


class P2Quantile:
    """The ``q``-quantile of every score so far, by the P² algorithm (constant memory).

    Jain and Chlamtac, "The P² algorithm for dynamic calculation of quantiles and histograms
    without storing observations", 1985: five markers track the minimum, the ``q / 2``-,
    ``q``- and ``(1 + q) / 2``-quantiles and the maximum, and move by piecewise-parabolic
    interpolation. Until five scores are in, the quantile is the exact one.

    Examples
    --------
    >>> import random
    >>> from streamad.thresholds._quantiles import P2Quantile
    >>> rng = random.Random(0)
    >>> quantile = P2Quantile(0.9)
    >>> for _ in range(10_000):
    ...     quantile.update(rng.random())
    >>> round(quantile.get(), 2)
    0.9
    """

    def __init__(self, q: float) -> None:
        self.q = q
        self.heights: list[float] = []  # the markers' heights (the first scores, sorted)
        self.positions = [0.0, 1.0, 2.0, 3.0, 4.0]
        self.desired = [0.0, 2 * q, 4 * q, 2 + 2 * q, 4.0]
        self.steps = [0.0, q / 2, q, (1 + q) / 2, 1.0]

    def update(self, x: float) -> None:
        h = self.heights
        if len(h) < 5:
            bisect.insort(h, x)
            return
        if x < h[0]:
            h[0] = x
        elif x > h[4]:
            h[4] = x
        k = min(max(bisect.bisect_right(h, x) - 1, 0), 3)  # x falls in cell [h[k], h[k + 1]]
        for i in range(k + 1, 5):
            self.positions[i] += 1
        for i in range(5):
            self.desired[i] += self.steps[i]
        for i in (1, 2, 3):
            self._adjust(i)

    def _adjust(self, i: int) -> None:
        h, n = self.heights, self.positions
        d = self.desired[i] - n[i]
        if not ((d >= 1 and n[i + 1] - n[i] > 1) or (d <= -1 and n[i - 1] - n[i] < -1)):
            return
        s = 1 if d > 0 else -1
        parabolic = h[i] + s / (n[i + 1] - n[i - 1]) * (
            (n[i] - n[i - 1] + s) * (h[i + 1] - h[i]) / (n[i + 1] - n[i])
            + (n[i + 1] - n[i] - s) * (h[i] - h[i - 1]) / (n[i] - n[i - 1])
        )
        if h[i - 1] < parabolic < h[i + 1]:
            h[i] = parabolic
        else:
            h[i] += s * (h[i + s] - h[i]) / (n[i + s] - n[i])
        n[i] += s

    def get(self) -> float | None:
        """The quantile estimate; None before any score."""
        if len(self.heights) < 5:
            return linear_quantile(self.heights, self.q) if self.heights else None
        return self.heights[2]


class RollingQuantile:
    """The exact ``q``-quantile (linear interpolation) of the last ``window`` scores.

    Examples
    --------
    >>> from streamad.thresholds._quantiles import RollingQuantile
    >>> quantile = RollingQuantile(0.5, window=3)
    >>> for x in (1e30, 1.0, 2.0, 3.0):
    ...     quantile.update(x)
    >>> quantile.get()
    2.0
    """

    def __init__(self, q: float, window: int) -> None:
        self.q = q
        self.window = window
        self.recent: collections.deque[float] = collections.deque()
        self.ranked: list[float] = []

    def update(self, x: float) -> None:
        if len(self.recent) == self.window:
            del self.ranked[bisect.bisect_left(self.ranked, self.recent.popleft())]
        self.recent.append(x)
        bisect.insort(self.ranked, x)

    def get(self) -> float | None:
        """The quantile of the window; None before any score."""
        return linear_quantile(self.ranked, self.q) if self.ranked else None
