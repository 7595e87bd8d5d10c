"""The rolling window (a preallocated ring buffer) and the dict-to-row input policy."""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Mapping, Sequence

import numpy as np

LIMIT = 3.4e38  # values beyond this (in magnitude) are imputed: float32 cannot hold them


class RingWindow:
    """The last ``size`` rows of a stream, readable as one contiguous array without copying.

    Each row is written twice, ``size`` apart, so the newest ``k`` rows are always the slice
    ``buffer[end - k:end]``.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._window import RingWindow
    >>> window = RingWindow(size=3, n_features=1)
    >>> for value in range(5):
    ...     window.append(np.array([value], dtype=np.float32))
    >>> window.last(3).ravel().tolist(), len(window)
    ([2.0, 3.0, 4.0], 3)
    """

    def __init__(self, size: int, n_features: int) -> None:
        self.size = size
        self.buffer = np.zeros((2 * size, n_features), dtype=np.float32)
        self.position = 0
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def append(self, row: np.ndarray) -> None:
        self.buffer[self.position] = row
        self.buffer[self.position + self.size] = row
        self.position = (self.position + 1) % self.size
        self.count = min(self.count + 1, self.size)

    def last(self, k: int) -> np.ndarray:
        """The newest ``k`` rows, oldest first (a view; ``k`` is capped at the rows held)."""
        k = min(k, self.count)
        end = self.position + self.size
        return self.buffer[end - k : end]

    def with_row(self, row: np.ndarray) -> np.ndarray:
        """A fresh array: the newest ``size - 1`` rows followed by ``row``."""
        past = self.last(self.size - 1)
        out = np.empty((len(past) + 1, row.shape[0]), dtype=np.float32)
        out[:-1] = past
        out[-1] = row
        return out


def plain_floats(values: list) -> np.ndarray | None:
    """``values`` as a float32 array when all are plain floats, finite in float32; None
    otherwise, for the input policy value by value.

    Examples
    --------
    >>> from streamad._window import plain_floats
    >>> plain_floats([1.0, 2.5]).tolist()
    [1.0, 2.5]
    >>> plain_floats([1.0, float("nan")]) is None, plain_floats([1.0, 2]) is None
    (True, True)
    """
    return _finite32(values) if set(map(type, values)) == {float} else None


def _finite32(values: Sequence[float]) -> np.ndarray | None:
    """Floats as a float32 array when all are within ±LIMIT (so finite), else None."""
    array = np.array(values)
    # one product decides the common case: a sum of squares within LIMIT² bounds every value
    if not array.dot(array) <= LIMIT * LIMIT and not np.abs(array).max() <= LIMIT:
        return None  # NaN, ±inf, beyond float32
    return array.astype(np.float32)


def _getter(features: tuple[str, ...]) -> Callable[[Mapping], tuple]:
    """``x -> tuple of x[name] for name in features`` in one C call (KeyError if one is missing)."""
    getter = _GETTERS.get(features)
    if getter is None:
        if len(_GETTERS) > 1024:
            _GETTERS.clear()
        get = operator.itemgetter(*features)
        getter = _GETTERS[features] = (lambda x: (get(x),)) if len(features) == 1 else get
    return getter


_GETTERS: dict[tuple[str, ...], Callable[[Mapping], tuple]] = {}
# The last plain row converted, read-only: score_one then learn_one convert the same sample.
_last: tuple[tuple[str, ...] | None, tuple, np.ndarray] = (None, (), np.empty(0, np.float32))


def _plain_row(x: Mapping, features: Sequence[str]) -> np.ndarray | None:
    """The row of ``x`` when its values are all plain finite floats (the common case), else None.

    The last such row is kept: the same values again (equal floats, none of them zero, so
    bit for bit the same: only 0.0 and -0.0 are equal with different bits) give it back."""
    global _last
    key = tuple(features)
    try:
        values = _getter(key)(x)
    except KeyError:  # a missing feature: the input policy imputes it
        return None
    if set(map(type, values)) != {float}:
        return None
    last_features, last_values, last_row = _last
    if last_features == key and values == last_values and 0.0 not in values:
        return last_row
    row = _finite32(values)
    if row is not None:
        row.flags.writeable = False
        _last = (key, values, row)
    return row


def dict_to_row(
    x: Mapping, features: Sequence[str], fill: Callable[[], np.ndarray]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Turn a sample into a float32 row in ``features`` order, applying the input policy.

    Missing features, None, NaN and values that are not finite in float32 (±inf, beyond ±3.4e38)
    are replaced by ``fill()`` (the detector's running means, computed only when needed) and
    reported. Values that are not
    numbers raise a ``TypeError`` naming the feature; an empty sample raises a ``ValueError``.

    Returns
    -------
    The row, and the names of the features that were imputed.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._window import dict_to_row
    >>> def fill():
    ...     return np.array([0.5, 7.0], dtype=np.float32)
    >>> row, imputed = dict_to_row({"a": 1, "b": float("nan")}, ["a", "b"], fill)
    >>> row.tolist(), imputed
    ([1.0, 7.0], ('b',))
    >>> dict_to_row({"a": "high"}, ["a", "b"], fill)
    Traceback (most recent call last):
    ...
    TypeError: feature 'a' is not a number: 'high' (str)
    """
    if not x:
        raise ValueError("empty sample: x has no features")
    plain = _plain_row(x, features)  # the common case, vectorised
    if plain is not None:
        return plain, ()
    values = [x.get(name) for name in features]
    row = np.empty(len(features), dtype=np.float32)
    imputed: list[str] = []
    means: np.ndarray | None = None
    for i, (name, value) in enumerate(zip(features, values, strict=True)):
        if value is None:
            imputed.append(name)
            means = fill() if means is None else means
            row[i] = means[i]
            continue
        if not isinstance(value, numbers.Real):
            raise TypeError(f"feature {name!r} is not a number: {value!r} ({type(value).__name__})")
        v = float(value)
        if math.isfinite(v) and abs(v) <= 3.4e38:
            row[i] = v
        else:
            imputed.append(name)
            means = fill() if means is None else means
            row[i] = means[i]
    return row, tuple(imputed)


def block_windows(history: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """The full windows ending at each row of ``rows``, as one array (n_windows, size, features).

    ``history`` holds the rows before the block (at most ``size - 1`` are used); rows whose window
    would reach before the start of ``history`` are left out, so the result holds the windows of
    the last ``n_windows`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._window import block_windows
    >>> history = np.arange(2, dtype=np.float32).reshape(2, 1)
    >>> rows = np.arange(2, 5, dtype=np.float32).reshape(3, 1)
    >>> block_windows(history, rows, size=3)[..., 0].tolist()
    [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]]
    """
    seq = np.concatenate([history[len(history) - (size - 1) :] if size > 1 else history[:0], rows])
    if len(seq) < size:
        return np.empty((0, size, rows.shape[1]), dtype=np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(seq, size, axis=0)
    return windows.transpose(0, 2, 1).copy()
