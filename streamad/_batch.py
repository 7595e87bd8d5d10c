"""Block paths of RollingDetector: many rows in, batched windows through the module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from streamad._window import block_windows

if TYPE_CHECKING:
    from streamad.detector import RollingDetector

BATCH = 4096  # windows per forward pass when replaying


def rows_of(det: RollingDetector, X: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """Rows of a DataFrame or an iterable of dicts, under the detector's input policy."""
    records = X.to_dict(orient="records") if hasattr(X, "to_dict") else list(X)
    if not records:
        return np.empty((0, len(det.features)), dtype=np.float32), ()
    rows: list[np.ndarray] = []
    imputed: list[str] = []
    for x in records:
        if not isinstance(x, Mapping):
            raise TypeError(f"each sample must be a dict of features, not {type(x).__name__}")
        row, names = det._row(x)
        rows.append(row)
        imputed.extend(names)
    return np.stack(rows), tuple(imputed)


def _losses(det: RollingDetector, windows: np.ndarray, grad: bool) -> torch.Tensor:
    """Loss of each window of ``windows`` (n, size, features), in one forward pass."""
    assert det.module_ is not None
    batch = det._tensor(windows).transpose(0, 1)  # (size, n, features)
    with torch.set_grad_enabled(grad):
        reconstruction = det.module_(batch)
        try:
            per_element = det._loss(reconstruction, batch, reduction="none")  # type: ignore[call-arg]
            return per_element.mean(dim=(0, 2))
        except TypeError:  # a loss without `reduction`: one call per window
            losses = [det._loss(reconstruction[:, i], batch[:, i]) for i in range(len(windows))]
            return torch.stack(losses)


def _warmup_count(det: RollingDetector, n_rows: int) -> int:
    """How many leading rows of a block still have partial windows."""
    return min(n_rows, max(0, det.window_size - 1 - len(det._window)))


def score_rows(det: RollingDetector, rows: np.ndarray) -> np.ndarray:
    scores = np.empty(len(rows), dtype=np.float64)
    if not len(rows):
        return scores
    history = det._window.last(det.window_size - 1)
    n_partial = _warmup_count(det, len(rows))
    for i in range(n_partial):  # windows shorter than window_size: scored one by one
        window = det._tensor(np.concatenate([history, rows[: i + 1]])).unsqueeze(1)
        assert det.module_ is not None
        with torch.inference_mode():
            scores[i] = det._loss(det.module_(window), window).item()
    windows = block_windows(history, rows, det.window_size)
    with torch.inference_mode():
        for start in range(0, len(windows), BATCH):
            chunk = windows[start : start + BATCH]
            scores[n_partial + start : n_partial + start + len(chunk)] = (
                _losses(det, chunk, grad=False).double().cpu().numpy()
            )
    return scores


def learn_rows(det: RollingDetector, rows: np.ndarray, imputed: tuple[str, ...]) -> None:
    n_partial = _warmup_count(det, len(rows))
    for i in range(n_partial):  # warm-up: one partial window at a time, as learn_one does
        window = det._tensor(det._window.with_row(rows[i])).unsqueeze(1)
        assert det.module_ is not None
        det._apply(det._loss(det.module_(window), window), rows[i : i + 1], ())
    rest = rows[n_partial:]
    if len(rest):
        windows = block_windows(det._window.last(det.window_size - 1), rest, det.window_size)
        det._apply(_losses(det, windows, grad=True).mean(), rest, ())
    det.n_imputed += len(imputed)
    det.last_imputed = imputed
