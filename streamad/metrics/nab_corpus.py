"""NAB scoring of a corpus: one threshold for all files, and NAB's exhaustive threshold sweep.

A corpus is given as two parallel sequences: each file's per-row ``scores`` and its ``windows``
(inclusive ``(first_row, last_row)`` pairs, see :mod:`streamad.metrics.nab`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from streamad.metrics.nab import STANDARD, FileScore, Profile, _row_values, score_file

__all__ = [
    "ThresholdScore",
    "ThresholdSweep",
    "optimise_threshold",
    "score_corpus",
    "sweep_thresholds",
]


@dataclass(frozen=True)
class ThresholdScore:
    """A threshold and the raw corpus score it earns."""

    threshold: float
    score: float


@dataclass(frozen=True)
class ThresholdSweep:
    """Raw corpus score at every candidate threshold, thresholds in decreasing order.

    The first threshold is ``inf`` (no detections); the others are the distinct scores seen.
    """

    thresholds: NDArray[np.float64]
    scores: NDArray[np.float64]


def _check_corpus(scores: Sequence[ArrayLike], windows: Sequence[ArrayLike]) -> None:
    if len(scores) != len(windows):
        raise ValueError(f"got scores for {len(scores)} files but windows for {len(windows)}")


def score_corpus(
    scores: Sequence[ArrayLike],
    windows: Sequence[ArrayLike],
    threshold: float,
    profile: Profile = STANDARD,
    probation_percent: float = 0.15,
) -> FileScore:
    """The summed NAB score and counts of a corpus at one threshold (NAB's ``Totals`` row).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.metrics import score_corpus
    >>> a, b = np.zeros(1000), np.zeros(1000)
    >>> a[600] = b[950] = 1.0
    >>> score_corpus([a, b], [[[600, 649]], [[300, 349]]], threshold=0.5).score
    -0.11
    """
    _check_corpus(scores, windows)
    total = FileScore(0.0, 0, 0, 0, 0, 0)
    for file_scores, file_windows in zip(scores, windows, strict=True):
        total = total + score_file(file_scores, file_windows, threshold, profile, probation_percent)
    return total


def sweep_thresholds(
    scores: Sequence[ArrayLike],
    windows: Sequence[ArrayLike],
    profile: Profile = STANDARD,
    probation_percent: float = 0.15,
) -> ThresholdSweep:
    """The raw corpus score at every distinct score used as threshold, as NAB's optimiser does.

    Rows of all files are ranked by score; lowering the threshold past a row adds its false-alarm
    cost, or raises its window's reward to the best detection seen so far in that window.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.metrics import sweep_thresholds
    >>> s = np.zeros(1000)
    >>> s[600], s[900] = 0.9, 0.7
    >>> sweep = sweep_thresholds([s], [[[600, 649]]])
    >>> sweep.thresholds.tolist(), sweep.scores.round(2).tolist()
    ([inf, 0.9, 0.7, 0.0], [-1.0, 1.0, 0.89, -85.56])
    """
    _check_corpus(scores, windows)
    all_scores, all_values, all_windows = [], [], []
    n_windows = 0
    for file_scores, file_windows in zip(scores, windows, strict=True):
        values = np.asarray(file_scores, dtype=float)
        if values.ndim != 1 or np.isnan(values).any():
            raise ValueError("each file's scores must be one-dimensional, without NaN")
        window, value, probation = _row_values(
            len(values), file_windows, profile, probation_percent
        )
        window = window[probation:]
        # Renumber this file's scorable windows after those of the files before it.
        in_window = window >= 0
        kept, renumbered = np.unique(window[in_window], return_inverse=True)
        window[in_window] = renumbered + n_windows
        n_windows += len(kept)
        all_scores.append(values[probation:])
        all_values.append(value[probation:])
        all_windows.append(window)
    ranked_scores = np.concatenate(all_scores)
    order = np.argsort(-ranked_scores, kind="stable")
    ranked_scores = ranked_scores[order]
    value = np.concatenate(all_values)[order]
    window = np.concatenate(all_windows)[order]

    gain = np.where(window < 0, value, 0.0)
    inside = np.flatnonzero(window >= 0)
    by_window = inside[np.argsort(window[inside], kind="stable")]  # by window, then by rank
    starts = np.flatnonzero(np.diff(window[by_window], prepend=-1))
    for first, last in zip(starts, np.append(starts[1:], len(by_window)), strict=True):
        rows = by_window[first:last]
        best = np.maximum.accumulate(np.maximum(value[rows], -profile.fn_weight))
        gain[rows] = np.diff(best, prepend=-profile.fn_weight)

    running = -profile.fn_weight * n_windows + np.cumsum(gain)
    cut = np.flatnonzero(np.append(ranked_scores[1:] != ranked_scores[:-1], True))
    return ThresholdSweep(
        thresholds=np.append(np.inf, ranked_scores[cut]),
        scores=np.append(-profile.fn_weight * n_windows, running[cut]),
    )


def optimise_threshold(
    scores: Sequence[ArrayLike],
    windows: Sequence[ArrayLike],
    profile: Profile = STANDARD,
    probation_percent: float = 0.15,
) -> ThresholdScore:
    """The threshold with the best raw corpus score (the highest such threshold on ties).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.metrics import optimise_threshold
    >>> s = np.zeros(1000)
    >>> s[600], s[900] = 0.9, 0.7
    >>> optimise_threshold([s], [[[600, 649]]])
    ThresholdScore(threshold=0.9, score=1.0)
    """
    sweep = sweep_thresholds(scores, windows, profile, probation_percent)
    best = int(np.argmax(sweep.scores))
    return ThresholdScore(float(sweep.thresholds[best]), float(sweep.scores[best]))
