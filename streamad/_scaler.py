"""The Monitor's scaler: River's ``StandardScaler``, its statistics in arrays over a fixed order
of features (a chain converts each sample to a row once, and every stage reads that row)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["RowScaler", "learn_moments", "scales_of", "standardise"]

_ONE, _ZERO = np.array(1), np.array(0.0)  # 0-d: as fast as arrays in NumPy's arithmetic


def learn_moments(
    counts: np.ndarray, means: np.ndarray, vars_: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts, means and variances after learning ``x``: River's ``StandardScaler.learn_one``
    (Welford's update, ``vars += ((x - old_mean) * (x - new_mean) - vars) / n``), bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._scaler import learn_moments
    >>> counts, means, vars_ = np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros(1)
    >>> for v in [1.0, 2.0, 3.0, 4.0]:
    ...     counts, means, vars_ = learn_moments(counts, means, vars_, np.array([v]))
    >>> counts.tolist(), means.tolist(), vars_.tolist()
    ([4], [2.5], [1.25])
    """
    counts = counts + _ONE
    delta = x - means
    new = means + delta / counts
    return counts, new, vars_ + (delta * (x - new) - vars_) / counts


def standardise(x: np.ndarray, means: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """``(x - mean) / scale``, 0.0 where the scale is infinite: River's ``transform_one``
    given :func:`scales_of` its variances (``(x - mean) / var ** 0.5``, 0 where ``var`` is 0).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._scaler import scales_of, standardise
    >>> scales = scales_of(np.array([4.0, 0.0]))
    >>> standardise(np.array([3.0, -5.0]), np.array([1.0, 2.0]), scales).tolist()
    [1.0, 0.0]
    """
    return (x - means) / scales + _ZERO  # + 0.0: -0.0 (a negative over an infinity) is 0.0


def scales_of(vars_: np.ndarray) -> np.ndarray:
    """``var ** 0.5`` as Python computes it (``float_power``: C's ``pow``, which can differ
    from ``sqrt`` in the last bit), infinite where the variance is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._scaler import scales_of
    >>> scales_of(np.array([2.25, 0.0])).tolist()
    [1.5, inf]
    """
    return np.where(vars_ == _ZERO, np.inf, np.float_power(vars_, 0.5))


class RowScaler:
    """River's ``StandardScaler`` with its counts, means and variances in arrays, one entry a
    feature in the order the features were first seen (as :class:`~streamad.Guard` keeps them).

    A chain calls :meth:`learn` and :meth:`transform` on rows in that order; ``learn_one`` and
    ``transform_one`` take dicts, as River's do. The numbers are River's, bit for bit
    (:func:`learn_moments`, :func:`standardise`). ``counts``, ``means`` and ``vars`` are dicts
    of the features learned so far (River's attributes; a feature never learned has mean and
    variance 0).

    Examples
    --------
    >>> from streamad._scaler import RowScaler
    >>> scaler = RowScaler()
    >>> for v in [8.0, 10.0, 12.0]:
    ...     scaler.learn_one({"load": v})
    >>> scaler.transform_one({"load": 12.0, "new": 5.0})
    {'load': 1.224744871391589, 'new': 0.0}
    >>> scaler.counts, scaler.means
    ({'load': 3}, {'load': 10.0})
    """

    def __init__(self) -> None:
        self.features: list[str] = []
        self._index: dict[str, int] = {}
        self._counts = np.zeros(0, dtype=np.int64)
        self._means = np.zeros(0)
        self._vars = np.zeros(0)
        self._scales: np.ndarray | None = None  # scales_of(vars), until the next learning

    # -- River's attributes, as dicts -------------------------------------------------------
    def _table(self, values: np.ndarray) -> dict:
        learned = np.flatnonzero(self._counts)
        return {self.features[i]: values[i].item() for i in learned}

    @property
    def counts(self) -> dict[str, int]:
        """Each learned feature's number of values learned."""
        return self._table(self._counts)

    @property
    def means(self) -> dict[str, float]:
        """Each learned feature's mean."""
        return self._table(self._means)

    @property
    def vars(self) -> dict[str, float]:
        """Each learned feature's variance."""
        return self._table(self._vars)

    # -- rows ---------------------------------------------------------------------------------
    def grow(self, names: Iterable[str]) -> None:
        """Add features (never learned yet) at the end of the order."""
        new = [name for name in names if name not in self._index]
        if not new:
            return
        for name in new:
            self._index[name] = len(self._index)
        self.features = [*self.features, *new]
        k = len(new)
        self._counts = np.concatenate([self._counts, np.zeros(k, dtype=np.int64)])
        self._means = np.concatenate([self._means, np.zeros(k)])
        self._vars = np.concatenate([self._vars, np.zeros(k)])
        self._scales = None

    def learn(self, x: np.ndarray, mask: np.ndarray | None = None) -> None:
        """Learn the row ``x`` (every feature, in order), or only where ``mask`` is True."""
        counts, means, vars_ = learn_moments(self._counts, self._means, self._vars, x)
        if mask is not None:
            counts = np.where(mask, counts, self._counts)
            means = np.where(mask, means, self._means)
            vars_ = np.where(mask, vars_, self._vars)
        self._counts, self._means, self._vars = counts, means, vars_
        self._scales = None

    def transform(self, x: np.ndarray) -> np.ndarray:
        """The row ``x`` standardised; features beyond those known (new ones) give 0.0."""
        scales = self._scales
        if scales is None:
            scales = self._scales = scales_of(self._vars)
        k = len(scales)
        if len(x) == k:
            return standardise(x, self._means, scales)
        z = np.zeros(len(x))
        z[:k] = standardise(x[:k], self._means, scales)
        return z

    def reset(self, mask: np.ndarray) -> None:
        """Forget the features of ``mask``: their statistics start again (River's entries
        popped)."""
        self._counts = np.where(mask, 0, self._counts)
        self._means = np.where(mask, 0.0, self._means)
        self._vars = np.where(mask, 0.0, self._vars)
        self._scales = None

    # -- dicts, as River's StandardScaler -------------------------------------------------------
    def learn_one(self, x: Mapping[str, float]) -> None:
        """Learn the features of ``x`` (River's ``learn_one``)."""
        self.grow(x)
        mask = np.zeros(len(self.features), dtype=bool)
        row = np.zeros(len(self.features))
        for name, value in x.items():
            mask[self._index[name]] = True
            row[self._index[name]] = value
        with np.errstate(divide="ignore", invalid="ignore"):
            self.learn(row, mask)

    def transform_one(self, x: Mapping[str, float]) -> dict[str, float]:
        """``x`` standardised (River's ``transform_one``): 0.0 for a feature of variance 0."""
        known = [self._index.get(name, -1) for name in x]  # -1: never seen, mean and var 0
        means = np.append(self._means, 0.0)[known]
        scales = np.append(scales_of(self._vars), np.inf)[known]
        z = standardise(np.array(list(x.values()), dtype=np.float64), means, scales)
        return dict(zip(x, z.tolist(), strict=True))

    # -- state --------------------------------------------------------------------------------
    def set_tables(
        self, features: list[str], counts: Mapping, means: Mapping, vars_: Mapping
    ) -> None:
        """Take River's dicts (a checkpoint's) over ``features``, in their order; a feature the
        dicts lack starts at 0. A name outside ``features`` with statistics is a ValueError."""
        stray = [n for n in counts if n not in features and counts[n]]
        if stray:
            raise ValueError(f"the scaler has statistics of unknown features {stray}")
        self.features = list(features)
        self._index = {name: i for i, name in enumerate(self.features)}
        self._counts = np.array([int(counts.get(n, 0)) for n in features], dtype=np.int64)
        self._means = np.array([float(means.get(n, 0.0)) for n in features], dtype=np.float64)
        self._vars = np.array([float(vars_.get(n, 0.0)) for n in features], dtype=np.float64)
        self._scales = None
