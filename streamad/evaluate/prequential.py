"""`prequential`: the one loop that scores each sample, updates the metrics, then learns it."""

from __future__ import annotations

import inspect
import itertools
import math
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from typing import Any

import numpy as np
from river import anomaly, metrics
from tqdm.std import tqdm  # plain text bar: no widget warning in notebooks

from streamad.evaluate import _parts
from streamad.evaluate._parts import Parts
from streamad.evaluate._store import Store, capacity
from streamad.evaluate.report import Report
from streamad.evaluate.summary import summarise

__all__ = ["prequential"]

FLUSH = 10_000  # RollingROCAUC buffers updates until read: read it this often


def _short(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters (a list given as the source would print in full)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _positive(name: str, value: Any, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")


def _pairs(source: Iterable, max_samples: int | None) -> Iterator[tuple[dict, Any]]:
    try:
        items = iter(source)
    except TypeError:
        raise TypeError(
            f"source must be an iterable of (x, y) pairs, not {type(source).__name__}"
        ) from None
    for i, item in enumerate(itertools.islice(items, max_samples)):
        try:
            x, y = item
        except (TypeError, ValueError):
            message = f"the source must yield (x, y) pairs; item {i} is {item!r:.60}"
            raise TypeError(message) from None
        if not isinstance(x, dict):
            raise TypeError(f"item {i} of the source: x must be a dict, not {type(x).__name__}")
        yield x, y


def _total(source: Iterable, max_samples: int | None) -> int | None:
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
    parts: Parts, pairs: list, observe: Callable, learn: Callable, keep: list, learn_many: Callable
) -> int:
    """Score a block with ``score_many``, observe each sample, then ``learn_many`` what ``learn``
    put in ``keep``. Returns the nanoseconds spent observing, to leave out of the latency."""
    xs = [parts.prepare(x) for x, _ in pairs]
    spent = 0
    for (x, y), xt, value in zip(pairs, xs, parts.detector.score_many(xs), strict=True):
        score = float(value)
        alarm, threshold = _parts.classify(parts, score)
        t0 = time.perf_counter_ns()
        observe(x, y, score, alarm, threshold)
        spent += time.perf_counter_ns() - t0
        learn(xt, y, score)
    if keep:
        learn_many(keep)
        keep.clear()
    return spent


def prequential(
    source: Iterable,
    model: Any,
    *,
    threshold: Callable[[Any], anomaly.base.AnomalyFilter] | None = None,
    rolling_window: int = 5000,
    block_size: int = 1,
    store_scores: bool | int = True,
    store_values: bool = False,
    progress: bool | None = None,
    max_samples: int | None = None,
) -> Report:
    """Evaluate an anomaly detector on a stream, test-then-train: score, measure, then learn.

    For each sample the model scores it (once: a threshold filter is handed that score rather
    than scoring again), the alarm is decided, the metrics are updated, and only then does the
    model learn the sample. The model is trained in place.

    In a pipeline ``transformers | detector`` the transformers (scalers) learn each sample just
    before transforming it, as under River's ``compose.learn_during_predict()``: they learn no
    labels, and the detector then scores and learns the very same transformed sample, so a
    :class:`~streamad.RollingDetector` runs one forward pass per sample. A threshold filter
    decides only whether the detector learns (its protection: a detector with ``skip_one``
    moves its window past a protected sample without learning it); the transformers learn
    every sample.

    Block mode (``block_size=k > 1``, for detectors with ``score_many`` and ``learn_many`` such
    as :class:`~streamad.RollingDetector`): the transformers handle each sample in turn, the
    detector scores the block with frozen weights (``score_many``), each sample's alarm and
    metrics follow in order, and the detector learns the block in one batched step
    (``learn_many``; samples a protecting filter flags are not learned: they enter the window
    as their reconstructions, as ``skip_one`` does, or are left out for a detector without a
    window). The scores differ from one-at-a-time scoring, as the weights only change between
    blocks; in a live system alarms come up to ``k - 1`` samples late, when the block is full.
    The latency of a sample is then its share of its block's time.

    Parameters
    ----------
    source
        Any iterable of ``(x, y)`` pairs: ``x`` a dict of features, ``y`` a 0/1 label or None
        (unlabelled: the label metrics are then absent).
    model
        A River anomaly detector (``score_one``/``learn_one``), a pipeline ending in one, or a
        threshold filter (a River ``AnomalyFilter``) wrapping either: its ``classify`` gives the
        alarms.
    threshold
        A factory wrapping ``model`` in a threshold filter, e.g. ``functools.partial(
        SigmaThreshold, k=2)``; use it or pass a filter as ``model``, not both.
    rolling_window
        Window of River's ``RollingROCAUC``, updated online.
    block_size
        Samples per block; 1 scores and learns one sample at a time.
    store_scores
        Keep every sample's score, label, alarm and threshold (True), only the last N (an int:
        the end-of-run metrics then cover those N), or none (False: only the rolling ROC-AUC).
    store_values
        Also keep the raw samples (for :meth:`Report.plot`), under the same bound.
    progress
        Show a tqdm progress bar; None shows it when stdout is a terminal.
    max_samples
        Stop after this many samples.

    Examples
    --------
    >>> import functools
    >>> from river import preprocessing
    >>> from streamad import RollingDetector
    >>> from streamad.modules import Stacked
    >>> from streamad.synth import SineWithSpikes
    >>> from streamad.thresholds import SigmaThreshold
    >>> detector = RollingDetector(Stacked, lr=0.1, encoder_sizes=(16, 8))
    >>> report = prequential(SineWithSpikes(), preprocessing.StandardScaler() | detector,
    ...                      threshold=functools.partial(SigmaThreshold, k=2.0))
    >>> report.metrics["event_recall"], report.metrics["precision"]
    (1.0, 1.0)
    >>> round(report.metrics["rolling_roc_auc"], 3)
    0.999
    """
    _positive("block_size", block_size)
    _positive("rolling_window", rolling_window)
    _positive("max_samples", max_samples, allow_none=True)
    cap = capacity(store_scores)
    parts = _parts.split(model)
    if threshold is not None:
        if parts.has_alarms:
            raise ValueError(
                "model already decides its alarms (a threshold filter or a Monitor): "
                "leave threshold=None"
            )
        if not callable(threshold):
            raise TypeError(
                "threshold must be a factory wrapping the model in a filter, e.g. "
                f"functools.partial(SigmaThreshold, k=2); got {threshold!r}"
            )
        model = threshold(model)
        parts = _parts.split(model)
    if block_size > 1 and not parts.supports_blocks:
        raise ValueError(
            f"block_size={block_size} needs a detector with score_many and learn_many "
            f"(such as RollingDetector); {type(parts.detector).__name__} has none"
        )
    rolling = metrics.RollingROCAUC(window_size=rolling_window)
    recent: deque[bool] = deque(maxlen=rolling_window)  # the labels rolling covers
    store = Store(cap, store_values)

    def observe(x: Mapping, y: Any, score: float, alarm: bool, threshold: float | None) -> None:
        if y is not None:
            recent.append(bool(y))
            rolling.update(bool(y), score)
        store.add(x, y, score, alarm, threshold)
        if store.n % FLUSH == 0:
            rolling.get()

    show = sys.stdout.isatty() if progress is None else progress
    with tqdm(total=_total(source, max_samples), disable=not show, unit=" samples") as bar:
        wall = _run(parts, _pairs(source, max_samples), block_size, observe, store, bar)
    result: dict[str, Any] = {}
    if recent:
        defined = 0 < sum(recent) < len(recent)  # River would give 0.0 for one class
        result["rolling_roc_auc"] = rolling.get() if defined else math.nan
        result["rolling_window"] = rolling_window
    return _report(model, source, parts, store, result, wall, block_size)


def _run(
    parts: Parts, pairs: Iterator, block_size: int, observe: Callable, store: Store, bar: Any
) -> float:
    """The loop itself; returns its wall time in seconds."""
    clock = time.perf_counter_ns
    begin = clock()
    if block_size == 1:
        learn = _parts.learner(
            parts, parts.detector.learn_one, getattr(parts.detector, "skip_one", None)
        )
        for x, y in pairs:
            t0 = clock()
            xt = parts.prepare(x)
            score = float(parts.detector.score_one(xt))
            alarm, thr = _parts.classify(parts, score)
            t1 = clock()
            observe(x, y, score, alarm, thr)
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
        while block := list(itertools.islice(pairs, block_size)):
            t0 = clock()
            spent = _block(parts, block, observe, learn, keep, learn_many)
            share = (clock() - t0 - spent) // len(block)
            store.latencies.extend([share] * len(block))
            bar.update(len(block))
    return (clock() - begin) / 1e9


def _report(
    model: Any,
    source: Any,
    parts: Parts,
    store: Store,
    result: dict[str, Any],
    wall: float,
    block_size: int,
) -> Report:
    scores = np.array(store.scores, dtype=float)
    labels = store.labels_array()
    alarms = np.array(store.alarms, dtype=bool) if parts.has_alarms else None
    if len(scores):
        result.update(summarise(labels, scores, alarms))
    timings = {"wall_s": wall, "throughput": store.n / wall if wall > 0 else math.nan}
    if store.latencies:
        p50, p99 = np.percentile(np.array(store.latencies), [50, 99]) / 1e6
        timings.update(latency_p50_ms=float(p50), latency_p99_ms=float(p99))
    return Report(
        metrics=result,
        n_samples=store.n,
        model=_parts.describe(model),
        source=_short(" ".join(repr(source).split())),
        scores=scores,
        labels=labels,
        alarms=alarms,
        thresholds=np.array(store.thresholds, dtype=float) if parts.has_alarms else None,
        values=store.values_array(),
        features=list(store.features),
        start=store.start,
        timings=timings,
        block_size=block_size,
    )
