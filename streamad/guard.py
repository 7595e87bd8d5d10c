"""Guard: the input policy at the front door, applied before anything learns the sample."""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from river import base

__all__ = ["Checked", "Guard", "Guarded", "clip_bounds"]

_FLOOR = 1e-12  # the smallest spread a bound allows, for a feature that has not varied yet
_ROBUST_FROM = 3  # values learned before a feature has a bound (a median of three is robust)
_FLOAT = {float}
# constants as 0-d arrays: NumPy multiplies by them as fast as by an array (a Python float is
# converted at every call), with the same numbers
_MILLI, _FLOOR_0D, _ONE = np.array(1e-3), np.array(_FLOOR), np.array(1)


class Guarded(NamedTuple):
    """A sample after the input policy: every known feature a finite float, and what was done.

    ``bounded`` names the features whose value was checked against a bound (a feature's first
    values are not: there is nothing to compare them with yet). ``implausible`` names the
    imputed features whose value was there but no measurement: ±inf, or a magnitude beyond
    ``max_abs`` (a stuck or broken sensor's 1e300); a missing value, None or NaN is not.
    """

    x: dict[str, float]
    imputed: tuple[str, ...]
    clipped: tuple[str, ...]
    bounded: tuple[str, ...]
    implausible: tuple[str, ...] = ()


class Checked(NamedTuple):
    """A sample under the input policy as arrays over ``names`` (the guard's features, then
    the new ones), as :meth:`Guard.check` found it: what a chain reads, and what
    :meth:`Guard.learn_checked` learns.

    ``values`` holds each usable value (NaN where it is missing or no measurement), ``kept``
    the same within the bounds (NaN kept), ``filled`` the values passed on (``kept``, the
    unusable ones imputed with their feature's mean). The masks are None when no feature is
    concerned, the common case: ``missing`` (imputed), ``clipped``, and ``bounded`` (over the
    known features, those checked against a bound; None: all of them). The arrays are never
    written to: a chain may keep them.
    """

    names: list[str]
    new: list[str]
    values: np.ndarray
    kept: np.ndarray
    filled: np.ndarray
    missing: np.ndarray | None
    clipped: np.ndarray | None
    bounded: np.ndarray | None
    implausible: tuple[str, ...]

    def imputed(self) -> tuple[str, ...]:
        """The names of the imputed features."""
        return _names(self.names, self.missing)

    def clipped_names(self) -> tuple[str, ...]:
        """The names of the clipped features."""
        return _names(self.names, self.clipped)


def _names(names: list[str], mask: np.ndarray | None) -> tuple[str, ...]:
    if mask is None:
        return ()
    return tuple(names[i] for i in np.flatnonzero(mask))


def clip_bounds(
    center: np.ndarray, spread: np.ndarray, clip_sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """``center ∓ clip_sigma · spread``, the spread at least ``1e-3 · |center|`` (and 1e-12).

    A NaN centre (no statistics yet) gives no bound (±inf), and so does a spread of 0: a
    feature that has never varied gives no scale to call a change of it extreme (a change of
    a constant feature is a value rule's alarm, ``streamad.policy.ValueRules``).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.guard import clip_bounds
    >>> low, high = clip_bounds(np.array([1.0, np.nan, 5.0]), np.array([1.0, np.nan, 0.0]), 3.0)
    >>> low.tolist(), high.tolist()
    ([-2.0, -inf, -inf], [4.0, inf, inf])
    """
    floor = np.maximum(1e-3 * np.abs(center), _FLOOR)
    if len(spread) and spread.min() > 0 and not math.isnan(center.sum()):  # all known
        half = clip_sigma * np.fmax(spread, floor)  # the general way's numbers, fewer calls
        return center - half, center + half
    unknown = np.isnan(center) | ~(spread > 0)  # no statistics, or never varied
    spread = np.fmax(spread, floor)  # fmax: NaN loses
    half = np.where(unknown, np.inf, clip_sigma * spread)
    center = np.where(unknown, 0.0, center)
    return center - half, center + half


def _warm_bounds(
    center: np.ndarray, spread: np.ndarray, clip_sigma: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clip_bounds` of finite centres and spreads (running means and standard
    deviations): the same numbers, in fewer NumPy calls."""
    half = clip_sigma * np.fmax(spread, np.maximum(_MILLI * np.abs(center), _FLOOR_0D))
    if np.count_nonzero(spread) < len(spread):  # one never varied: no bound (centre ∓ inf)
        half = np.where(spread > 0, half, np.inf)
    return center - half, center + half


def robust_stats(first: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and scaled MAD of each row's first ``n`` values (NaN where ``n`` < 3).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.guard import robust_stats
    >>> first = np.array([[1e19, 1.0, 2.0, 3.0], [1.0, np.nan, np.nan, np.nan]])
    >>> center, spread = robust_stats(first, np.array([4, 1]))
    >>> center.tolist(), [round(s, 3) for s in spread.tolist()]
    ([2.5, nan], [1.483, nan])
    """
    center = np.full(len(n), np.nan)
    spread = np.full(len(n), np.nan)
    for i in np.flatnonzero(n >= _ROBUST_FROM):  # a few rows at a time: one loop each
        values = first[i, : n[i]]
        center[i] = _median(values)
        spread[i] = 1.4826 * _median(np.abs(values - center[i]))
    return center, spread


def _median(values: np.ndarray) -> float:
    """The median of ``values`` (none NaN), as ``np.nanmedian`` computes it: the two middle
    values (the middle one twice, for an odd number) summed and halved."""
    ordered = np.sort(values)
    k = len(ordered)
    return float((ordered[(k - 1) // 2] + ordered[k // 2]) / 2.0)


def _number(name: str, value: Any) -> float:
    """``value`` as a float: a real number (numpy's too, and bools), an integer too large for
    a float as inf (it is then imputed as implausible, as 1e400 is)."""
    if not isinstance(value, (numbers.Real, np.bool_)):
        shown = ascii(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise TypeError(f"feature {name!r} is not a number: {shown} ({type(value).__name__})")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


class Guard(base.Transformer):
    """The input policy: impute unusable values, reject non-numbers, bound huge values.

    Every check runs before any state changes, so a rejected sample leaves the guard (and a
    chain that calls it first, such as :class:`~streamad.Monitor`) exactly as it was.

    - Missing features, None, NaN, ±inf and magnitudes above ``max_abs`` are imputed with the
      feature's running mean (0.0 for a feature with no usable value yet), and named in
      :attr:`Guarded.imputed`. Such values are not learned.
    - A value that is not a real number (str, complex, Decimal, a list, a dict...) raises a
      ``TypeError`` naming the feature; a feature name that is not a string, an empty sample,
      or more than ``max_features`` features raise a clear error.
    - A finite value is clipped to ``centre ± clip_sigma · spread`` (:func:`clip_bounds`): in
      standardised space no value is further than ``clip_sigma`` from the centre. The first
      two values of a feature have no bound; up to ``warmup`` values the centre and spread are
      the median and scaled MAD of the values so far (:func:`robust_stats`: one wild value
      among them moves neither), then the running mean and standard deviation of the values
      kept within bounds: a clipped value is passed on at the bound but not learned, so no
      number of huge values moves the statistics (learning them, even clipped, would let a
      steady share of outliers inflate the spread without limit). A feature clipped
      ``reset_after`` times in a row has changed level: its statistics start again from the
      current value (:attr:`last_reset`), so a new level is accepted, not clipped forever. A
      spread that grows tenfold at once is clipped at the old bounds until a run of clipped
      values resets it.

    Parameters
    ----------
    clip_sigma
        Largest distance from the centre, in standard deviations, that a value keeps.
    max_features
        Most distinct features accepted (a module grows with the square of their number).
    max_abs
        Largest magnitude taken as a measurement; beyond it a value is imputed (float64 keeps
        16 digits: a feature seen at 1e16 cannot be standardised to see changes of order 1).
    warmup
        Values of a feature summarised by their median before its running mean takes over.
    reset_after
        Consecutive clipped values of a feature after which its statistics start again.

    Examples
    --------
    >>> from streamad.guard import Guard
    >>> guard = Guard(clip_sigma=3.0)
    >>> for v in [1.0, 2.0, 3.0, 2.0]:
    ...     guard.learn_one({"a": v, "b": 10.0})
    >>> guard.guard_one({"a": 1e6, "b": float("nan"), "c": 1e19})
    Guarded(x={'a': 4.1213, 'b': 10.0, 'c': 0.0}, imputed=('b', 'c'), clipped=('a',),
            bounded=('a', 'b'), implausible=('c',))
    >>> guard.transform_one({"a": "high", "b": 1.0})
    Traceback (most recent call last):
    ...
    TypeError: feature 'a' is not a number: 'high' (str)
    """

    def __init__(
        self,
        clip_sigma: float = 100.0,
        max_features: int = 1000,
        max_abs: float = 1e15,
        warmup: int = 3,
        reset_after: int = 20,
    ) -> None:
        if isinstance(clip_sigma, bool) or not isinstance(clip_sigma, (int, float)):
            raise ValueError(f"clip_sigma must be a number > 0, not {clip_sigma!r}")
        if not clip_sigma > 0 or not max_abs > 0:
            raise ValueError("clip_sigma and max_abs must be > 0")
        for name, value, low in (
            ("max_features", max_features, 1),
            ("warmup", warmup, _ROBUST_FROM),
            ("reset_after", reset_after, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, not {value!r}")
        self.clip_sigma = clip_sigma
        self.max_features = max_features
        self.max_abs = max_abs
        self.warmup = warmup
        self.reset_after = reset_after
        self.features: list[str] = []
        self._index: dict[str, int] = {}
        self._first = np.zeros((0, warmup))  # each feature's first values, while warming up
        self._n = np.zeros(0, dtype=np.int64)
        self._mean = np.zeros(0)
        self._m2 = np.zeros(0)
        self._run = np.zeros(0, dtype=np.int64)
        self.n_imputed = 0
        self.n_clipped = 0
        self.n_resets = 0
        self.last_reset: tuple[str, ...] = ()
        self._checked: tuple | None = None  # the last guard_one's sample and checks, for learn_one
        self._implausible: tuple[str, ...] = ()  # the last _check's implausible values
        self._limits: tuple[np.ndarray, np.ndarray] | None = None  # the bounds, until learning
        self._get: Any = None  # the known features' values of a dict, in one C call
        self._running = False  # whether a feature has been clipped in a row (``_run``)
        self._warm = False  # whether every feature is past its warm-up (``_n >= warmup``)
        self._max_abs, self._sigma = np.array(float(max_abs)), np.array(float(clip_sigma))
        self._reset: np.ndarray | None = None  # the features the last learning started again

    # -- checks, no state change --------------------------------------------------------------
    def _plain(self, x: dict) -> np.ndarray | None:
        """The values of the known features when ``x`` holds exactly them, all plain floats
        within ``max_abs`` (the common case), in one go; None otherwise."""
        get = self._get
        if get is None:
            get = self._get = operator.itemgetter(*self.features)
        try:
            got = get(x)
        except KeyError:
            return None
        if len(self.features) == 1:
            got = (got,)
        if set(map(type, got)) != _FLOAT:
            return None
        values = np.array(got)
        if np.count_nonzero(np.abs(values) <= self._max_abs) == len(values):  # NaN: False
            return values
        return None

    def _check(self, x: Mapping) -> tuple[np.ndarray, list[str], bool]:
        """Values of the known features then the new ones (NaN where unusable), new names,
        and whether every value is usable; ``_implausible`` names the values that were there
        but no measurement."""
        if type(x) is dict and self.features and len(x) == len(self.features):
            values = self._plain(x)
            if values is not None:
                self._implausible = ()
                return values, [], True
        if not isinstance(x, Mapping):
            raise TypeError(f"a sample must be a dict of features, not {type(x).__name__}")
        if not x:
            raise ValueError("empty sample: x has no features")
        new = [name for name in x if name not in self._index]
        for name in new:
            if not isinstance(name, str):
                raise TypeError(
                    f"feature names must be strings, not {name!r} ({type(name).__name__})"
                )
        if len(self.features) + len(new) > self.max_features:
            raise ValueError(
                f"{len(self.features) + len(new)} features exceed max_features={self.max_features}"
            )
        names = self.features + new
        values = np.full(len(names), np.nan)
        implausible = []
        for i, name in enumerate(names):
            value = x.get(name)
            if value is None:
                continue
            v = value if type(value) is float else _number(name, value)
            if math.isfinite(v) and abs(v) <= self.max_abs:
                values[i] = v
            elif v == v:  # there, but ±inf or beyond max_abs: no measurement
                implausible.append(name)
        self._implausible = tuple(implausible)
        return values, new, not np.isnan(values).any()

    def _stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Centre and spread of each known feature (NaN: no bound yet)."""
        n = self._n
        if self._warm or not len(n):  # the common case, after the first values
            return self._mean, np.sqrt(self._m2 / n)
        ready = n >= self.warmup
        young = ~ready  # summarised robustly, row by row: the others' rows are not needed
        center, spread = self._mean.copy(), np.empty(len(n))
        center[young], spread[young] = robust_stats(self._first[young], n[young])
        spread[ready] = np.sqrt(self._m2[ready] / n[ready])
        return center, spread

    def _bounded(self, values: np.ndarray, n_new: int) -> tuple[np.ndarray, np.ndarray | None]:
        """``values`` clipped, NaN left as NaN; the mask of clipped values (None: none)."""
        if self._limits is None:  # computed once between two samples learned
            if self._warm:  # the common case: every centre a running mean, finite
                self._limits = _warm_bounds(*self._stats(), self._sigma)
            else:
                self._limits = clip_bounds(*self._stats(), self.clip_sigma)
        low, high = self._limits
        if n_new:
            low = np.concatenate([low, np.full(n_new, -np.inf)])
            high = np.concatenate([high, np.full(n_new, np.inf)])
        clipped = (values < low) | (values > high)  # False for NaN
        if not np.count_nonzero(clipped):
            return values, None
        return np.clip(values, low, high), clipped

    def _means(self, k: int) -> np.ndarray:
        first = np.where(np.arange(self.warmup) < self._n[:, None], self._first, np.nan)
        with np.errstate(invalid="ignore"):
            early = np.nan_to_num(np.nanmean(first, axis=1)) if len(first) else first[:, 0]
        means = np.where(self._n >= self.warmup, self._mean, early)
        return np.concatenate([means, np.zeros(k)])

    def check(self, x: Mapping) -> Checked:
        """``x`` under the policy, as arrays (see :class:`Checked`); nothing is learned. Raises
        for a sample that cannot be taken, before anything changes."""
        values, new, complete = self._check(x)
        kept, clipped = self._bounded(values, len(new))
        names = [*self.features, *new] if new else self.features
        missing, filled = None, kept
        if not complete:
            missing = np.isnan(values)
            filled = np.where(missing, self._means(len(new)), kept)
        n = self._n
        bounded = None if self._warm or (len(n) and n.min() >= _ROBUST_FROM) else n >= _ROBUST_FROM
        return Checked(
            names, new, values, kept, filled, missing, clipped, bounded, self._implausible
        )

    def guarded(self, checked: Checked) -> Guarded:
        """A :class:`Checked` sample as names and values (what :meth:`guard_one` returns)."""
        known = checked.names[: len(checked.names) - len(checked.new)]
        bounded = known if checked.bounded is None else _names(known, checked.bounded)
        return Guarded(
            dict(zip(checked.names, checked.filled.tolist(), strict=True)),
            checked.imputed(),
            checked.clipped_names(),
            tuple(bounded),
            checked.implausible,
        )

    def guard_one(self, x: Mapping) -> Guarded:
        """``x`` under the policy, with what was imputed and clipped; nothing is learned."""
        checked = self.check(x)
        self._checked = (dict(x), checked)
        return self.guarded(checked)

    def transform_one(self, x: dict) -> dict:
        return self.guard_one(x).x

    # -- learning -------------------------------------------------------------------------------
    def learn_one(self, x: dict) -> None:
        """Learn the usable values of ``x``, clipped; start again features clipped too long."""
        cached, self._checked = self._checked, None
        if cached is not None and cached[0] == x:  # guard_one just checked it: same state
            self.learn_checked(cached[1])
        else:
            self.learn_checked(self.check(x))

    def learn_checked(self, checked: Checked) -> None:
        """Learn a sample as :meth:`check` found it, the guard unchanged since (what
        :meth:`learn_one` does)."""
        values, new, clipped = checked.values, checked.new, checked.clipped
        self._grow(new)
        self._limits = None
        if not new and checked.missing is None and self._steady(values, clipped):
            return
        out = checked.kept.copy()  # written below where a feature starts again
        if clipped is None:
            clipped = np.zeros(len(values), dtype=bool)
        usable = ~np.isnan(values)
        self.n_imputed += int((~usable).sum())
        self.n_clipped += int(clipped.sum())
        self._run = np.where(clipped, self._run + 1, 0)
        self._running = bool(self._run.any())
        reset = self._run >= self.reset_after
        self.last_reset = tuple(self.features[i] for i in np.flatnonzero(reset))
        self._reset = None
        if reset.any():  # a new level: start again from the value itself
            self._n[reset], self._mean[reset], self._m2[reset], self._run[reset] = 0, 0, 0, 0
            out[reset] = values[reset]
            self.n_resets += int(reset.sum())
            self._reset = reset
            self._running = bool(self._run.any())
        early = usable & (self._n < self.warmup)
        self._first[early, self._n[early]] = out[early]
        self._n = self._n + usable
        starting = early & (self._n == self.warmup)
        if starting.any():  # from the robust summary to running moments of the clipped values
            start = self._first[starting]
            low, high = clip_bounds(*robust_stats(start, self._n[starting]), self.clip_sigma)
            start = np.clip(start, low[:, None], high[:, None])
            self._mean[starting] = start.mean(axis=1)
            self._m2[starting] = ((start - self._mean[starting, None]) ** 2).sum(axis=1)
        late = usable & ~early & ~clipped  # a clipped value would inflate the spread it sets
        n = np.maximum(self._n, 1)
        delta = np.where(late, out - self._mean, 0.0)
        self._mean = self._mean + delta / n
        self._m2 = self._m2 + np.where(late, delta * (out - self._mean), 0.0)
        self._warm = bool(len(self._n) and self._n.min() >= self.warmup)

    @property
    def reset_mask(self) -> np.ndarray | None:
        """The features (a mask over :attr:`features`) that the last learning started again;
        None for none (see :attr:`last_reset`)."""
        return self._reset

    def _steady(self, values: np.ndarray, clipped: np.ndarray | None) -> bool:
        """Learn ``values`` (none missing) the short way when every feature is past its
        warm-up and none is clipped (the common case; the same numbers as the general way).
        Returns False, having learned nothing, otherwise."""
        n = self._n
        if not self._warm or (clipped is not None and clipped.any()):
            return False
        if self._running:
            self._run = np.zeros_like(self._run)
            self._running = False
        self.last_reset, self._reset = (), None
        self._n = n = n + _ONE
        delta = values - self._mean
        self._mean = self._mean + delta / n
        self._m2 = self._m2 + delta * (values - self._mean)
        return True

    def forget(self, names: tuple[str, ...]) -> None:
        """Start the statistics of the features ``names`` again, as after a reset: their next
        values are learned afresh (a long-constant feature that changed has a scale to learn,
        not one to compare with)."""
        index = [self._index[name] for name in names if name in self._index]
        if index:
            self._n[index], self._mean[index], self._m2[index], self._run[index] = 0, 0, 0, 0
            self._limits = None
            self._warm = False

    def _grow(self, new: list[str]) -> None:
        if not new:
            return
        for name in new:
            self._index[name] = len(self._index)
        self.features = [*self.features, *new]  # a new list: a Checked keeps the old one
        self._get = None
        self._limits = None
        self._warm = False
        k = len(new)
        self._first = np.concatenate([self._first, np.zeros((k, self.warmup))])
        self._n = np.concatenate([self._n, np.zeros(k, dtype=np.int64)])
        self._mean = np.concatenate([self._mean, np.zeros(k)])
        self._m2 = np.concatenate([self._m2, np.zeros(k)])
        self._run = np.concatenate([self._run, np.zeros(k, dtype=np.int64)])

    # -- state ------------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """The guard's statistics and counters as plain data."""
        return {
            "features": list(self.features),
            "first": self._first.tolist(),
            "n": self._n.tolist(),
            "mean": self._mean.tolist(),
            "m2": self._m2.tolist(),
            "run": self._run.tolist(),
            "counters": [self.n_imputed, self.n_clipped, self.n_resets],
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore :meth:`get_state` onto a guard built with the same parameters."""
        self.features = [str(name) for name in state["features"]]
        self._index = {name: i for i, name in enumerate(self.features)}
        k = len(self.features)
        self._first = np.array(state["first"], dtype=np.float64).reshape(k, self.warmup)
        self._n = np.array(state["n"], dtype=np.int64)
        self._mean = np.array(state["mean"], dtype=np.float64)
        self._m2 = np.array(state["m2"], dtype=np.float64)
        self._run = np.array(state["run"], dtype=np.int64)
        self.n_imputed, self.n_clipped, self.n_resets = (int(v) for v in state["counters"])
        self._checked = None
        self._get = self._limits = self._reset = None
        self._running = bool(self._run.any())
        self._warm = bool(k and self._n.min() >= self.warmup)

    @classmethod
    def _unit_test_params(cls):
        yield {}
        yield {"clip_sigma": 3.0, "warmup": 5, "reset_after": 5}
