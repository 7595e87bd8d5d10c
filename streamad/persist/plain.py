"""What a checkpoint may hold: plain data and tensors, which load without unpickling code."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch

__all__ = ["check_plain"]

_SCALARS = (type(None), bool, int, float, str, bytes, torch.dtype, torch.device, torch.Size)
_TENSORS = (torch.Tensor, torch.nn.Parameter)


def check_plain(value: Any, where: str = "state") -> None:
    """Raise ``TypeError`` naming the first part of ``value`` a checkpoint cannot hold.

    A checkpoint holds None, bools, numbers, strings, bytes, lists, tuples and dicts of them,
    and tensors: what ``torch.load(weights_only=True)`` reads back without running code.
    Subclasses (a numpy float, an enum) are refused too, as they would be on loading.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from streamad.persist.plain import check_plain
    >>> check_plain({"weights": torch.zeros(2), "lr": 0.01, "sizes": (8, 4)})
    >>> try:
    ...     check_plain({"params": {"lr": np.float64(0.01)}})
    ... except TypeError as error:
    ...     print(str(error)[:47])
    state['params']['lr'] is a numpy.float64, which
    """
    kind = type(value)
    if kind in _SCALARS or kind in _TENSORS:
        return
    if kind is dict or kind is OrderedDict:
        for key, item in value.items():
            check_plain(key, f"a key of {where}")
            check_plain(item, f"{where}[{key!r}]")
        return
    if kind is list or kind is tuple:
        if all(type(item) in _SCALARS for item in value):  # fast path for long lists of numbers
            return
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
        return
    raise TypeError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, which a checkpoint cannot hold: "
        f"store plain data (None, bool, int, float, str, bytes, lists, tuples, dicts) and "
        f"tensors only, and classes or functions by name (streamad.persist.name_of)"
    )
