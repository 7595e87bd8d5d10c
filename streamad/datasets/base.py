"""The interface every streamad source implements: a re-iterable stream of `(x, y)` pairs."""

from __future__ import annotations

import abc
import inspect
from collections.abc import Iterator
from typing import Any

from river.datasets import base as river_base

__all__ = ["Sample", "Stream"]

#: One River-style sample: features by name, and a 0/1 label (None when unlabelled).
Sample = tuple[dict[str, float], int | None]


class Stream(river_base.Dataset):
    """A re-iterable stream of `(x, y)`: `x` maps feature names to floats, `y` is 0, 1 or None.

    Subclasses implement `__iter__`; every call starts the stream afresh from the beginning. The
    class is a River `Dataset`, so `take(n)` works and River utilities accept it. `repr` shows the
    constructor call, built from the constructor arguments stored unchanged as attributes.

    Parameters
    ----------
    n_features
        Number of features in each `x`, or None when unknown.
    n_samples
        Number of samples, or None when unknown without reading the whole source.
    labelled
        Whether `y` is a 0/1 label (True) or always None (False).

    Examples
    --------
    >>> from streamad.datasets import Stream
    >>> class Ramp(Stream):
    ...     def __init__(self, n: int = 3):
    ...         super().__init__(n_features=1, n_samples=n)
    ...         self.n = n
    ...     def __iter__(self):
    ...         for i in range(self.n):
    ...             yield {"value": float(i)}, int(i == self.n - 1)
    >>> ramp = Ramp(n=4)
    >>> ramp
    Ramp(n=4)
    >>> list(ramp.take(2))
    [({'value': 0.0}, 0), ({'value': 1.0}, 0)]
    >>> sum(y for _, y in ramp)
    1

    """

    def __init__(self, n_features: int | None, n_samples: int | None = None, labelled: bool = True):
        super().__init__(
            task=river_base.BINARY_CLF if labelled else "Unlabelled stream",
            n_features=n_features,
            n_samples=n_samples,
            n_classes=2 if labelled else None,
        )

    @abc.abstractmethod
    def __iter__(self) -> Iterator[Sample]:
        """Yield the `(x, y)` pairs from the start of the stream."""

    def _params(self) -> dict[str, Any]:
        """The constructor arguments, read back from the attributes that store them."""
        signature = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_show(v)}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


def _show(value: Any) -> str:
    """`repr`, but functions by their name (no memory address) and tuples/lists element-wise."""
    if isinstance(value, tuple | list):
        items = [_show(v) for v in value]
        if isinstance(value, list):
            return f"[{', '.join(items)}]"
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if callable(value) and hasattr(value, "__qualname__") and not isinstance(value, type):
        return str(value.__qualname__)
    return repr(value)
