"""Worker: the one thread that runs a stream's model, one call at a time, in order."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any

import torch

__all__ = ["LINGER", "Worker", "save_model", "settle"]

LINGER = 0.5  # seconds a worker's thread waits idle for its next call before it ends


async def settle(awaitable: asyncio.Future) -> bool:
    """Wait until ``awaitable`` is done, whatever cancellations arrive; True if one did."""
    cancelled = False
    while not awaitable.done():
        try:
            await asyncio.wait([awaitable])
        except asyncio.CancelledError:
            cancelled = True
    return cancelled


class Worker:
    """Runs calls one at a time, in the order given, in a thread of its own.

    The thread starts with the first call and ends once :meth:`release` is called or after
    ``linger`` seconds without a call (a later call starts another), so a stream left idle,
    closed or forgotten holds no thread. It runs with as many torch threads as the thread that
    made the worker. Each call runs holding ``lock``: whoever holds it, from any thread, sees
    the model between two calls (hold it briefly, and never across an ``await``).

    Examples
    --------
    >>> import asyncio
    >>> from streamad.aio._worker import Worker
    >>> async def main():
    ...     worker = Worker()
    ...     result, cancelled = await worker.call(sum, [1, 2, 3])
    ...     worker.release()
    ...     return result, cancelled
    >>> asyncio.run(main())
    (6, False)
    """

    def __init__(self, name: str = "streamad-detector", linger: float = LINGER) -> None:
        self.name = name
        self.linger = linger
        self.lock = threading.Lock()
        self._torch_threads = torch.get_num_threads()
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._guard = threading.Lock()  # a call given as the thread ends starts another
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        """Queue ``fn(*args)``; its future."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._guard:
            self._calls.put((future, fn, args))
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.name)
                self._thread.start()
        return future

    async def call(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, bool]:
        """``fn(*args)`` in the thread, awaited to its end even if cancelled meanwhile.

        Returns its result and whether a cancellation arrived, for the caller to raise once it
        has kept the result; what ``fn`` raised is raised.
        """
        future = asyncio.wrap_future(self.submit(fn, *args))
        cancelled = await settle(future)
        return future.result(), cancelled

    def release(self) -> None:
        """End the thread once the calls given so far are done (any thread may call this)."""
        with self._guard:
            if self._thread is not None:
                self._calls.put(None)

    def _serve(self) -> None:
        torch.set_num_threads(self._torch_threads)
        while True:
            try:
                item = self._calls.get(timeout=self.linger)
            except queue.Empty:
                item = None
            if item is None:  # idle for a while, or released
                with self._guard:
                    if self._calls.empty():
                        self._thread = None
                        return
                continue
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with self.lock:
                    result = fn(*args)
            except BaseException as error:  # the caller raises it
                future.set_exception(error)
            else:
                future.set_result(result)


async def save_model(worker: Worker, model: Any, path: Any, **options: Any) -> None:
    """``model.save(path, **options)`` run by ``worker``: between two of the steps it runs."""
    save = getattr(model, "save", None)
    if not callable(save):
        raise TypeError(
            f"cannot save a {type(model).__name__}: it has no save(path) "
            "(a Monitor or a RollingDetector has one)"
        )
    _, cancelled = await worker.call(functools.partial(save, path, **options))
    if cancelled:
        raise asyncio.CancelledError
