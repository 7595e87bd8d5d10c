"""asyncio: detect anomalies in a stream without blocking the event loop.

Model steps (score, alarm, learn) run in one worker thread per stream, so a stream's order is
kept and the loop stays free. :func:`detect` turns an async (or plain) iterable of samples into
an async iterator of :class:`Result` (a :class:`Detection`); :class:`StreamDetector` is the push
form: ``submit(x)`` while another task reads ``results()``. At most ``max_pending`` samples are
accepted but not yet read back: ``submit`` waits beyond that (backpressure), for a reader
however late. A sample that makes the model raise gets a result holding the error; the stream
goes on. Stopping early never drops a sample: the step in progress completes, and what was
accepted but not processed is returned.
"""

from __future__ import annotations

from streamad.aio._detect import Detection, detect
from streamad.aio._result import Result
from streamad.aio._stream import StreamDetector

__all__ = ["Detection", "Result", "StreamDetector", "detect"]
