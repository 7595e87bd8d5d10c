"""ScoreBound: winsorise each score at a robust band of the recent scores.

One score, however huge, must not move a threshold's statistics for good. Each finite score is
clipped into the band ``[L - c * (H - L), H + c * (H - L)]`` of the last ``window`` scores
before it enters the statistics, where ``H`` and ``L`` are the ``rank + 1``-th largest and
smallest of them. Up to ``rank`` outliers in the window move neither ``H`` nor ``L``, so one
huge score enters as a bounded value and does not widen the band for the next; a real change
of level moves ``H`` (or ``L``) as soon as ``rank + 1`` scores of the new level are in the
window, and is followed from then on. The band is measured on the raw scores, so clipping
never feeds back into it.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Sequence

__all__ = ["ScoreBound", "winsor_band"]

WINDOW = 100  # recent scores the band is measured on
RANK = 2  # outliers in the window that leave the band as it is
MIN_SCORES = 10  # scores needed before any clipping


def winsor_band(ranked: Sequence[float], c: float, rank: int = RANK) -> tuple[float, float]:
    """The band ``[L - c (H - L), H + c (H - L)]`` of sorted scores ``ranked``.

    ``H`` and ``L`` are the ``rank + 1``-th largest and smallest scores: ``rank`` outliers
    on either side change neither.

    Examples
    --------
    >>> from streamad.thresholds._bound import winsor_band
    >>> winsor_band([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1e30], c=3.0, rank=1)
    (-11.0, 17.0)
    """
    low, high = ranked[rank], ranked[len(ranked) - 1 - rank]
    spread = high - low
    return low - c * spread, high + c * spread


class ScoreBound:
    """Clips each score into the :func:`winsor_band` of the last ``window`` scores.

    The first ``MIN_SCORES`` scores are taken as they come: there is nothing yet to judge them
    by. Only finite scores may be given.

    Parameters
    ----------
    c
        Width of the band beyond ``[L, H]``, in units of ``H - L``.
    window
        Number of recent scores the band is measured on.

    Examples
    --------
    >>> from streamad.thresholds._bound import ScoreBound
    >>> bound = ScoreBound(c=3.0)
    >>> [bound.clip(float(v % 5)) for v in range(20)][-3:]
    [2.0, 3.0, 4.0]
    >>> bound.clip(1e30), bound.clip(2.0)  # clipped at H + 3 (H - L), H = 4, L = 0
    (16.0, 2.0)
    """

    def __init__(self, c: float, window: int = WINDOW) -> None:
        self.c = c
        self.window = window
        self.recent: collections.deque[float] = collections.deque(maxlen=window)
        self.ranked: list[float] = []

    def band(self) -> tuple[float, float] | None:
        """The band the next score is clipped into; None while too few scores are in."""
        if len(self.ranked) < MIN_SCORES:
            return None
        return winsor_band(self.ranked, self.c)

    def clip(self, score: float) -> float:
        """``score`` clipped into the band, which then takes in the raw ``score``."""
        band = self.band()
        self.update(score)
        return score if band is None else min(max(score, band[0]), band[1])

    def update(self, score: float) -> None:
        """Take in the raw ``score``: the band moves, nothing is clipped."""
        if len(self.recent) == self.window:
            del self.ranked[bisect.bisect_left(self.ranked, self.recent[0])]
        self.recent.append(score)
        bisect.insort(self.ranked, score)
