"""Mean and variance of a stream of scores, whole history or a rolling window, kept stable.

Both use Welford's updates, which never subtract two large sums. The rolling window also
removes the score that leaves by Welford's inverse, whose rounding errors would add up over a
long stream, and which cancels when the score leaving held most of the variance (a spike, a
past level). So the mean and variance are computed afresh, with two exact passes over the
window, every ``window`` updates and whenever a removal takes away most of the variance
(more than ``1 - 1 / 16``): the error never outlives one window and never comes from
cancellation.
"""

from __future__ import annotations

import collections
import math

__all__ = ["RollingVar", "RunningVar"]


class RunningVar:
    """Mean and sample variance (``ddof=1``) of every score so far, by Welford's algorithm.

    Examples
    --------
    >>> from streamad.thresholds._moments import RunningVar
    >>> var = RunningVar()
    >>> for x in (1e9 + 1, 1e9 + 2, 1e9 + 3):
    ...     var.update(x)
    >>> var.mean, var.get()
    (1000000002.0, 1.0)
    """

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0  # sum of squared deviations from the mean

    def update(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    def get(self) -> float:
        """The sample variance; 0 for fewer than two scores."""
        return max(self.m2, 0.0) / (self.n - 1) if self.n > 1 else 0.0


class RollingVar(RunningVar):
    """Mean and sample variance (``ddof=1``) of the last ``window`` scores.

    Examples
    --------
    >>> from streamad.thresholds._moments import RollingVar
    >>> var = RollingVar(window=3)
    >>> for x in (1e19, 1.0, 2.0, 3.0):
    ...     var.update(x)
    >>> var.mean, var.get()
    (2.0, 1.0)
    """

    def __init__(self, window: int) -> None:
        super().__init__()
        self.window = window
        self.recent: collections.deque[float] = collections.deque()
        self.n_since_exact = 0

    def update(self, x: float) -> None:
        cancelled = len(self.recent) == self.window and self._remove(self.recent.popleft())
        self.recent.append(x)
        super().update(x)
        self.n_since_exact += 1
        if cancelled or self.n_since_exact >= self.window:
            self._exact()

    def _remove(self, x: float) -> bool:
        """Take ``x`` out by Welford's inverse; whether that cancelled most of the variance."""
        self.n -= 1
        if self.n == 0:
            self.mean = self.m2 = 0.0
            return False
        delta = x - self.mean
        self.mean -= delta / self.n
        m2 = self.m2 - delta * (x - self.mean)
        cancelled = m2 < self.m2 / 16
        self.m2 = max(m2, 0.0)
        return cancelled

    def _exact(self) -> None:
        self.mean = math.fsum(self.recent) / self.n
        self.m2 = math.fsum((x - self.mean) ** 2 for x in self.recent)
        self.n_since_exact = 0
