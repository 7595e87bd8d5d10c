"""The prequential loop itself: score, observe (metrics, storage, alarms), then learn."""

from __future__ import annotations

import functools
import inspect
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from typing import Any

from streamad.evaluate import _alarms, _parts
from streamad.evaluate._parts import Parts
from streamad.evaluate._store import Store

__all__ = ["samples", "run", "total"]

#: observe(x, y, score, alarm, threshold, time, why): ``why()`` explains an alarm
Observe = Callable[[dict, Any, float, bool, Any, Any, Any], None]


def _times(source: Iterable, timestamps: Iterable | None) -> Iterator[Any] | None:
    """The timestamps given, or the source's own (a ``timestamps`` sequence, as NAB's)."""
    if timestamps is None:
        own = getattr(source, "timestamps", None)
        if isinstance(own, Sequence) and not isinstance(own, str):
            timestamps = own
    if timestamps is None:
        return None
    if isinstance(timestamps, str) or not isinstance(timestamps, Iterable):
        raise TypeError(
            "timestamps must be an iterable of one time per sample, "
            f"not {type(timestamps).__name__}"
        )
    return iter(timestamps)


def _time_text(value: Any) -> Any:
    """A timestamp as JSON-ready data: datetimes as ISO text, None, str and numbers as given."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if hasattr(value, "isoformat"):  # datetime, date, pandas Timestamp
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)  # numpy datetime64 and others


def samples(
    source: Iterable, max_samples: int | None, timestamps: Iterable | None = None
) -> Iterator[tuple[dict, Any, Any]]:
    """``(x, y, time)`` of each ``(x, y)`` pair or ``(x, y, time)`` triple of the source; the
    time from the triple, else from ``timestamps`` (or the source's), else None."""
    try:
        items = iter(source)
    except TypeError:
        raise TypeError(
            f"source must be an iterable of (x, y) pairs, not {type(source).__name__}"
        ) from None
    times = _times(source, timestamps)
    for i, item in enumerate(itertools.islice(items, max_samples)):
        try:
            if len(item) == 2:
                (x, y), t = item, None
            else:
                x, y, t = item
        except (TypeError, ValueError):
            raise TypeError(
                f"the source must yield (x, y) pairs or (x, y, time) triples; "
                f"item {i} is {item!r:.60}"
            ) from None
        if not isinstance(x, dict):
            raise TypeError(f"item {i} of the source: x must be a dict, not {type(x).__name__}")
        if times is not None:
            given = next(times, None)
            t = given if t is None else t
        yield x, y, t if t is None or type(t) is str else _time_text(t)


def total(source: Iterable, max_samples: int | None) -> int | None:
    n = len(source) if isinstance(source, Sized) else getattr(source, "n_samples", None)
    if n is None:
        return max_samples
    return n if max_samples is None else min(n, max_samples)


def _block_learner(detector: Any) -> Callable[[list[tuple[dict, bool]]], None]:
    """``learn_many`` of samples flagged protected or not: a detector whose ``learn_many`` takes
    ``skip`` gets the flags; from any other the protected samples are left out."""
    if "skip" in inspect.signature(detector.learn_many).parameters:
        return lambda keep: detector.learn_many([x for x, _ in keep], skip=[s for _, s in keep])
    return lambda keep: detector.learn_many([x for x, s in keep if not s])


def _block(
    parts: Parts,
    items: list,
    observe: Observe,
    learn: Callable,
    keep: list,
    learn_many: Callable,
    explain: Callable | None,
) -> int:
    """Score a block with ``score_many``, observe each sample, then ``learn_many`` what ``learn``
    put in ``keep``. Returns the nanoseconds spent observing, to leave out of the latency."""
    xs = [parts.prepare(x) for x, _, _ in items]
    spent, explained = 0, False
    for i, ((x, y, t), xt, value) in enumerate(
        zip(items, xs, parts.detector.score_many(xs), strict=True)
    ):
        score = float(value)
        alarm, threshold = _parts.classify(parts, score)
        why = functools.partial(explain, xs, i, x) if alarm and explain is not None else None
        t0 = time.perf_counter_ns()
        observe(x, y, score, alarm, threshold, t, why)
        explained |= why is not None
        spent += time.perf_counter_ns() - t0
        learn(xt, y, score)
    if explained and parts.decides:  # explaining rescored part of the block: the whole again,
        t0 = time.perf_counter_ns()  # so that the Monitor learns it from its own scores
        parts.detector.score_many(xs)
        spent += time.perf_counter_ns() - t0
    if keep:
        learn_many(keep)
        keep.clear()
    return spent


def run(
    parts: Parts,
    items: Iterator,
    block_size: int,
    observe: Observe,
    store: Store,
    bar: Any,
    explain_alarms: bool = True,
) -> float:
    """The loop: score, observe, then learn each sample; returns its wall time in seconds.

    ``observe`` is handed, with each alarm, a function explaining it (``explain_alarms``)."""
    clock = time.perf_counter_ns
    begin = clock()
    if block_size == 1:
        learn = _parts.learner(
            parts, parts.detector.learn_one, getattr(parts.detector, "skip_one", None)
        )
        explain = _alarms.explainer(parts)
        for x, y, t in items:
            t0 = clock()
            xt = parts.prepare(x)
            score = float(parts.detector.score_one(xt))
            alarm, thr = _parts.classify(parts, score, latest=True)
            t1 = clock()
            observe(x, y, score, alarm, thr, t, explain)
            t2 = clock()
            learn(xt, y, score)
            store.latencies.append(t1 - t0 + clock() - t2)
            bar.update()
    else:
        keep: list[tuple[dict, Any]] = []  # each sample, and whether it is protected
        learn_many: Callable[[list], None]
        if parts.decides:  # a Monitor learns its block itself, labels and protection included
            keep_with_label: Callable = lambda x, y=None: keep.append((x, y))  # noqa: E731
            learn = _parts.learner(parts, keep_with_label, None)
            monitor = parts.detector

            def learn_many(block: list) -> None:
                monitor.learn_many([x for x, _ in block], y=[y for _, y in block])

        else:
            learn_many = _block_learner(parts.detector)
            learn = _parts.learner(
                parts, lambda x: keep.append((x, False)), lambda x: keep.append((x, True))
            )
        explain_in_block = _alarms.block_explainer(parts) if explain_alarms else None
        while block := list(itertools.islice(items, block_size)):
            t0 = clock()
            spent = _block(parts, block, observe, learn, keep, learn_many, explain_in_block)
            share = (clock() - t0 - spent) // len(block)
            store.latencies.extend([share] * len(block))
            bar.update(len(block))
    return (clock() - begin) / 1e9
