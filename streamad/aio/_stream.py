"""StreamDetector: the push form of a stream, with one worker thread that runs the model."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from streamad.aio._result import Result, prepare, take_step
from streamad.aio._worker import Worker, save_model, settle

__all__ = ["StreamDetector"]


class StreamDetector:
    """Push samples with :meth:`submit`, read them scored from :meth:`results`.

    One worker thread runs the model (with as many torch threads as the thread that started the
    stream), one sample at a time in the order accepted; the event loop stays free. A sample
    whose step raises gets a :class:`Result` holding the error and the stream goes on.

    Backpressure: at most ``max_pending`` samples are accepted but not yet read from
    :meth:`results`; :meth:`submit` waits beyond that, as ``asyncio.Queue.put`` does, until a
    reader takes a result or the stream is stopped. So read the results in another task while
    submitting (as below); a reader that starts late gets every result, from the first.

    Stopping: :meth:`close` stops accepting and lets every accepted sample through (each is
    scored and learned exactly once; :meth:`results` yields them all). :meth:`abort` stops after
    the step in progress: that step completes and its result is delivered by :meth:`results`
    with those of the samples processed before; the samples accepted but not processed are
    returned (and kept in ``unprocessed``). So every accepted sample is either in
    :meth:`results` or in ``unprocessed``, exactly once; the samples whose results carry an
    error were not learned (see :class:`Result`). Once stopped, the stream has no task and its
    thread ends; ``async with`` stops it on leaving the block. (An open stream left idle keeps
    its task, but lets its thread go after half a second.)

    Saving: :meth:`save` saves the model between two samples, without blocking the loop. The
    worker runs each step holding ``lock``, so ``with stream.lock: model.save(path)`` is
    consistent too, from any thread (it waits for the step in progress, so from the loop it
    blocks it that long). A plain ``model.save(path)`` while the stream runs is not: it may
    catch the model in the middle of a step.

    Parameters
    ----------
    model
        A River anomaly detector, pipeline or threshold filter, or any object with
        ``score_one`` and ``learn_one`` (and optionally ``classify``, ``threshold``,
        ``feature_errors``); it is trained in place. None: a :class:`~streamad.Monitor`.
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
    >>> from streamad.aio import StreamDetector
    >>> async def main():
    ...     model = RollingDetector(window_size=4, hidden_size=4)
    ...     async with StreamDetector(model, max_pending=8) as stream:
    ...         async def produce():
    ...             for t in range(100):
    ...                 await stream.submit({"v": 9.0 if t == 70 else float(t % 2)})
    ...             stream.end_input()
    ...         producer = asyncio.create_task(produce())
    ...         scores = [r.score async for r in stream.results()]
    ...         await producer
    ...     return len(scores), [t for t, score in enumerate(scores) if score > 10]
    >>> asyncio.run(main())  # 100 > max_pending samples; the windows holding the spike stand out
    (100, [70, 71, 72, 73])
    """

    def __init__(
        self,
        model: Any = None,
        *,
        threshold: Callable[[Any], Any] | None = None,
        learn: bool = True,
        max_pending: int = 64,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self.model = prepare(model, threshold)
        self.learn = learn
        self.max_pending = max_pending
        self.n_accepted = self.n_processed = self.n_failed = 0
        self.unprocessed: list[tuple[dict, Any]] = []  # set by abort()
        self._pending: deque[tuple[int, dict, Any]] = deque()  # accepted, not yet processed
        self._done: deque[Result] = deque()  # processed, not yet read
        self._n_read = 0
        self._closed = self._aborted = self._finished = False
        self._error: BaseException | None = None
        self._pump: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self._worker = Worker()

    @property
    def lock(self) -> threading.Lock:
        """Held by the worker through each step: hold it to see the model between two steps."""
        return self._worker.lock

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
        if self._pump is not None or self._finished:
            return
        self._pump = asyncio.get_running_loop().create_task(self._run())

    async def submit(self, x: Mapping, y: Any = None) -> None:
        """Accept sample ``x`` (label ``y``); waits while ``max_pending`` results are unread."""
        if not isinstance(x, Mapping):
            raise TypeError(f"a sample must be a dict, not {x!r:.80}")
        if self._error is not None:
            raise RuntimeError("the detector failed; see results()") from self._error
        if self._closed:
            raise RuntimeError("this stream is closed: it accepts no more samples")
        self.start()
        while self.n_accepted - self._n_read >= self.max_pending:
            await self._changed.wait()  # a reader, however late, makes room
            if self._closed:
                raise RuntimeError("this stream was closed before the sample could be accepted")
        self._pending.append((self.n_accepted, dict(x), y))
        self.n_accepted += 1
        self._notify()

    def end_input(self) -> None:
        """Accept no more samples; :meth:`results` ends after the last accepted one."""
        self._closed = True
        if self._pump is None:
            self._finished = True  # nothing was accepted
        self._notify()

    async def close(self) -> None:
        """Accept no more samples and wait until every accepted one is processed."""
        self.end_input()
        if self._pump is not None:
            await asyncio.wait([self._pump])  # a cancelled close() leaves the worker running on

    async def abort(self) -> list[tuple[dict, Any]]:
        """Stop after the step in progress; returns the ``(x, y)`` accepted but not processed.

        The step in progress completes even if this call is cancelled meanwhile (it then raises
        ``CancelledError`` once the worker has stopped; ``unprocessed`` holds the samples).
        """
        self._aborted = True  # the worker stops after its step in progress
        self.end_input()
        cancelled = await settle(self._pump) if self._pump is not None else False
        left = [(x, y) for _, x, y in self._pending]
        self._pending.clear()
        self.unprocessed.extend(left)
        if cancelled:
            raise asyncio.CancelledError
        return left

    async def results(self) -> AsyncIterator[Result]:
        """Results in the order the samples were accepted, until the input ends or an abort."""
        self.start()
        while (result := await self._next()) is not None:
            yield result

    async def save(self, path: Any, **options: Any) -> None:
        """Save the model (its ``save(path, **options)``) between two steps, off the loop.

        It waits for the step in progress and runs before the next; a stream that is stopped,
        or not started, saves all the same. ``options`` go to the model's ``save`` as they are.
        """
        await save_model(self._worker, self.model, path, **options)
        if self._finished or self._pump is None:
            self._worker.release()

    # -- Internals ----------------------------------------------------------------------------
    def _notify(self) -> None:
        """Wake everything waiting for a change (a sample accepted, processed or read)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _next(self) -> Result | None:
        """The next result, once it is ready; None when there will be none."""
        while not self._done:
            if self._finished:
                if self._error is not None:
                    raise RuntimeError("the detector failed") from self._error
                return None
            await self._changed.wait()
        self._n_read += 1
        self._notify()
        return self._done.popleft()

    async def _run(self) -> None:
        try:
            while True:
                while not (self._pending or self._closed):
                    await self._changed.wait()
                if self._aborted or not self._pending:
                    return
                index, x, y = self._pending.popleft()
                step = take_step(self._worker, self.model, index, x, y, self.learn)
                result, cancelled = await step  # the step completes: the model stays whole
                self._done.append(result)
                self.n_failed += result.error is not None
                self.n_processed += 1
                self._notify()
                if cancelled:
                    raise asyncio.CancelledError
        except Exception as error:  # the machinery failed, not a sample: results() raises it
            self._error = error
            self._closed = True
        finally:
            self._finished = True
            self._notify()
            self._worker.release()
