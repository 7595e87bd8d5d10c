"""Threshold state as plain data: an object's attributes to nested dicts and lists, and back.

A filter's checkpoint must be loadable without pickle and without importing names read from a
file, so the state holds only dicts, lists, ints, floats, strs, bools and None. Objects are
dumped as the dict of their attributes and restored onto a fresh instance of the same type,
built by the filter from its own (known) constructor parameters; a deque keeps the ``maxlen``
of the fresh one. Floats round-trip exactly through JSON; NaN and infinities, which strict
JSON lacks, are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``.
"""

from __future__ import annotations

import collections
import math
from typing import Any

__all__ = ["dump", "load"]

_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def dump(value: Any) -> Any:
    """``value`` as plain data: objects by their attributes, sequences as lists.

    Examples
    --------
    >>> import collections
    >>> from streamad.thresholds._state import dump
    >>> class Box:
    ...     def __init__(self):
    ...         self.n, self.mean, self.recent = 3, float("nan"), collections.deque([1.5])
    >>> dump(Box())
    {'n': 3, 'mean': 'nan', 'recent': [1.5]}
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (list, tuple, collections.deque)):
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {str(key): dump(item) for key, item in value.items()}
    if hasattr(value, "__dict__"):
        return {name: dump(item) for name, item in vars(value).items()}
    raise TypeError(f"cannot write a {type(value).__name__} as plain data")


def load(fresh: Any, state: Any) -> Any:
    """The value ``state`` (from :func:`dump`) stands for, given a ``fresh`` value of its type.

    An object's attributes are restored onto ``fresh`` itself, which is returned.

    Examples
    --------
    >>> import collections
    >>> from streamad.thresholds._state import load
    >>> class Box:
    ...     def __init__(self): self.n, self.mean, self.recent = 0, 0.0, collections.deque(maxlen=2)
    >>> box = load(Box(), {"n": 3, "mean": "nan", "recent": [1.5]})
    >>> box.n, box.mean, box.recent
    (3, nan, deque([1.5], maxlen=2))
    """
    if isinstance(state, str) and not isinstance(fresh, str):
        return _NON_FINITE[state]
    if isinstance(state, list):
        items = [_scalar(item) for item in state]
        if isinstance(fresh, collections.deque):
            return collections.deque(items, maxlen=fresh.maxlen)
        return tuple(items) if isinstance(fresh, tuple) else items
    if isinstance(state, dict):
        if isinstance(fresh, dict):
            return {key: _scalar(item) for key, item in state.items()}
        for name, item in state.items():
            setattr(fresh, name, load(getattr(fresh, name, None), item))
        return fresh
    return state


def _scalar(state: Any) -> Any:
    """An item of a list: a number, or a non-finite float written as a string."""
    if isinstance(state, (dict, list)):
        raise TypeError("nested containers in a list cannot be restored without a fresh value")
    return _NON_FINITE.get(state, state) if isinstance(state, str) else state
