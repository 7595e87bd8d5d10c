"""Pure numpy helpers of the signal figure: label runs, time axes, the features to blame."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Blame", "blame_matrix", "datetimes", "most_blamed", "segments", "to_blame"]

#: Per alarmed point (its position in the arrays): ``(feature, share)`` pairs, most first.
Blame = Mapping[int, Sequence[tuple[str, float]]]


def segments(labels: Any) -> list[tuple[int, int]]:
    """The runs of consecutive labelled points, as ``(start, end)`` with ``end`` excluded.

    Examples
    --------
    >>> from streamad.plot._marks import segments
    >>> segments([0, 1, 1, 0, 0, 1, 0, 1])
    [(1, 3), (5, 6), (7, 8)]
    """
    flags = np.r_[0, np.asarray(labels, dtype=bool).astype(np.int8), 0]
    change = np.diff(flags)
    starts, ends = np.flatnonzero(change == 1), np.flatnonzero(change == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def datetimes(times: Sequence[Any] | None, n: int) -> NDArray[np.datetime64] | None:
    """``times`` as ``datetime64[ms]`` when every one is a time (ISO text, a datetime, a
    ``datetime64``); None otherwise (no time axis: the figure counts samples).

    Examples
    --------
    >>> from streamad.plot._marks import datetimes
    >>> datetimes(["2014-02-01 10:00:00", "2014-02-01 10:05:00"], 2)
    array(['2014-02-01T10:00:00.000', '2014-02-01T10:05:00.000'], dtype='datetime64[ms]')
    >>> datetimes(["10:00", "10:05"], 2) is None, datetimes([1.0, 2.0], 2) is None
    (True, True)
    """
    if times is None or len(times) != n or n == 0:
        return None
    if not all(isinstance(t, (str, dt.date, np.datetime64)) for t in times):
        return None
    for text in (times[0], times[-1]):  # numpy would take "5" for the year 5
        if isinstance(text, str) and not _iso(text):
            return None
    try:
        with warnings.catch_warnings():  # numpy warns that it drops a time zone offset
            warnings.simplefilter("ignore")
            stamps = np.array(times, dtype="datetime64[ms]")
    except (ValueError, TypeError, OverflowError):
        return None
    return None if np.isnat(stamps).any() else stamps


def _iso(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def to_blame(blame: Blame, alarms: NDArray[np.bool_], names: Sequence[str]) -> NDArray[np.int64]:
    """For each alarmed point, the column of the feature most to blame (-1: none).

    A one-feature signal blames its feature; a point without attribution, or whose error is
    0, blames none.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.plot._marks import to_blame
    >>> to_blame({1: [("b", 0.8), ("a", 0.2)]}, np.array([False, True, True]), ["a", "b"])
    array([ 1, -1])
    """
    index = {name: j for j, name in enumerate(names)}
    found = []
    for point in np.flatnonzero(alarms).tolist():
        pairs = blame.get(point, ())
        if len(names) == 1:
            found.append(0)
        elif pairs and pairs[0][1] > 0:
            found.append(index.get(pairs[0][0], -1))
        else:
            found.append(-1)
    return np.array(found, dtype=np.int64)


def most_blamed(blame: Blame, k: int) -> list[str]:
    """The ``k`` features with the largest summed shares over the alarms (ties by name).

    Examples
    --------
    >>> from streamad.plot._marks import most_blamed
    >>> most_blamed({3: [("a", 0.6), ("b", 0.4)], 9: [("b", 0.9), ("c", 0.1)]}, 2)
    ['b', 'a']
    """
    total: dict[str, float] = {}
    for pairs in blame.values():
        for name, share in pairs:
            total[name] = total.get(name, 0.0) + share
    ranked = sorted(
        (name for name, share in total.items() if share > 0), key=lambda f: (-total[f], f)
    )
    return ranked[:k]


def blame_matrix(blame: Blame, names: Sequence[str], n: int, bins: int) -> NDArray[np.float64]:
    """Shares of the alarms' errors summed per feature (rows, ``names``) and time bin
    (columns: ``bins`` equal runs of the ``n`` points).

    Examples
    --------
    >>> from streamad.plot._marks import blame_matrix
    >>> blame_matrix({0: [("a", 0.7), ("b", 0.3)], 3: [("b", 1.0)]}, ["b", "a"], 4, 2)
    array([[0.3, 1. ],
           [0.7, 0. ]])
    """
    row = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), bins))
    for point, pairs in blame.items():
        column = min(bins - 1, point * bins // max(n, 1))
        for name, share in pairs:
            if name in row:
                matrix[row[name], column] += share
    return matrix
