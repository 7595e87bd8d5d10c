"""What a checkpoint may hold: plain data and tensors, with NumPy scalars turned into Python's."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import torch

__all__ = ["check_plain", "to_plain"]

_SCALARS = (type(None), bool, int, float, str, bytes, torch.dtype, torch.device, torch.Size)
_TENSORS = (torch.Tensor, torch.nn.Parameter)
_NUMPY = (np.bool_, np.integer, np.floating)
_refused = object()


def _scalar(value: Any) -> Any:
    """``value`` as a Python scalar when it is a str subclass or a NumPy bool, int or float."""
    if isinstance(value, str):
        return str.__str__(value)  # the characters as a plain str, whatever the subclass
    if isinstance(value, _NUMPY):
        return value.item()
    return _refused


def to_plain(value: Any, where: str = "state") -> Any:
    """``value`` with its NumPy scalars and str subclasses made plain; ``TypeError`` otherwise.

    A checkpoint holds None, bools, ints, floats, strings, bytes, lists, tuples and dicts
    (``OrderedDict`` too) of them, torch dtypes, devices and sizes, and tensors. A str subclass
    (``numpy.str_``, a ``StrEnum``) is stored as a plain ``str`` and a NumPy bool, integer or
    float scalar as the Python ``bool``, ``int`` or ``float`` it holds. Anything else (an
    array, a set, an object, a complex number) raises ``TypeError`` naming where it is.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.persist.plain import to_plain
    >>> to_plain({np.str_("lr"): np.float64(0.01), "sizes": (np.int64(8), 4)})
    {'lr': 0.01, 'sizes': (8, 4)}
    >>> try:
    ...     to_plain({"params": {"mask": np.zeros(2)}})
    ... except TypeError as error:
    ...     print(str(error)[:49])
    state['params']['mask'] is a numpy.ndarray, which
    """
    kind = type(value)
    if kind in _SCALARS or kind in _TENSORS:
        return value
    if kind is dict or kind is OrderedDict:
        return kind(
            (to_plain(key, f"a key of {where}"), to_plain(item, f"{where}[{key!r}]"))
            for key, item in value.items()
        )
    if kind is list or kind is tuple:
        if all(type(item) in _SCALARS for item in value):  # fast path for long lists of numbers
            return value
        return kind(to_plain(item, f"{where}[{i}]") for i, item in enumerate(value))
    plain = _scalar(value)
    if plain is not _refused:
        return plain
    raise TypeError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, which a checkpoint cannot hold: "
        f"store plain data (None, bool, int, float, str, bytes, lists, tuples, dicts) and "
        f"tensors only, and classes or functions by name (streamad.persist.name_of)"
    )


def check_plain(value: Any, where: str = "state") -> None:
    """Raise ``TypeError`` naming the first part of ``value`` a checkpoint cannot hold.

    Examples
    --------
    >>> import torch
    >>> from streamad.persist.plain import check_plain
    >>> check_plain({"weights": torch.zeros(2), "lr": 0.01, "sizes": (8, 4)})
    >>> try:
    ...     check_plain({"params": {"seen": {1, 2}}})
    ... except TypeError as error:
    ...     print(str(error)[:41])
    state['params']['seen'] is a builtins.set
    """
    to_plain(value, where)
