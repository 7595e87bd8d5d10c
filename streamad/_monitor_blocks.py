"""A Monitor's many-sample paths: warm start and blocks. Each takes the monitor it works on.
Also what they share with the one-sample path: the inputs' learning, and the recent samples."""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from streamad._scaler import RowScaler
from streamad.guard import Checked, Guard

#: Samples after which block mode freezes the guard and scaler over a block (before, it runs
#: them sample by sample: their first statistics change too fast to freeze).
FROZEN_AFTER = 1000


def learn_inputs(
    guard: Guard,
    scaler: RowScaler,
    checked: Checked,
    changed: tuple[str, ...] = (),
    fresh: Mapping | None = None,
) -> tuple[str, ...]:
    """The guard learns the sample as ``checked`` (or, given the sample as ``fresh``, as the
    guard checks it now: a block's samples are learned against the guard as it then is); the
    scaler its checked, measured values, in the guard's order. Returns the features the guard
    started again (their scaler statistics start again too). The ``changed`` features (long
    constant, now changed) start again in both, from this value."""
    guard.forget(changed)
    guard.learn_checked(checked if fresh is None else guard.check(fresh))
    n = len(guard.features)
    if len(scaler.features) < n:
        scaler.grow(guard.features[len(scaler.features) :])
    reset = restart = guard.reset_mask
    if changed:
        restart = np.zeros(n, dtype=bool) if reset is None else reset.copy()
        restart[[guard._index[name] for name in changed if name in guard._index]] = True
    if restart is not None:
        scaler.reset(restart)
    k = len(checked.filled) - len(checked.new)  # the features known when it was checked
    if (
        k == n
        and reset is None
        and checked.bounded is None
        and checked.missing is None
        and checked.clipped is None
    ):  # the common case: every value learned
        scaler.learn(checked.filled)
        return ()
    learn = np.zeros(n, dtype=bool)  # checked against a bound, neither imputed nor clipped
    learn[:k] = True if checked.bounded is None else checked.bounded
    for mask in (checked.missing, checked.clipped):
        if mask is not None:
            learn[:k] &= ~mask[:k]
    if reset is not None:
        learn &= ~reset
    values = np.zeros(n)
    values[:k] = checked.filled[:k]
    scaler.learn(values, learn)
    return guard.last_reset


def standardised(scaler: RowScaler, checked: Checked) -> dict[str, float]:
    """A checked sample standardised, as a dict (what a block gives its detector)."""
    return dict(zip(checked.names, scaler.transform(checked.filled).tolist(), strict=True))


class Recent:
    """The recent samples a rebuilt detector warms on (``Monitor.recent_``): each as the
    detector learned it, standardised, kept as its row (a dict is made when it is read).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad._monitor_blocks import Recent
    >>> recent = Recent(maxlen=2)
    >>> recent.append_row(("a", "b"), np.array([0.5, -1.0]))
    >>> recent.append({"a": 0.25, "b": 2.0})
    >>> recent.append_row(("a", "b"), np.array([1.0, 0.0]))
    >>> len(recent), list(recent)
    (2, [{'a': 0.25, 'b': 2.0}, {'a': 1.0, 'b': 0.0}])
    """

    def __init__(self, maxlen: int) -> None:
        self._items: deque[Any] = deque(maxlen=maxlen)

    @property
    def maxlen(self) -> int | None:
        return self._items.maxlen

    def append_row(self, names: Sequence[str], values: np.ndarray) -> None:
        """Keep a sample given as its features' names and values (never written to)."""
        self._items.append((names, values))

    def append(self, z: Mapping[str, float]) -> None:
        self._items.append(dict(z))

    def extend(self, zs: Iterable[Mapping[str, float]]) -> None:
        for z in zs:
            self.append(z)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[dict[str, float]]:
        for item in self._items:
            if isinstance(item, dict):
                yield item
            else:
                yield dict(zip(item[0], item[1].tolist(), strict=True))


def rebuilt(monitor: Any, added: list[str]) -> tuple[Any, Any]:
    """A fresh detector on every feature the guard knows and a fresh threshold, both warmed on
    the monitor's recent samples (features they lack at their mean, 0)."""
    detector = monitor.detector_.clone()
    filter_ = None if monitor.threshold is None else monitor.threshold(detector)
    blank = dict.fromkeys(monitor.guard_.features, 0.0)
    for z in monitor.recent_:
        z = {**blank, **z}
        score = detector.score_one(z)
        detector.learn_one(z)
        if filter_ is not None:
            filter_.update_threshold(score)
    return detector, filter_


def records(X: Any) -> list:
    """The samples of a DataFrame or an iterable, as a list."""
    return X.to_dict(orient="records") if hasattr(X, "to_dict") else list(X)


def warm_start(monitor: Any, history: Any, epochs: int) -> Any:
    """:meth:`Monitor.warm_start`."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, not {epochs!r}")
    rows = [item[0] if isinstance(item, tuple) else item for item in records(history)]
    start = max(0, monitor.guard_.warmup - monitor.n_inputs)  # these only warm the scaler up
    for x in rows[:start]:
        monitor._warm_up(x, monitor.guard_.check(x))
    for epoch in range(epochs):
        last = epoch == epochs - 1
        for x in rows[start:]:
            scored = monitor._score(x)
            if epoch == 0:
                monitor._learn_inputs(x, scored.checked)
            if scored.checked.missing is None and scored.checked.clipped is None:
                monitor._detector_learn(scored, remember=last)
                monitor.n_learned += 1
                if last:
                    monitor._learn_score(scored.score, None, scored.checked)
            else:
                monitor._skip(scored)
    monitor._scored = None
    monitor.last_events = ()
    warmed = f" (the first {min(start, len(rows))} warming the scaler up)" if start else ""
    monitor._event("trained", f"warm start: {len(rows)} samples{warmed}, {epochs} epoch(s)")
    return monitor


def score_many(monitor: Any, X: Any) -> list[float]:
    """Each sample passes the guard and the scaler as they are before the block (for the first
    ``FROZEN_AFTER`` samples of a stream, as they would be after the samples before it in the
    block: a fresh chain has no statistics to freeze); the detector scores the block in one
    batched pass; the value rules look at each sample as the monitor stands before the block.
    """
    xs = records(X)
    warm = max(0, min(len(xs), monitor.guard_.warmup - monitor.n_inputs))  # warm-up: 0.0
    if monitor.n_seen < FROZEN_AFTER:  # the inputs as exact mode would see them
        guard, scaler = copy.deepcopy(monitor.guard_), copy.deepcopy(monitor.scaler_)
        checked, zs = [], []
        for x in xs:
            checked.append(guard.check(x))
            zs.append(standardised(scaler, checked[-1]))
            learn_inputs(guard, scaler, checked[-1])
    else:
        checked = [monitor.guard_.check(x) for x in xs]  # all checked before any use
        zs = [standardised(monitor.scaler_, c) for c in checked]
    findings = [monitor._check_rules(c) for c in checked]
    scored = monitor.detector_.score_many(zs[warm:]) if len(zs) > warm else []
    scores = [0.0] * warm + [float(s) for s in scored]
    monitor._block = (xs, checked, zs, scores, findings)
    monitor._explained = None
    if scores:
        monitor.last_score = scores[-1]
    return scores


def learn_many(monitor: Any, X: Any, y: Any = None) -> None:
    """Alarms, trust and the threshold follow sample by sample, in order; the detector then
    learns the block in one batched step, untrusted or protected samples entering its window
    as their reconstructions."""
    xs = [dict(x) for x in records(X)]
    block, monitor._block = monitor._block, None
    if block is None or block[0] != xs:
        score_many(monitor, xs)
        block, monitor._block = monitor._block, None
    _, checked, zs, scores, findings = block
    labels = [None] * len(xs) if y is None else list(y)
    skip = []
    warm = 0
    for x, c, score, finding, label in zip(xs, checked, scores, findings, labels, strict=True):
        monitor.last_events = ()
        if monitor.warming_up:  # the guard learns x as it now stands (fresh)
            monitor._warm_up(x, c, label, fresh=x)
            monitor.n_seen += 1
            warm += 1
            continue
        above = finding is not None or monitor.above(score)
        skip.append(not monitor._judge(x, c, score, above, label, finding, fresh=x))
        monitor.n_seen += 1
    built = getattr(monitor.detector_, "features", None)
    if built:  # features added in the block reach the rebuilt detector, not this one
        zs = [{name: z[name] for name in built if name in z} for z in zs]
    if len(zs) > warm:
        stand_in = monitor.protect != "learning"
        monitor.detector_.learn_many(zs[warm:], skip=skip, stand_in=stand_in)
        monitor.recent_.extend(z for z, s in zip(zs[warm:], skip, strict=True) if not s)
    monitor._rebuild_if_added()
