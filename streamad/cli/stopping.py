"""Stop a run cleanly: on a signal, or when the source fails, between two samples."""

from __future__ import annotations

import signal
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any

__all__ = ["Reader", "StopOnSignal"]


class StopOnSignal:
    """A context in which ``signals`` (default: Ctrl-C) only ask the run to stop.

    The first one sets :attr:`signum` (call the object: is a stop asked?); the next of the
    same kind acts as it would have without this context (a second Ctrl-C interrupts at once).
    The handlers in place before are restored on exit.
    """

    def __init__(self, signals: tuple[int, ...] = (signal.SIGINT,)) -> None:
        self.signals = signals
        self.signum: int | None = None
        self._before: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        signal.signal(signum, self._before[signum])

    def __call__(self) -> bool:
        return self.signum is not None

    def __enter__(self) -> StopOnSignal:
        for signum in self.signals:
            self._before[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._before.items():
            signal.signal(signum, handler)


class Reader:
    """Iterates ``source`` until it ends, fails (kept in :attr:`error`) or ``stop()`` is true.

    Handed to the prequential loop in place of the source, so that a bad row or Ctrl-C ends
    the loop as the end of the stream would, and the report of what was read is still made.
    """

    def __init__(self, source: Iterable, stop: Any = None) -> None:
        self.source = source
        self.stop = stop or (lambda: False)
        self.error: Exception | None = None
        self.stopped = False
        self.n_read = 0
        self.n_samples = getattr(source, "n_samples", None)

    def __repr__(self) -> str:
        return repr(self.source)

    def __iter__(self) -> Iterator[Any]:
        try:
            items = iter(self.source)
        except Exception as error:
            self.error = error
            return
        try:
            while not (stopped := self.stop()):
                try:
                    item = next(items)
                except StopIteration:
                    return
                except Exception as error:
                    self.error = error
                    return
                self.n_read += 1
                yield item
            self.stopped = stopped
        finally:
            close = getattr(items, "close", None)
            if callable(close):
                close()  # the source's open file, at once
