"""Numenta Anomaly Benchmark (NAB v1.1) scoring of one data file.

These rules reproduce NAB's published per-file score tables (counts exactly, scores to 1e-9):

* a row is a detection when its score is ``>= threshold``;
* the first ``min(floor(0.15 * n_rows), 750)`` rows are the probation period: they are neither
  counted nor scored, and a window lying wholly inside it does not exist for the scorer;
* the best (earliest) detection in a window earns ``tp_weight * sigmoid(y) / sigmoid(-1)``, where
  ``sigmoid(y) = 2 / (1 + exp(5 y)) - 1`` and ``y = -(right - i + 1) / width`` is the relative
  position in the window, so a detection on the window's first row earns exactly ``tp_weight``;
  a window without detections costs ``-fn_weight``;
* every detection outside a window costs ``fp_weight`` times ``-1`` before the file's first window,
  or ``sigmoid(distance / (width - 1))`` after a window (``-1`` once that ratio exceeds 3);
* ``tp``, ``fp``, ``fn`` and ``tn`` count rows (not windows) after probation; ``total`` counts all
  rows, probation included.

Windows are inclusive ``(first_row, last_row)`` pairs, sorted and disjoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from streamad.metrics.nab_windows import check_windows

__all__ = [
    "REWARD_LOW_FN_RATE",
    "REWARD_LOW_FP_RATE",
    "STANDARD",
    "FileScore",
    "Profile",
    "normalised_score",
    "probation_length",
    "scaled_sigmoid",
    "score_file",
]


@dataclass(frozen=True)
class Profile:
    """A NAB application profile: the weights of its cost matrix (``config/profiles.json``)."""

    tp_weight: float = 1.0
    fp_weight: float = 0.11
    fn_weight: float = 1.0
    tn_weight: float = 1.0


STANDARD = Profile(fp_weight=0.11, fn_weight=1.0)
REWARD_LOW_FP_RATE = Profile(fp_weight=0.22, fn_weight=1.0)
REWARD_LOW_FN_RATE = Profile(fp_weight=0.11, fn_weight=2.0)


@dataclass(frozen=True)
class FileScore:
    """The raw NAB score of a file (or, added up, of a corpus) and its row counts."""

    score: float
    tp: int
    tn: int
    fp: int
    fn: int
    total: int

    def __add__(self, other: FileScore) -> FileScore:
        return FileScore(
            self.score + other.score,
            self.tp + other.tp,
            self.tn + other.tn,
            self.fp + other.fp,
            self.fn + other.fn,
            self.total + other.total,
        )


def probation_length(n_rows: int, probation_percent: float = 0.15) -> int:
    """Rows at the start of a file that NAB ignores: ``min(floor(0.15 n), 750)``.

    Examples
    --------
    >>> from streamad.metrics import probation_length
    >>> probation_length(4032), probation_length(10320)
    (604, 750)
    """
    return int(min(math.floor(probation_percent * n_rows), probation_percent * 5000))


def scaled_sigmoid(y: ArrayLike) -> NDArray[np.float64]:
    """NAB's scaled sigmoid ``2 / (1 + exp(5 y)) - 1``, and ``-1`` wherever ``y > 3``.

    Examples
    --------
    >>> from streamad.metrics import scaled_sigmoid
    >>> scaled_sigmoid([-1.0, 0.0, 3.5]).round(4)
    array([ 0.9866,  0.    , -1.    ])
    """
    y = np.asarray(y, dtype=float)
    with np.errstate(over="ignore"):
        value = 2.0 * (1.0 / (1.0 + np.exp(5.0 * y))) - 1.0
    return np.where(y > 3.0, -1.0, value)


def _row_values(
    n_rows: int, windows: ArrayLike, profile: Profile, probation_percent: float
) -> tuple[NDArray[np.int64], NDArray[np.float64], int]:
    """Per row: its window (``-1`` outside), the score a detection there earns, the probation."""
    bounds = check_windows(windows, n_rows)
    rows = np.arange(n_rows)
    window = np.full(n_rows, -1, dtype=np.int64)
    value = np.full(n_rows, -profile.fp_weight)  # before the first window
    max_tp = float(scaled_sigmoid(-1.0))
    ends = np.append(bounds[1:, 0], n_rows)[: len(bounds)]
    for k, ((first, last), next_first) in enumerate(zip(bounds, ends, strict=True)):
        width = last - first + 1
        inside = rows[first : last + 1]
        window[first : last + 1] = k
        value[first : last + 1] = scaled_sigmoid(-(last - inside + 1) / width) * (
            profile.tp_weight / max_tp
        )
        after = rows[last + 1 : next_first]
        with np.errstate(divide="ignore"):
            value[last + 1 : next_first] = (
                scaled_sigmoid((after - last) / np.float64(width - 1)) * profile.fp_weight
            )
    return window, value, probation_length(n_rows, probation_percent)


def score_file(
    scores: ArrayLike,
    windows: ArrayLike,
    threshold: float,
    profile: Profile = STANDARD,
    probation_percent: float = 0.15,
) -> FileScore:
    """NAB's raw score and row counts of one file whose rows alarm where ``scores >= threshold``.

    Parameters
    ----------
    scores
        The detector's anomaly score of every row of the file (no NaN).
    windows
        The file's anomaly windows as inclusive ``(first_row, last_row)`` pairs.
    threshold
        Rows scoring at least this are detections.
    profile
        The cost matrix.
    probation_percent
        Fraction of the file (at most ``5000 * probation_percent`` rows) that is ignored.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.metrics import score_file
    >>> scores = np.zeros(1000)
    >>> scores[[600, 900]] = 1.0  # on the first row of the window, and a late false alarm
    >>> score_file(scores, [[600, 649]], threshold=0.5)
    FileScore(score=0.89, tp=1, tn=799, fp=1, fn=49, total=1000)
    """
    values = np.asarray(scores, dtype=float)
    if values.ndim != 1:
        raise ValueError("scores must be one-dimensional")
    if np.isnan(values).any():
        raise ValueError("scores contain NaN: NAB needs a score on every row")
    window, value, probation = _row_values(len(values), windows, profile, probation_percent)
    window, value = window[probation:], value[probation:]
    alarm = values[probation:] >= threshold
    inside = window >= 0
    score = float(value[alarm & ~inside].sum())
    for k in np.unique(window[inside]):
        hits = value[alarm & (window == k)]
        score += float(hits.max()) if hits.size else -profile.fn_weight
    tp, fp = int(np.sum(alarm & inside)), int(np.sum(alarm & ~inside))
    return FileScore(
        score=score,
        tp=tp,
        tn=int(np.sum(~inside)) - fp,
        fp=fp,
        fn=int(np.sum(inside)) - tp,
        total=len(values),
    )


def normalised_score(raw_score: float, n_windows: int, profile: Profile = STANDARD) -> float:
    """Scale a raw corpus score so that the null detector gets 0 and the perfect one 100.

    ``100 * (raw - null) / (perfect - null)`` with ``null = -fn_weight * n_windows`` and
    ``perfect = tp_weight * n_windows``.

    Examples
    --------
    >>> from streamad.metrics import normalised_score
    >>> round(normalised_score(46.634450197137596, 116), 4)  # numenta, standard profile
    70.1011
    """
    if n_windows <= 0:
        raise ValueError("n_windows must be positive")
    null = -profile.fn_weight * n_windows
    perfect = profile.tp_weight * n_windows
    return 100.0 * (raw_score - null) / (perfect - null)
