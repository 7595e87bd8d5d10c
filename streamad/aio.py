"""asyncio: detect anomalies in a stream without blocking the event loop.

Model steps (score, alarm, learn) run in one worker thread per detector, so a stream's order is
kept and the loop stays free; the worker uses as many torch threads as the thread that started
the stream. :func:`detect` turns an async (or plain) iterable of samples into an async iterator
of :class:`Result`; :class:`StreamDetector` is the push form: ``submit(x)``, then read
``results()``. At most ``max_pending`` samples are accepted but not yet read back: ``submit``
waits beyond that (backpressure)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from river import anomaly, compose

from streamad.thresholds.alarm import Alarm, explain

__all__ = ["Result", "StreamDetector", "detect"]

_END = object()


@dataclass(frozen=True)
class Result:
    """What the detector made of one sample: its :class:`~streamad.thresholds.Alarm`.

    ``index`` counts the samples accepted by the stream (from 0); ``y`` is the label given with
    the sample, if any. The alarm holds the score, the threshold of the filter (None without
    one, or while it warms up), whether it is an alarm (never without a filter) and each
    feature's share of the reconstruction error, largest first (empty when the detector has no
    ``feature_errors``).

    Examples
    --------
    >>> from streamad.thresholds import Alarm
    >>> result = Result(0, {"a": 0.0, "b": 4.0}, None, Alarm(3.2, 1.0, True, (("b", 0.9),)))
    >>> result.score, result.is_alarm, result.to_dict()["attribution"]
    (3.2, True, {'b': 0.9})
    """

    index: int
    x: dict
    y: Any
    alarm: Alarm

    @property
    def score(self) -> float:
        """The anomaly score."""
        return self.alarm.score

    @property
    def is_alarm(self) -> bool:
        """Whether the threshold filter raised an alarm."""
        return self.alarm.is_alarm

    @property
    def attribution(self) -> dict[str, float]:
        """Each feature's share of the error, largest first."""
        return dict(self.alarm.attribution)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return {
            "index": self.index,
            "x": dict(self.x),
            "y": self.y,
            "score": self.score,
            "threshold": self.alarm.threshold,
            "is_alarm": self.is_alarm,
            "attribution": self.attribution,
        }


def _innermost(model: Any) -> Any:
    """The detector at the end of pipelines and inside filters."""
    while True:
        if isinstance(model, anomaly.base.AnomalyFilter):
            model = model.anomaly_detector
        elif isinstance(model, compose.Pipeline):
            model = list(model.steps.values())[-1]
        else:
            return model


def _step(model: Any, x: dict, learn: bool) -> Alarm:
    """Score ``x``, decide and explain the alarm, then learn ``x``: one model step."""
    score = float(model.score_one(x))
    threshold, is_alarm = None, False
    if isinstance(model, anomaly.base.AnomalyFilter):
        is_alarm = bool(model.classify(score))
        threshold = getattr(model, "threshold", None)
    shares: tuple = ()
    if hasattr(_innermost(model), "feature_errors"):
        shares = explain(model, score, threshold).attribution
    if learn:
        model.learn_one(x)
    return Alarm(score, threshold, is_alarm, shares)


def _sample(item: Any) -> tuple[dict, Any]:
    if isinstance(item, Mapping):
        return dict(item), None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Mapping):
        return dict(item[0]), item[1]
    raise TypeError(f"a sample must be a dict x or a pair (x, y), not {item!r:.80}")


class StreamDetector:
    """Push samples with :meth:`submit`, read them scored from :meth:`results`.

    One worker thread runs the model, one sample at a time in the order accepted. :meth:`close`
    stops accepting and lets every accepted sample through (each is scored and learned exactly
    once); :meth:`abort` stops after the step in progress, which always completes, so the model
    has learned exactly the first ``n_processed`` samples, and returns the samples accepted but
    not processed.

    Parameters
    ----------
    model
        A River anomaly detector, pipeline or threshold filter; it is trained in place.
    threshold
        A factory wrapping ``model`` in a threshold filter, e.g. ``functools.partial(
        SigmaThreshold, k=2)``.
    learn
        Learn each sample after scoring it.
    max_pending
        Most samples accepted but not yet read from :meth:`results`.

    Examples
    --------
    >>> import asyncio
    >>> from streamad import RollingDetector
    >>> async def main():
    ...     async with StreamDetector(RollingDetector(window_size=4, hidden_size=4)) as stream:
    ...         for v in [0.0, 1.0, 0.0, 1.0, 9.0]:
    ...             await stream.submit({"v": v})
    ...         await stream.close()
    ...         return [round(r.score, 3) async for r in stream.results()]
    >>> asyncio.run(main())
    [0.005, 0.581, 0.418, 0.611, 21.137]
    """

    def __init__(
        self,
        model: Any,
        *,
        threshold: Callable[[Any], Any] | None = None,
        learn: bool = True,
        max_pending: int = 64,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self.model = model if threshold is None else threshold(model)
        self.learn = learn
        self.max_pending = max_pending
        self.n_accepted = 0
        self.n_processed = 0
        self._pump: asyncio.Task | None = None
        self._closed = False
        self._error: BaseException | None = None

    async def __aenter__(self) -> StreamDetector:
        self.start()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.close()
        else:
            await self.abort()

    def start(self) -> None:
        """Start the worker (``async with`` and :meth:`submit` do it)."""
        if self._pump is not None:
            return
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._outbox: asyncio.Queue = asyncio.Queue()
        self._slots = asyncio.Semaphore(self.max_pending)
        self._executor = concurrent.futures.ThreadPoolExecutor(  # torch threads as the caller's
            1, "streamad-detector", torch.set_num_threads, (torch.get_num_threads(),)
        )
        self._pump = asyncio.get_running_loop().create_task(self._run())

    async def submit(self, x: Mapping, y: Any = None) -> None:
        """Accept sample ``x`` (label ``y``); waits while ``max_pending`` results are unread."""
        if self._closed:
            raise RuntimeError("this stream is closed: it accepts no more samples")
        if self._error is not None:
            raise RuntimeError("the detector failed; see results()") from self._error
        self.start()
        await self._slots.acquire()
        if self._closed:  # closed while this call waited for room
            self._slots.release()
            raise RuntimeError("this stream was closed before the sample could be accepted")
        self._inbox.put_nowait((self.n_accepted, dict(x), y))
        self.n_accepted += 1

    def end_input(self) -> None:
        """Accept no more samples; :meth:`results` ends after the last accepted one."""
        self.start()
        if not self._closed:
            self._closed = True
            self._inbox.put_nowait(_END)

    async def close(self) -> None:
        """Accept no more samples and wait until every accepted one is processed."""
        self.end_input()
        assert self._pump is not None
        await asyncio.wait([self._pump])  # a cancelled close() leaves the worker running on
        self._executor.shutdown(wait=False)

    async def abort(self) -> list[tuple[dict, Any]]:
        """Stop after the step in progress; returns the ``(x, y)`` accepted but not processed."""
        if self._pump is None:
            return []
        self._closed = True
        self._pump.cancel()
        await asyncio.wait([self._pump])
        self._executor.shutdown(wait=False)
        left = []
        while not self._inbox.empty():
            item = self._inbox.get_nowait()
            if item is not _END:
                left.append((item[1], item[2]))
        self._outbox.put_nowait(_END)
        return left

    async def results(self) -> AsyncIterator[Result]:
        """Results in the order the samples were accepted, until the input ends."""
        self.start()
        while True:
            item = await self._outbox.get()
            if item is _END:
                if self._error is not None:
                    raise RuntimeError("the detector failed on a sample") from self._error
                return
            self._slots.release()
            yield item

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (item := await self._inbox.get()) is not _END:
                index, x, y = item
                future = loop.run_in_executor(self._executor, _step, self.model, x, self.learn)
                try:
                    outcome = await asyncio.shield(future)
                except asyncio.CancelledError:
                    await _settle(future)  # the step completes in its thread: the model is whole
                    self.n_processed += future.exception() is None
                    raise
                self.n_processed += 1
                self._outbox.put_nowait(Result(index, x, y, outcome))
        except Exception as error:  # a bad sample or a failing model: results() raises it
            self._error = error
            self._closed = True
        self._outbox.put_nowait(_END)


async def _settle(future: asyncio.Future) -> None:
    """Wait until ``future`` is done, whatever cancellations arrive meanwhile."""
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait([future])


async def _feed(source: AsyncIterable | Iterable, stream: StreamDetector) -> None:
    try:
        if isinstance(source, AsyncIterable):
            async for item in source:
                await stream.submit(*_sample(item))
        else:
            for item in source:
                await stream.submit(*_sample(item))
                await asyncio.sleep(0)  # a plain iterable: let the loop breathe between samples
    finally:
        stream.end_input()


async def detect(
    source: AsyncIterable | Iterable,
    model: Any,
    *,
    threshold: Callable[[Any], Any] | None = None,
    learn: bool = True,
    max_pending: int = 64,
) -> AsyncIterator[Result]:
    """Score then learn each sample of ``source``, yielding a :class:`Result` per sample.

    ``source`` yields dicts ``x`` or pairs ``(x, y)``; an async iterable (a socket, a queue) or a
    plain one (read on the loop: keep it in memory). The model runs off the loop, in one worker
    thread; reading ``source`` is paused while ``max_pending`` results are unread. When the
    consumer stops early (``break``, cancellation), the step in progress completes and nothing
    else is processed: the model stays consistent. Wrap the call in ``contextlib.aclosing`` to
    stop it at once on ``break``. Parameters are those of :class:`StreamDetector`.

    Examples
    --------
    >>> import asyncio, functools
    >>> from streamad import RollingDetector
    >>> from streamad.thresholds import SigmaThreshold
    >>> async def samples():
    ...     for t in range(60):
    ...         yield {"a": float(t % 3), "b": 9.0 if t == 55 else 1.0}
    >>> async def main():
    ...     model = RollingDetector(window_size=4, hidden_size=4)
    ...     sigma = functools.partial(SigmaThreshold, k=3.0, warmup=20)
    ...     return [r async for r in detect(samples(), model, threshold=sigma)]
    >>> results = asyncio.run(main())
    >>> [(r.index, r.alarm.features[0]) for r in results if r.is_alarm]
    [(55, 'b')]
    >>> print(results[55].alarm)
    ALARM score 11.3 > threshold 2.04: b 94%, a 6%
    """
    stream = StreamDetector(model, threshold=threshold, learn=learn, max_pending=max_pending)
    stream.start()
    feeder = asyncio.get_running_loop().create_task(_feed(source, stream))
    try:
        async for result in stream.results():
            yield result
        await feeder
    finally:
        if not feeder.done():
            feeder.cancel()
            await asyncio.wait([feeder])
        await stream.abort()
