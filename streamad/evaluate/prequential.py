"""`prequential`: evaluate a detector on a stream, test-then-train, into a `Report`.

The loop itself (score, observe, then learn: the one place of that order) is ``_loop.run``.
"""

from __future__ import annotations

import math
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from river import anomaly, metrics
from tqdm.std import tqdm  # plain text bar: no widget warning in notebooks

from streamad.evaluate import _compiling, _loop, _parts
from streamad.evaluate._alarms import AlarmLog
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


def prequential(
    source: Iterable,
    model: Any,
    *,
    threshold: Callable[[Any], anomaly.base.AnomalyFilter] | None = None,
    rolling_window: int = 5000,
    block_size: int = 1,
    store_scores: bool | int = True,
    store_values: bool = False,
    store_alarms: bool | int = 1000,
    timestamps: Iterable | None = None,
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

    Each alarm is kept with its explanation (:class:`~streamad.evaluate.AlarmRecord`: position,
    time, score, threshold, calibrated score and the features to blame), computed when it is
    raised: a run without alarms pays nothing for it. In block mode explaining an alarm scores
    its block again up to it.

    Samples scored while streamad's compiled kernel was still compiling (the first run on a
    machine: the NumPy kernel serves them, beside the compile) are counted in
    ``Report.compiling`` and left out of the timings, which then cover the samples after them.

    Parameters
    ----------
    source
        Any iterable of ``(x, y)`` pairs: ``x`` a dict of features, ``y`` a 0/1 label or None
        (unlabelled: the label metrics are then absent); or of ``(x, y, time)`` triples.
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
    store_alarms
        Keep the last N alarms with their explanations (an int), all of them (True) or none
        (False); the alarms not kept are counted (``Report.alarms_left_out``).
    timestamps
        One time per sample (text, datetimes), in stream order; None takes the source's own
        ``timestamps`` when it has them (as :class:`~streamad.datasets.NABSeries` does), or
        the third item of ``(x, y, time)`` triples. Kept with the samples and the alarms; the
        figure then has a time axis.
    progress
        Show a tqdm progress bar; None shows it when stdout is a terminal.
    max_samples
        Stop after this many samples.

    Examples
    --------
    >>> import functools
    >>> from river import preprocessing
    >>> from streamad import RollingDetector, prequential
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
    log = AlarmLog(capacity(store_alarms, "store_alarms", "alarms"))
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

    def observe(
        x: Mapping,
        y: Any,
        score: float,
        alarm: bool,
        threshold: float | None,
        time: Any,
        why: Callable | None,
    ) -> None:
        if y is not None:
            recent.append(bool(y))
            rolling.update(bool(y), score)
        if alarm and why is not None:
            log.add(store.n, score, threshold, time, why)
        store.add(x, y, score, alarm, threshold, time)
        if store.n % FLUSH == 0:
            rolling.get()

    show = sys.stdout.isatty() if progress is None else progress
    watch = _compiling.Watch()
    items = watch.items(_loop.samples(source, max_samples, timestamps))
    with tqdm(total=_loop.total(source, max_samples), disable=not show, unit=" samples") as bar:
        wall = _loop.run(parts, items, block_size, observe, store, bar, log.cap != 0)
    timings = _compiling.timings(store.latencies, store.n, wall, watch, time.perf_counter_ns())
    result: dict[str, Any] = {}
    if recent:
        defined = 0 < sum(recent) < len(recent)  # River would give 0.0 for one class
        result["rolling_roc_auc"] = rolling.get() if defined else math.nan
        result["rolling_window"] = rolling_window
    return _report(model, source, parts, store, log, result, timings, block_size, watch.samples)


def _report(
    model: Any,
    source: Any,
    parts: Parts,
    store: Store,
    log: AlarmLog,
    result: dict[str, Any],
    timings: dict[str, float],
    block_size: int,
    compiling: int,
) -> Report:
    scores = np.array(store.scores, dtype=float)
    labels = store.labels_array()
    alarms = np.array(store.alarms, dtype=bool) if parts.has_alarms else None
    if len(scores):
        result.update(summarise(labels, scores, alarms))
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
        times=store.times_list(),
        alarm_list=list(log.kept),
        alarms_left_out=log.left_out,
        compiling=compiling,
    )
