"""detect: an async iterator of results over a source of samples, with nothing taken lost."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from streamad.aio._result import Result
from streamad.aio._stream import StreamDetector, settle

__all__ = ["Detection", "detect"]


def sample(item: Any) -> tuple[dict, Any]:
    """``(x, y)`` from a source's item: a dict ``x`` or a pair ``(x, y)``."""
    if isinstance(item, Mapping):
        return dict(item), None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Mapping):
        return dict(item[0]), item[1]
    raise TypeError(f"a sample must be a dict x or a pair (x, y), not {item!r:.80}")


async def _offer(item: Any, stream: StreamDetector, hand: list) -> None:
    hand.append(sample(item))  # taken from the source: in hand until the stream accepts it
    await stream.submit(*hand[0])
    hand.clear()


async def _feed(source: AsyncIterable | Iterable, stream: StreamDetector, hand: list) -> None:
    try:
        if isinstance(source, AsyncIterable):
            async for item in source:
                await _offer(item, stream, hand)
        else:
            for item in source:
                await _offer(item, stream, hand)
                await asyncio.sleep(0)  # a plain iterable: let the loop breathe between samples
    finally:
        stream.end_input()


def _abandon(loop: asyncio.AbstractEventLoop, feeder: asyncio.Task, stream: StreamDetector):
    """Stop what a Detection dropped unclosed left running, as an async generator is stopped."""

    def stop() -> None:
        feeder.cancel()
        stream._halt()

    if not loop.is_closed():
        loop.call_soon_threadsafe(stop)


class Detection(AsyncIterator[Result]):
    """The results of :func:`detect` as they come: an async iterator of :class:`Result`.

    Use it in ``async for``, or as ``async with detect(...) as results:`` to stop it on leaving
    the block (``aclose()`` does the same).

    Stopping early: when the consuming task is cancelled while it waits for a result, or on
    ``aclose()`` (after a ``break`` in ``async with``), the step in progress completes and
    nothing more is processed or read from the source. Then ``unread`` holds the results
    processed but not yielded (the step in progress's among them) and ``unprocessed`` the
    samples taken from the source but not processed, as ``(x, y)`` pairs in source order: what
    was yielded, ``unread`` and ``unprocessed`` together are exactly the samples taken from the
    source. A Detection dropped unclosed (a bare ``break``) is stopped the same way when it is
    garbage collected, as an async generator is, its leftovers unseen.

    Attributes
    ----------
    stream
        The :class:`StreamDetector` doing the work (``n_processed``, ``n_failed``, ``model``).
    unread
        Results processed but not yielded, once it stopped early.
    unprocessed
        Samples taken from the source but not processed, once it stopped early.
    """

    def __init__(self, source: AsyncIterable | Iterable, stream: StreamDetector) -> None:
        self.stream = stream
        self.unread: list[Result] = []
        self.unprocessed: list[tuple[dict, Any]] = []
        self._source = source
        self._hand: list[tuple[dict, Any]] = []
        self._feeder: asyncio.Task | None = None
        self._finalizer: weakref.finalize | None = None
        self._stopped = False

    async def __aenter__(self) -> Detection:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.aclose()

    async def __anext__(self) -> Result:
        if self._stopped:
            raise StopAsyncIteration
        if self._feeder is None:
            self._start()
        try:
            result = await self.stream._next()
        except BaseException:  # cancelled, or the machinery failed: account for every sample
            await self.aclose()
            raise
        if result is not None:
            return result
        assert self._feeder is not None
        self._release()
        await self._feeder  # every result read: raise what the source raised, if anything
        raise StopAsyncIteration

    async def aclose(self) -> None:
        """Stop after the step in progress; fill ``unread`` and ``unprocessed``."""
        if self._stopped or self._feeder is None:
            self._stopped = True
            return
        self._release()
        self._feeder.cancel()
        cancelled = await settle(self._feeder)
        if not self._feeder.cancelled():
            self._feeder.exception()  # the consumer stopped first: the source's error is moot
        try:
            await self.stream.abort()
        except asyncio.CancelledError:
            cancelled = True  # abort() completed its work all the same
        self.unprocessed = [*self.stream.unprocessed, *self._hand]
        self.unread = self.stream._take_unread()
        if cancelled:
            raise asyncio.CancelledError

    def _start(self) -> None:
        stream = self.stream
        stream.start()
        loop = asyncio.get_running_loop()
        self._feeder = feeder = loop.create_task(_feed(self._source, stream, self._hand))
        self._finalizer = weakref.finalize(self, _abandon, loop, feeder, stream)

    def _release(self) -> None:
        self._stopped = True
        if self._finalizer is not None:
            self._finalizer.detach()


def detect(
    source: AsyncIterable | Iterable,
    model: Any = None,
    *,
    threshold: Callable[[Any], Any] | None = None,
    learn: bool = True,
    max_pending: int = 64,
) -> Detection:
    """Score then learn each sample of ``source``, yielding a :class:`Result` per sample.

    ``source`` yields dicts ``x`` or pairs ``(x, y)``; an async iterable (a socket, a queue) or a
    plain one (read on the loop: keep it in memory). The model runs off the loop, in one worker
    thread; reading ``source`` is paused while ``max_pending`` results are unread. A sample
    whose step fails yields a result holding the error and the stream goes on; an item that is
    not a sample ends the iteration with ``TypeError``, as an error raised by ``source`` does,
    after the results of the samples before it.

    When the consumer stops early (cancellation, ``aclose()``), the step in progress completes
    and nothing else is processed or read: the model stays consistent, and the returned
    :class:`Detection` keeps what was taken from the source but not yielded (``unread``,
    ``unprocessed``). Parameters are those of :class:`StreamDetector`.

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
    ...     return [r async for r in detect(samples(), model, threshold=sigma, max_pending=8)]
    >>> results = asyncio.run(main())
    >>> [(r.index, r.alarm.features[0]) for r in results if r.is_alarm]
    [(55, 'b')]
    >>> print(results[55].alarm)
    ALARM score 11.3 > threshold 2.04: b 94%, a 6%
    """
    stream = StreamDetector(model, threshold=threshold, learn=learn, max_pending=max_pending)
    return Detection(source, stream)
