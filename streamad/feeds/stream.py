"""A feed of lines from a pipe or any readable file descriptor (standard input by default)."""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Iterator

from streamad.feeds.lines import MAX_LINE, CountedLines, Line, LineBuffer

__all__ = ["StreamFeed"]


class StreamFeed(CountedLines):
    """Lines from a file descriptor, read as they come, with a tick every ``poll`` seconds.

    The position of a line is the number of lines read up to and including it, so a sender
    that sends the stream again from its start can be resumed by skipping that many lines
    (``skip``). The feed ends at end of file; an unfinished last line is passed on then.

    Parameters
    ----------
    fd
        The file descriptor (default: standard input's).
    skip
        Lines to read and drop first (those a checkpoint has already learned).
    poll
        Seconds between ticks (None yielded) while nothing arrives.
    max_line
        Longest line passed on, in bytes (see :class:`~streamad.feeds.lines.LineBuffer`).

    Examples
    --------
    >>> import os
    >>> from streamad.feeds import StreamFeed
    >>> read, write = os.pipe()
    >>> _ = os.write(write, b"a\\nb\\nc"); os.close(write)
    >>> [line for line in StreamFeed(read, skip=1) if line is not None]
    [Line(text='b', position={'lines': 2}), Line(text='c', position={'lines': 3})]
    """

    def __init__(
        self, fd: int | None = None, skip: int = 0, poll: float = 0.2, max_line: int = MAX_LINE
    ) -> None:
        self.fd = sys.stdin.fileno() if fd is None else fd
        self.skip = skip
        self.poll = poll
        self.max_line = max_line
        self.lines = 0

    def __repr__(self) -> str:
        return "standard input" if self.fd == 0 else f"file descriptor {self.fd}"

    def __iter__(self) -> Iterator[Line | None]:
        buffer = LineBuffer(self.max_line)
        while True:
            ready, _, _ = select.select([self.fd], [], [], self.poll)
            if not ready:
                yield None
                continue
            data = os.read(self.fd, 1 << 16)
            yield from self._lines(buffer, data)
            if not data:
                return
