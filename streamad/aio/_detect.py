"""detect: an async iterator of results that takes a sample from its source only to process it."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any

from streamad.aio._result import Result, prepare, take_step
from streamad.aio._worker import Worker, save_model

__all__ = ["Detection", "detect"]


def sample(item: Any) -> tuple[dict, Any]:
    """``(x, y)`` from a source's item: a dict ``x`` or a pair ``(x, y)``."""
    if isinstance(item, Mapping):
        return dict(item), None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Mapping):
        return dict(item[0]), item[1]
    raise TypeError(f"a sample must be a dict x or a pair (x, y), not {item!r:.80}")


class Detection(AsyncIterator[Result]):
    """The results of :func:`detect`, one per sample: an async iterator of :class:`Result`.

    Each ``__anext__`` takes one sample from the source, runs its step (score, alarm, learn) in
    the worker thread and returns its result; nothing runs between two results, and nothing is
    read ahead. So no sample taken from the source is lost, however the iteration stops:

    - ``break``, an exception in the loop's body, a cancellation while the body runs, or
      :meth:`aclose`: every sample taken has been yielded. The source is not read further: read
      it on (with another :func:`detect`, say) to go on from the next sample.
    - A cancellation while waiting for a result: a step under way completes (the model stays
      whole) and its result is kept in ``unread``, which the next ``__anext__`` yields first, so
      iterating again goes on without a gap. Waiting for the source, nothing was taken (but a
      source that is an async generator ends when cancelled, as any does).

    So the samples taken from the source are, in order, those yielded and then ``unread``;
    ``n_processed`` counts them, each scored once and learned once (but a sample whose step
    failed, see :class:`Result`). A stopped iteration leaves nothing running: a Detection has
    no task, and its worker thread ends when the source ends or fails, on :meth:`aclose` (``async
    with`` calls it), on a cancellation, when the Detection is dropped, and otherwise after half
    a second idle.

    One task at a time iterates a Detection: ``__anext__`` or :meth:`aclose` while another task
    waits in ``__anext__`` raises ``RuntimeError`` (to stop it from another task, cancel the
    task that iterates).

    Saving: no step runs between two results, so the loop's body may call ``model.save(path)``
    as it is; from another task, ``await detection.save(path)`` saves between two samples (or,
    from any thread, ``with detection.lock: model.save(path)``, see :class:`StreamDetector`).

    Examples
    --------
    >>> import asyncio
    >>> from streamad import RollingDetector
    >>> from streamad.aio import detect
    >>> async def main():
    ...     source = iter([{"v": float(t % 4)} for t in range(10)])
    ...     model = RollingDetector(window_size=2, hidden_size=2)
    ...     async with detect(source, model) as results:
    ...         async for result in results:
    ...             if result.index == 3:
    ...                 break
    ...     rest = [r async for r in detect(source, model)]  # the source goes on at sample 4
    ...     return results.n_processed, len(rest), model.n_learned
    >>> asyncio.run(main())  # nothing read ahead, nothing lost
    (4, 6, 10)

    Attributes
    ----------
    model
        The model being run, trained in place.
    unread
        The result of a step that completed after a cancellation, until it is yielded.
    n_processed
        Samples taken from the source and processed: those yielded and ``unread``.
    n_failed
        Samples whose step failed: their results hold the error.
    """

    def __init__(self, source: AsyncIterable | Iterable, model: Any, learn: bool = True) -> None:
        self.model = model
        self.learn = learn
        self.unread: list[Result] = []
        self.n_processed = self.n_failed = 0
        self._source = source
        self._async_items: AsyncIterator | None = None  # the source's, made on first use
        self._items: Iterator | None = None
        self._worker = Worker()
        self._busy = self._stopped = False
        weakref.finalize(self, self._worker.release)  # dropped unclosed: its thread ends now

    @property
    def lock(self) -> threading.Lock:
        """Held by the worker through each step: hold it to see the model between two steps."""
        return self._worker.lock

    async def __aenter__(self) -> Detection:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.aclose()

    async def __anext__(self) -> Result:
        if self._busy:
            raise RuntimeError("this Detection is being iterated by another task")
        if self._stopped:
            raise StopAsyncIteration
        if self.unread:
            return self.unread.pop(0)
        self._busy = True
        try:
            return await self._next()
        except BaseException:  # ended, failed or cancelled: no thread waits for a next step
            self._worker.release()
            raise
        finally:
            self._busy = False

    async def aclose(self) -> None:
        """Stop: read nothing more from the source and end the worker thread."""
        if self._busy:
            raise RuntimeError(
                "aclose(): this Detection is being iterated by another task; cancel that task"
            )
        self._stopped = True
        self._worker.release()

    async def save(self, path: Any, **options: Any) -> None:
        """Save the model (its ``save(path, **options)``) between two steps, off the loop."""
        await save_model(self._worker, self.model, path, **options)
        if self._stopped:
            self._worker.release()

    async def _next(self) -> Result:
        try:
            x, y = sample(await self._take())
        except asyncio.CancelledError:
            raise  # nothing was taken: iterating again goes on
        except BaseException:  # the source ended or failed, or gave what is not a sample
            self._stopped = True
            raise
        index = self.n_processed
        result, cancelled = await take_step(self._worker, self.model, index, x, y, self.learn)
        self.n_processed += 1
        self.n_failed += result.error is not None
        if cancelled:
            self.unread.append(result)
            raise asyncio.CancelledError
        return result

    async def _take(self) -> Any:
        """The source's next item (StopAsyncIteration at its end)."""
        if isinstance(self._source, AsyncIterable):
            if self._async_items is None:
                self._async_items = aiter(self._source)
            return await anext(self._async_items)
        if self._items is None:
            self._items = iter(self._source)
        try:
            return next(self._items)
        except StopIteration:
            raise StopAsyncIteration from None


def detect(
    source: AsyncIterable | Iterable,
    model: Any = None,
    *,
    threshold: Callable[[Any], Any] | None = None,
    learn: bool = True,
) -> Detection:
    """Score then learn each sample of ``source``, yielding a :class:`Result` per sample.

    ``source`` yields dicts ``x`` or pairs ``(x, y)``; an async iterable (a socket, a queue) or a
    plain one (read on the loop: keep it in memory). A sample is taken from ``source`` only when
    the next result is asked for, and its step runs off the loop, in a worker thread. A sample
    whose step fails yields a result holding the error and the stream goes on; an item that is
    not a sample ends the iteration with ``TypeError``, as an error raised by ``source`` does.

    However the consumer stops (``break``, an exception, a cancellation, ``aclose()``), every
    sample taken from ``source`` was processed once and its result yielded or kept in the
    returned :class:`Detection`'s ``unread``; nothing more is read from ``source``, and nothing
    is left running. ``model`` (None: a :class:`~streamad.Monitor`) and ``threshold`` are as in
    :class:`StreamDetector`; ``learn=False`` scores without learning.

    Examples
    --------
    >>> import asyncio, functools
    >>> from streamad import RollingDetector
    >>> from streamad.aio import detect
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
    return Detection(source, prepare(model, threshold), learn)
