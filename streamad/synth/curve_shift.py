"""Early-warning relabelling of a stream: the samples before each event become the positives."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from streamad.datasets.base import Sample

__all__ = ["curve_shift"]


def curve_shift(stream: Iterable[Sample], shift: int) -> Iterator[Sample]:
    """Label 1 the `shift` samples before each event (y = 1) and drop the event samples.

    This is the `curve_shift` of the rare-event classification example (LSTM autoencoder for
    rare-event classification, called there with `shift_by=-shift`): the label column is shifted
    up by 1 to `shift` rows and summed, so a row is positive when an event lies among the `shift`
    rows after it (counting rows later dropped); then the original event rows are removed. A
    detector trained on the result learns to warn before the event. Samples without a later event
    within reach, including the last ones of the stream, keep label 0.

    It is a streaming transform: it holds at most `shift` samples back and yields each once its
    label is final. It reads `stream` once (a generator, like River's stream utilities).

    Parameters
    ----------
    stream
        `(x, y)` pairs with labels 0/1 (or booleans); None labels raise `ValueError`.
    shift
        How many samples ahead of an event to label 1 (0 only drops the events).

    Examples
    --------
    >>> from streamad.synth import curve_shift
    >>> stream = [({"v": float(i)}, int(i in (4, 7, 8))) for i in range(10)]
    >>> [(x["v"], y) for x, y in curve_shift(stream, shift=2)]
    [(0.0, 0), (1.0, 0), (2.0, 1), (3.0, 1), (5.0, 1), (6.0, 1), (9.0, 0)]

    """
    if isinstance(shift, bool) or not isinstance(shift, int) or shift < 0:
        raise ValueError(f"shift must be an integer >= 0, not {shift!r}")
    return _curve_shift(stream, shift)


def _curve_shift(stream: Iterable[Sample], shift: int) -> Iterator[Sample]:
    pending: deque[list | None] = deque()  # the last `shift` rows; None for a dropped event row
    for position, (x, y) in enumerate(stream):
        if y is None:
            raise ValueError(f"sample {position} has no label: curve_shift needs 0/1 labels")
        if shift == 0:
            if not y:
                yield x, 0
            continue
        if y:  # `pending` holds the `shift` rows before this one
            for row in pending:
                if row is not None:
                    row[1] = 1
        if len(pending) == shift:  # the oldest row is beyond reach of any later event
            oldest = pending.popleft()
            if oldest is not None:
                yield oldest[0], oldest[1]
        pending.append(None if y else [x, 0])
    for row in pending:
        if row is not None:
            yield row[0], row[1]
