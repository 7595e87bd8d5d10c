"""A Monitor's many-sample paths: warm start and blocks. Each takes the monitor it works on."""

from __future__ import annotations

import copy
from typing import Any

from streamad.guard import Guard, Guarded

#: Samples after which block mode freezes the guard and scaler over a block (before, it runs
#: them sample by sample: their first statistics change too fast to freeze).
FROZEN_AFTER = 1000


def learn_inputs(
    guard: Guard, scaler: Any, x: dict, guarded: Guarded, changed: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The guard learns ``x``; the scaler its checked, measured values. Returns the features
    the guard started again (their scaler statistics start again too). The ``changed``
    features (long constant, now changed) start again in both, from this value."""
    guard.forget(changed)
    guard.learn_one(x)
    for name in (*guard.last_reset, *changed):
        for table in (scaler.counts, scaler.means, scaler.vars):
            table.pop(name, None)
    skip = set(guarded.imputed) | set(guarded.clipped) | set(guard.last_reset)
    bounded = set(guarded.bounded) - skip
    scaler.learn_one({k: v for k, v in guarded.x.items() if k in bounded})
    return guard.last_reset


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
        monitor._warm_up(x, monitor.guard_.guard_one(x))
    for epoch in range(epochs):
        for x in rows[start:]:
            scored = monitor._score(x)
            if epoch == 0:
                monitor._learn_inputs(x, scored.guarded)
            if not (scored.guarded.imputed or scored.guarded.clipped):
                monitor.detector_.learn_one(scored.z)
                monitor.n_learned += 1
                if epoch == epochs - 1:
                    monitor.recent_.append(scored.z)
                if epoch == epochs - 1:
                    monitor._learn_score(scored.score, None, scored.guarded.x)
            else:
                monitor._skip(scored.z)
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
        guarded, zs = [], []
        for x in xs:
            guarded.append(guard.guard_one(x))
            zs.append(scaler.transform_one(guarded[-1].x))
            learn_inputs(guard, scaler, x, guarded[-1])
    else:
        guarded = [monitor.guard_.guard_one(x) for x in xs]  # all checked before any use
        zs = [monitor.scaler_.transform_one(g.x) for g in guarded]
    rules = monitor.rules_
    findings = [
        None if rules is None else rules.check(g.x, g.imputed, g.implausible) for g in guarded
    ]
    scored = monitor.detector_.score_many(zs[warm:]) if len(zs) > warm else []
    scores = [0.0] * warm + [float(s) for s in scored]
    monitor._block = (xs, guarded, zs, scores, findings)
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
    _, guarded, zs, scores, findings = block
    labels = [None] * len(xs) if y is None else list(y)
    skip = []
    warm = 0
    for x, g, score, finding, label in zip(xs, guarded, scores, findings, labels, strict=True):
        monitor.last_events = ()
        if monitor.warming_up:
            monitor._warm_up(x, g, label)
            monitor.n_seen += 1
            warm += 1
            continue
        above = finding is not None or monitor.above(score)
        skip.append(not monitor._judge(x, g, score, above, label, finding))
        monitor.n_seen += 1
    built = getattr(monitor.detector_, "features", None)
    if built:  # features added in the block reach the rebuilt detector, not this one
        zs = [{name: z[name] for name in built if name in z} for z in zs]
    if len(zs) > warm:
        stand_in = monitor.protect != "learning"
        monitor.detector_.learn_many(zs[warm:], skip=skip, stand_in=stand_in)
        monitor.recent_.extend(z for z, s in zip(zs[warm:], skip, strict=True) if not s)
    monitor._rebuild_if_added()
