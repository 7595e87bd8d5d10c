"""Keys of a keyed stream: strings or integers, read from a field of ``x`` or by a function."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

__all__ = ["check_key", "split"]


def check_key(key: object) -> str | int:
    """``key`` if it can name a detector (a string or an integer), else ``TypeError``.

    Keys come back as their plain Python kind: a NumPy string (``np.str_``, as read from an
    array or a DataFrame) or any other ``str`` subclass as a ``str``, a NumPy integer as an
    ``int``, so that they can be checkpointed and compare as the same key. Bools (NumPy's
    included), floats, None and all else are refused: a float key makes a detector per distinct
    value (NaN, equal to nothing, one per sample), and a checkpoint of evicted detectors stores
    only strings and integers.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.keyed._keys import check_key
    >>> check_key("pump-1"), check_key(7)
    ('pump-1', 7)
    >>> [type(check_key(key)).__name__ for key in (np.str_("pump-1"), np.int64(7))]
    ['str', 'int']
    >>> check_key(float("nan"))
    Traceback (most recent call last):
    ...
    TypeError: key nan is a float: keys must be strings or integers (not bools, floats or None)
    """
    if isinstance(key, str):
        return key if type(key) is str else str.__str__(key)  # the text, as a plain str
    if not isinstance(key, bool) and isinstance(key, numbers.Integral):
        return int(key)
    raise TypeError(
        f"key {key!r:.80} is a {type(key).__name__}: keys must be strings or integers "
        "(not bools, floats or None)"
    )


def split(x: dict, key: str | Callable[[dict], Any]) -> tuple[str | int, dict]:
    """The key of sample ``x``, and ``x`` as the key's detector sees it.

    ``key`` names a field of ``x`` (removed from what the detector sees) or is a function
    ``x -> key`` (``x`` then goes through unchanged).

    Examples
    --------
    >>> from streamad.keyed._keys import split
    >>> split({"host": "db-1", "load": 0.5}, "host")
    ('db-1', {'load': 0.5})
    >>> split({"load": 0.5}, lambda x: int(x["load"] > 1))
    (0, {'load': 0.5})
    """
    if callable(key):
        return check_key(key(x)), x
    if key not in x:
        raise ValueError(f"sample has no key field {key!r}; its fields: {sorted(x)}")
    return check_key(x[key]), {k: v for k, v in x.items() if k != key}
