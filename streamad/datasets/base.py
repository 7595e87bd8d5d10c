"""The interface every streamad source implements: a re-iterable stream of `(x, y)` pairs.

`Stream` has the interface of River's `river.datasets.base.Dataset` (`take(k)`, `task`,
`n_features`, `n_samples`, `n_classes`, `n_outputs`, `sparse`, `desc`) without subclassing it:
importing River's dataset module imports all of River's data sets and, through them,
scikit-learn and pandas, seconds before a command's first sample. River's utilities that take a
data set iterate it, so they take a `Stream` as well.
"""

from __future__ import annotations

import abc
import inspect
import itertools
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["Sample", "Stream"]

#: One River-style sample: features by name, and a 0/1 label (None when unlabelled).
Sample = tuple[dict[str, float], int | None]

#: River's name of the task of a labelled stream (``river.datasets.base.BINARY_CLF``).
BINARY_CLF = "Binary classification"
#: The task of a stream without labels.
UNLABELLED = "Unlabelled stream"


class Stream(abc.ABC):
    """A re-iterable stream of `(x, y)`: `x` maps feature names to floats, `y` is 0, 1 or None.

    Subclasses implement `__iter__`; every call starts the stream afresh from the beginning. The
    class has the interface of a River `Dataset` (`take(n)`, `task`, `n_features`,
    `n_samples`, `n_classes`, `n_outputs`, `sparse`, `desc`), so River utilities accept it.
    `repr` shows the constructor call, built from the constructor arguments stored unchanged as
    attributes.

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
    >>> sum(y for _, y in ramp), ramp.task
    (1, 'Binary classification')

    """

    def __init__(self, n_features: int | None, n_samples: int | None = None, labelled: bool = True):
        self.task = BINARY_CLF if labelled else UNLABELLED
        # (typed Any, as in River: a subclass that knows its counts uses them as ints)
        self.n_features: Any = n_features
        self.n_samples: Any = n_samples
        self.n_classes = 2 if labelled else None
        self.n_outputs: int | None = None
        self.sparse = False

    @abc.abstractmethod
    def __iter__(self) -> Iterator[Sample]:
        """Yield the `(x, y)` pairs from the start of the stream."""

    def take(self, k: int) -> Iterator[Sample]:
        """The first `k` samples of the stream (as River's `Dataset.take`)."""
        return itertools.islice(self, k)

    @property
    def desc(self) -> str:
        """The docstring's description, before its first section (as River's `Dataset.desc`)."""
        doc = inspect.getdoc(self) or ""
        return inspect.cleandoc(re.split(r"\w+\n\s*-{3,}", doc, maxsplit=1)[0])

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
