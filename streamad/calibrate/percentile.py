"""Percentile: a score as its rank among the recent scores learned."""

from __future__ import annotations

import bisect
from collections import deque
from typing import Any

from streamad.calibrate.maths import percentile_rank

__all__ = ["Percentile"]


class Percentile:
    """The share of the last ``window`` learned scores that a score exceeds, in [0, 1].

    ``calibrate`` gives None until ``warmup`` scores are learned. The map is monotone, so it
    keeps every ranking (ROC-AUC is unchanged), and it reads the same on every stream: 0.99 is
    "higher than 99% of the scores this stream gave lately" (in a Monitor: the scores of every
    trusted sample, alarms included, so a long anomaly raises the bar as it goes on). Scores
    that are not finite are not learned. Costs O(log window) to calibrate and O(window) (a
    memory move) to learn.

    Parameters
    ----------
    window
        Number of recent scores ranked against.
    warmup
        Scores learned before a calibrated value is given.

    Examples
    --------
    >>> from streamad.calibrate import Percentile
    >>> calibration = Percentile(window=100, warmup=10)
    >>> for i in range(200):
    ...     calibration.learn(float(i % 50))
    >>> calibration.calibrate(45.5), calibration.calibrate(1000.0)
    (0.92, 1.0)
    """

    def __init__(self, window: int = 10_000, warmup: int = 30) -> None:
        for name, value in (("window", window), ("warmup", warmup)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, not {value!r}")
        self.window = window
        self.warmup = warmup
        self._recent: deque[float] = deque()
        self._ordered: list[float] = []

    def calibrate(self, score: float, x: Any = None) -> float | None:
        """The rank of ``score`` (None while warming up); nothing is learned."""
        if len(self._ordered) < self.warmup or score != score:  # NaN has no rank
            return None
        return percentile_rank(self._ordered, score)

    def learn(self, score: float, x: Any = None) -> None:
        """Add ``score`` to the scores ranked against (dropping the oldest beyond ``window``)."""
        if not abs(score) < float("inf"):
            return
        if len(self._recent) == self.window:
            old = self._recent.popleft()
            del self._ordered[bisect.bisect_left(self._ordered, old)]
        self._recent.append(score)
        bisect.insort(self._ordered, score)

    def get_state(self) -> dict[str, Any]:
        return {"recent": list(self._recent)}

    def set_state(self, state: dict[str, Any]) -> None:
        self._recent = deque(float(v) for v in state["recent"])
        self._ordered = sorted(self._recent)
