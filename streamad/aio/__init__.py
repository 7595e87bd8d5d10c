"""asyncio: detect anomalies in a stream without blocking the event loop.

Model steps (score, alarm, learn) run in one worker thread per stream, so a stream's order is
kept and the loop stays free. :func:`detect` turns an async (or plain) iterable of samples into
an async iterator of :class:`Result` (a :class:`Detection`) that takes a sample from its source
only to process it, so stopping it in any way (``break``, an exception, a cancellation,
``aclose()``) loses no sample and leaves nothing running. :class:`StreamDetector` is the push
form: ``submit(x)`` while another task reads ``results()``; at most ``max_pending`` samples are
accepted but not yet read back (``submit`` waits beyond that, for a reader however late), and
stopping it returns what was accepted but not processed. A sample that makes the model raise
gets a result holding the error; the stream goes on. Both save their model between two samples
(``await stream.save(path)``) and run each step holding ``stream.lock``.
"""

from __future__ import annotations

from streamad.aio._detect import Detection, detect
from streamad.aio._result import Result
from streamad.aio._stream import StreamDetector

__all__ = ["Detection", "Result", "StreamDetector", "detect"]
