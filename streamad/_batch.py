"""Block paths of RollingDetector: many rows in, batched windows through the module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import torch

from streamad._forward import Evaluation, evaluate
from streamad._window import LIMIT, block_windows, plain_floats

if TYPE_CHECKING:
    from streamad.detector import RollingDetector

BATCH = 1024  # windows per forward pass when replaying: large, yet cache-friendly


def _plain_rows(det: RollingDetector, records: list) -> np.ndarray | None:
    """All rows at once when every record is a dict of exactly the detector's features, all
    plain finite floats (the common case); None otherwise, for the row-by-row input policy."""
    if det.module_ is None or not all(type(x) is dict for x in records):
        return None
    features, n = det.features, len(det.features)
    if any(len(x) != n for x in records):
        return None
    try:
        plain = plain_floats([x[name] for x in records for name in features])
    except KeyError:
        return None
    return None if plain is None else plain.reshape(len(records), n)


def _frame_rows(det: RollingDetector, frame: Any) -> np.ndarray | None:
    """All rows of a DataFrame at once when its columns are the detector's features, each of a
    number type, every value within ±LIMIT (the common case); None otherwise, for the input
    policy record by record (which imputes, rejects or warns)."""
    columns = list(getattr(frame, "columns", ()))
    if det.module_ is None or len(columns) != len(det.features):
        return None
    if set(columns) != set(det.features):
        return None
    block = frame[list(det.features)]
    if not all(getattr(dtype, "kind", "O") in "fiub" for dtype in block.dtypes):
        return None
    values = np.ascontiguousarray(block.to_numpy(dtype=np.float64))
    flat = values.reshape(-1)
    if not flat.dot(flat) <= LIMIT * LIMIT and not np.abs(flat).max(initial=0.0) <= LIMIT:
        return None
    return values.astype(np.float32)


def rows_of(det: RollingDetector, X: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """Rows of a DataFrame or an iterable of dicts, under the detector's input policy."""
    if hasattr(X, "to_dict"):
        fast = _frame_rows(det, X)
        if fast is not None:
            return fast, ()
    records = X.to_dict(orient="records") if hasattr(X, "to_dict") else list(X)
    if not records:
        return np.empty((0, len(det.features)), dtype=np.float32), ()
    fast = _plain_rows(det, records)
    if fast is not None:
        return fast, ()
    rows: list[np.ndarray] = []
    imputed: list[str] = []
    for x in records:
        if not isinstance(x, Mapping):
            raise TypeError(f"each sample must be a dict of features, not {type(x).__name__}")
        row, names = det._row(x)
        rows.append(row)
        imputed.extend(names)
    return np.stack(rows), tuple(imputed)


def _batch(windows: np.ndarray) -> np.ndarray:
    """Windows (n, size, features) as one contiguous batch (size, n, features)."""
    return np.ascontiguousarray(windows.transpose(1, 0, 2))


def _warmup_count(det: RollingDetector, n_rows: int) -> int:
    """How many leading rows of a block still have partial windows."""
    return min(n_rows, max(0, det.window_size - 1 - len(det._window)))


def _frozen() -> NoReturn:
    raise RuntimeError("a replayed window is not learned from")


def _replay(det: RollingDetector, history: np.ndarray, rows: np.ndarray) -> Evaluation | None:
    """The full windows ending at ``rows``, scored straight from the row sequence by the
    compiled kernel (no window copied); None where it does not serve."""
    kernel, size = det._fast_kernel(), det.window_size
    if kernel is None:
        return None
    keep = min(len(history), size - 1)  # a window still filling holds fewer rows
    seq = np.concatenate([history[len(history) - keep :], rows])
    replayed = kernel.score_sequence(seq, size)
    if replayed is None:
        return None
    losses, newest, reconstruction = replayed
    window = seq[-size:, None, :]
    return Evaluation(losses, window, reconstruction[:, None, :], _frozen, newest)


def score_rows(det: RollingDetector, rows: np.ndarray) -> np.ndarray:
    scores = np.empty(len(rows), dtype=np.float64)
    if not len(rows):
        return scores
    history = det._window.last(det.window_size - 1)
    n_partial = _warmup_count(det, len(rows))
    with torch.inference_mode():
        for i in range(n_partial):  # windows shorter than window_size: scored one by one
            window = np.concatenate([history, rows[: i + 1]])[:, None, :]
            last = evaluate(det, window, grad=False)
            scores[i] = det._scores(last)[0]
        replayed = None
        if n_partial < len(rows) and det._scored is None:  # replay scores every feature
            replayed = _replay(det, history, rows)
        if replayed is not None:
            last = replayed
            scores[n_partial:] = det._scores(last)
        else:
            windows = block_windows(history, rows, det.window_size)
            for start in range(0, len(windows), BATCH):
                chunk = _batch(windows[start : start + BATCH])
                last = evaluate(det, chunk, grad=False)
                scores[n_partial + start : n_partial + start + chunk.shape[1]] = det._scores(last)
    # the last window scored is what feature_errors and last_reconstruction describe
    det._last = (last.windows[:, -1:], last.reconstruction[:, -1:])
    return scores


def _reconstruct_skipped(det: RollingDetector, rows: np.ndarray, skipped: np.ndarray) -> np.ndarray:
    """``rows`` with each skipped row replaced, in order, by its reconstruction (skip_one)."""
    rows = rows.copy()
    history = det._window.last(det.window_size - 1)
    for j in np.flatnonzero(skipped):
        seq = np.concatenate([history, rows[: j + 1]])
        window = seq[max(0, len(seq) - det.window_size) :][:, None, :]
        rows[j] = evaluate(det, window, grad=False).reconstruction[-1, 0]
    return rows


def learn_rows(
    det: RollingDetector,
    rows: np.ndarray,
    imputed: tuple[str, ...],
    skip: Any = None,
    stand_in: bool = True,
) -> None:
    skipped = np.zeros(len(rows), dtype=bool) if skip is None else np.asarray(skip, dtype=bool)
    if skipped.shape != (len(rows),):
        raise ValueError(f"skip needs one flag per row: {skipped.shape[0]} for {len(rows)} rows")
    if stand_in and skipped.any():
        rows = _reconstruct_skipped(det, rows, skipped)
    n_partial = _warmup_count(det, len(rows))
    for i in range(n_partial):  # warm-up: one partial window at a time, as learn_one does
        window = det._window.with_row(rows[i])[:, None, :]
        evaluation = None if skipped[i] else evaluate(det, window)
        det._apply(evaluation, rows[i : i + 1], (), protected=int(skipped[i]))
    rest, learned = rows[n_partial:], ~skipped[n_partial:]
    if len(rest):
        windows = block_windows(det._window.last(det.window_size - 1), rest, det.window_size)
        evaluation = evaluate(det, _batch(windows[learned])) if learned.any() else None
        det._apply(evaluation, rest, (), protected=int((~learned).sum()))
    det.n_imputed += len(imputed)
    det.last_imputed = imputed
