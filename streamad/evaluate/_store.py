"""What a prequential run keeps of each sample: all of it, the last N samples, or nothing."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np

#: Latencies kept for the percentiles when scores are not stored.
LATENCIES = 100_000


def capacity(store: bool | int, name: str = "store_scores", what: str = "samples") -> int | None:
    """``store`` (``store_scores``, ``store_alarms``) as a number of items kept: None for all,
    0 for none."""
    if store is True:
        return None
    if store is False:
        return 0
    if not isinstance(store, int) or store < 1:
        raise ValueError(
            f"{name} must be True, False or a positive number of {what}, not {store!r}"
        )
    return store


class Store:
    """Per-sample records in ring buffers of ``cap`` samples (None: unbounded)."""

    def __init__(self, cap: int | None, features: bool) -> None:
        self.cap = cap
        self.n = 0
        self.scores: deque[float] = deque(maxlen=cap)
        self.labels: deque[Any] = deque(maxlen=cap)
        self.alarms: deque[bool] = deque(maxlen=cap)
        self.thresholds: deque[float] = deque(maxlen=cap)
        self.rows: deque[list[float]] | None = deque(maxlen=cap) if features else None
        self.times: deque[Any] = deque(maxlen=cap)
        self.timed = False  # whether any sample kept has a time
        self.latencies: deque[int] = deque(maxlen=LATENCIES if cap == 0 else cap)
        self.features: tuple[str, ...] = ()

    def add(
        self, x: Mapping, y: Any, score: float, alarm: bool, threshold: float | None, time: Any
    ) -> None:
        self.n += 1
        if self.cap == 0:
            return
        self.times.append(time)
        self.timed = self.timed or time is not None
        self.scores.append(score)
        self.labels.append(y)
        self.alarms.append(alarm)
        self.thresholds.append(math.nan if threshold is None else float(threshold))
        if self.rows is not None:
            if not self.features:
                self.features = tuple(x)
            self.rows.append([float(x.get(name, math.nan)) for name in self.features])

    @property
    def start(self) -> int:
        """Stream position of the first sample kept."""
        return self.n - len(self.scores)

    def labels_array(self) -> np.ndarray | None:
        """The labels kept, or None when any is None (an unlabelled stream)."""
        if not self.labels or any(y is None for y in self.labels):
            return None
        return np.array([bool(y) for y in self.labels], dtype=np.int8)

    def times_list(self) -> list[Any] | None:
        """The times kept, or None when no sample has one."""
        return list(self.times) if self.timed else None

    def values_array(self) -> np.ndarray | None:
        if self.rows is None:
            return None
        return np.array(self.rows, dtype=float).reshape(len(self.rows), len(self.features))
