"""NAB scoring for the quality benchmark: online normalisations of raw scores into [0, 1], then
NAB's threshold sweep per detector and profile (``streamad.metrics``).

Each normalisation is causal: the value at row ``t`` depends on the raw scores of rows ``<= t``
of the same file only: a z-score against the mean and std of all the scores before it
(``zscore-all``) or of the ``w`` before it (``zscore``), or its rank among the ``w`` before it
(``rank``), ``w`` the file's NAB probation length (NAB hands its detectors that length).
z-scores are mapped onto (0, 1) by ``0.5 + 0.5 z / (1 + |z|)``. ``+sup`` keeps a row only when
its value exceeds each of the 100 before it (0 otherwise): a threshold-free form of reporting
only the first detection of an anomaly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from streamad.metrics import (
    REWARD_LOW_FN_RATE,
    REWARD_LOW_FP_RATE,
    STANDARD,
    normalised_score,
    probation_length,
    sweep_thresholds,
    windows_from_limits,
)

PROFILES = {"standard": STANDARD, "low_fp": REWARD_LOW_FP_RATE, "low_fn": REWARD_LOW_FN_RATE}
SUPPRESS = 100  # rows over which +sup keeps only a new maximum


def _squash(z: np.ndarray) -> np.ndarray:
    """A monotone map of z-scores onto (0, 1) that does not saturate in float64."""
    return 0.5 + 0.5 * z / (1.0 + np.abs(z))


def _zscore(s: np.ndarray, past: pd.core.window.Rolling | pd.core.window.Expanding) -> np.ndarray:
    mean, std = past.mean().to_numpy(), past.std().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, (s - mean) / std, np.where(s > mean, 1e9, 0.0))
    return _squash(np.nan_to_num(z, nan=0.0))


def zscore(s: np.ndarray, w: int) -> np.ndarray:
    """z-score of the raw score against the mean and std of the ``w`` scores before it."""
    return _zscore(s, pd.Series(s).shift(1).rolling(w, min_periods=2))


def zscore_all(s: np.ndarray, w: int) -> np.ndarray:
    """z-score of the raw score against the mean and std of all the scores before it."""
    return _zscore(s, pd.Series(s).shift(1).expanding(min_periods=2))


def rank(s: np.ndarray, w: int) -> np.ndarray:
    """The fraction of the ``w`` scores before the row that are below it (ties count half)."""
    padded = np.concatenate([np.full(w, np.nan), s])
    past = sliding_window_view(padded, w)[: len(s)]
    below = (past < s[:, None]).sum(axis=1) + 0.5 * (past == s[:, None]).sum(axis=1)
    seen = np.minimum(np.arange(len(s)), w)
    return np.where(seen > 0, below / np.maximum(seen, 1), 0.0)


def suppress(p: np.ndarray, d: int = SUPPRESS) -> np.ndarray:
    """``p`` where it exceeds each of the ``d`` values before it, else 0."""
    before = pd.Series(p).shift(1).rolling(d, min_periods=1).max().fillna(-np.inf).to_numpy()
    return np.where(p > before, p, 0.0)


BASE: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "rank": rank,
    "zscore": zscore,
    "zscore-all": zscore_all,
}
NORMALISATIONS = [*BASE, *(f"{name}+sup" for name in BASE)]
#: The normalisation every detector's NAB table uses (chosen on half A, see RESULTS.md).
CHOSEN = "rank+sup"


def normalise(scores: np.ndarray, name: str) -> np.ndarray:
    s = np.nan_to_num(np.asarray(scores, dtype=float), nan=0.0, posinf=1e300)
    w = max(probation_length(len(s)), 2)
    base, _, sup = name.partition("+")
    p = BASE[base](s, w)
    return suppress(p) if sup else p


def windows_of(series, n_rows: int) -> np.ndarray:
    """The file's windows as rows, cut to its first ``n_rows`` rows (a capped run)."""
    rows = windows_from_limits(np.array(series.timestamps), series.windows)
    rows = rows[rows[:, 0] < n_rows].reshape(-1, 2)
    return np.minimum(rows, n_rows - 1)


def corpus_score(scores: Sequence[np.ndarray], windows: Sequence[np.ndarray]) -> dict:
    """NAB's final score per profile, each with its own best threshold on these files."""
    out = {}
    for name, profile in PROFILES.items():
        sweep = sweep_thresholds(scores, windows, profile)
        best = int(np.argmax(sweep.scores))
        n_windows = round(-sweep.scores[0] / profile.fn_weight)
        out[name] = normalised_score(float(sweep.scores[best]), n_windows, profile)
        out[f"{name}_threshold"] = float(sweep.thresholds[best])
    return out


def nab_metrics(corpus: Sequence, raw: dict[str, np.ndarray]) -> dict:
    """Per normalisation: the whole corpus and its halves A (even files: where choices were
    tuned) and B (odd files), each with its own threshold sweep."""
    windows = [windows_of(series, len(raw[series.name])) for series in corpus]
    result: dict[str, dict] = {}
    for name in NORMALISATIONS:
        scores = [normalise(raw[series.name], name) for series in corpus]
        entry = corpus_score(scores, windows)
        for half, start in (("a", 0), ("b", 1)):
            entry[f"standard_{half}"] = corpus_score(scores[start::2], windows[start::2])[
                "standard"
            ]
        result[name] = entry
    return {"nab": result}
