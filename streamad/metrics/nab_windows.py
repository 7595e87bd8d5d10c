"""NAB anomaly windows as row indices: from published limits, or built from labelled points.

A window is an inclusive ``(first_row, last_row)`` pair; a file's windows are sorted and disjoint.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["check_windows", "windows_from_labels", "windows_from_limits"]


def check_windows(windows: ArrayLike, n_rows: int) -> NDArray[np.int64]:
    """Windows as an ``(n_windows, 2)`` integer array, after checking they fit a file of ``n_rows``.

    Examples
    --------
    >>> from streamad.metrics import check_windows
    >>> check_windows([[2, 4], [6, 6]], n_rows=10).tolist()
    [[2, 4], [6, 6]]
    """
    bounds = np.asarray(windows, dtype=np.int64).reshape(-1, 2)
    if len(bounds) and (bounds.min() < 0 or bounds.max() >= n_rows):
        raise ValueError(f"windows must lie within the {n_rows} rows of the file")
    if np.any(bounds[:, 1] < bounds[:, 0]) or np.any(bounds[1:, 0] <= bounds[:-1, 1]):
        raise ValueError("windows must be (first_row, last_row) pairs, sorted and disjoint")
    return bounds


def windows_from_limits(
    timestamps: ArrayLike, limits: Sequence[Sequence[object]]
) -> NDArray[np.int64]:
    """Row windows from ``(start, end)`` timestamps, as in ``labels/combined_windows.json``.

    Like NAB, each limit must equal one of the timestamps exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.metrics import windows_from_limits
    >>> t = np.arange("2020-01-01", "2020-01-11", dtype="datetime64[D]")
    >>> windows_from_limits(t, [["2020-01-03", "2020-01-05"]]).tolist()
    [[2, 4]]
    """
    times = np.asarray(timestamps)
    row = {value: i for i, value in enumerate(times.tolist())}
    bounds = []
    for limit in limits:
        pair = np.asarray(limit).astype(times.dtype).tolist()
        missing = [value for value in pair if value not in row]
        if missing:
            raise ValueError(f"window limit {missing[0]!r} is not one of the timestamps")
        bounds.append([row[value] for value in pair])
    return check_windows(np.array(bounds, dtype=np.int64), len(times))


def windows_from_labels(
    timestamps: ArrayLike, label_timestamps: ArrayLike, window_fraction: float = 0.1
) -> NDArray[np.int64]:
    """NAB's labeller: ``window_fraction`` of the file shared among its labels, centred on each.

    Each window spans ``int(window_fraction * n_rows / n_labels) // 2`` rows either side of its
    label (clipped to the file); overlapping windows are merged.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.metrics import windows_from_labels
    >>> t = np.arange(100)
    >>> windows_from_labels(t, [30, 60]).tolist()
    [[28, 32], [58, 62]]
    """
    times = np.asarray(timestamps)
    row = {value: i for i, value in enumerate(times.tolist())}
    labels = np.asarray(label_timestamps).astype(times.dtype).tolist()
    if not labels:
        return np.empty((0, 2), dtype=np.int64)
    missing = [value for value in labels if value not in row]
    if missing:
        raise ValueError(f"label {missing[0]!r} is not one of the timestamps")
    n_rows = len(times)
    half = int(window_fraction * n_rows / len(labels)) // 2
    merged: list[list[int]] = []
    for i in sorted(row[value] for value in labels):
        first, last = max(i - half, 0), min(i + half, n_rows - 1)
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return np.array(merged, dtype=np.int64)
