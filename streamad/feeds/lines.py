"""What every feed yields: complete lines of text with the feed position after each one.

A feed is an iterator of :class:`Line` or None. None is a tick: nothing arrived within the
poll interval, so that the caller can write a status line, notice a stop request, or give up
after an idle time, without threads. :class:`LineBuffer` cuts raw bytes into lines and cuts
lines longer than ``max_line`` short, so that a runaway sender cannot exhaust the memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

__all__ = ["MAX_LINE", "Line", "LineBuffer", "decode"]

#: Longest line a feed passes on, in bytes; a longer one arrives as ``Line(None, ...)``.
MAX_LINE = 1 << 20


class Line(NamedTuple):
    """A line of text without its newline (None: too long, dropped) and the position after it.

    ``position`` is plain data (:mod:`json`-ready) from which the feed can resume right after
    this line: ``{"lines": n}`` for a stream, with ``"offset"`` and ``"inode"`` for a file.
    """

    text: str | None
    position: dict[str, Any]


class LineBuffer:
    """Bytes in, complete lines out; a line over ``max_line`` bytes comes out as None.

    Examples
    --------
    >>> from streamad.feeds.lines import LineBuffer
    >>> buffer = LineBuffer(max_line=8)
    >>> buffer.feed(b"a,b\\n1,2\\r\\n12345")
    [(b'a,b', 4), (b'1,2', 5)]
    >>> buffer.feed(b"6789\\n3")
    [(None, 10)]
    >>> buffer.rest()
    (b'3', 1)
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._pending = bytearray()
        self._size = 0  # bytes of the current line seen, the dropped part of a long one included
        self._dropping = False

    def feed(self, data: bytes) -> list[tuple[bytes | None, int]]:
        """The lines ``data`` completes, each with its size in bytes (newline included)."""
        out: list[tuple[bytes | None, int]] = []
        start = 0
        while True:
            end = data.find(b"\n", start)
            piece = data[start:] if end < 0 else data[start:end]
            self._size += len(piece)
            if not self._dropping:
                self._pending += piece
                if len(self._pending) > self.max_line:
                    self._pending.clear()
                    self._dropping = True
            if end < 0:
                return out
            line = None if self._dropping else bytes(self._pending).removesuffix(b"\r")
            out.append((line, self._size + 1))
            self._pending.clear()
            self._size = 0
            self._dropping = False
            start = end + 1

    def rest(self) -> tuple[bytes | None, int]:
        """The unfinished last line (None if too long) and its size; the buffer is emptied."""
        line = None if self._dropping else bytes(self._pending).removesuffix(b"\r")
        size = self._size
        self._pending.clear()
        self._size = 0
        self._dropping = False
        return line, size


class CountedLines:
    """What a line feed counted from its start shares: ``lines`` read so far and the first
    ``skip`` of them dropped (those a checkpoint has already learned)."""

    lines: int
    skip: int

    @property
    def position(self) -> dict[str, int]:
        """Where the feed stands: lines read so far (the skipped ones included)."""
        return {"lines": self.lines}

    def _lines(self, buffer: LineBuffer, data: bytes) -> Iterator[Line]:
        """The lines ``data`` completes in ``buffer``; at the end (``data`` empty), the
        unfinished last line, if any. Lines already learned (``skip``) are dropped."""
        pieces = buffer.feed(data) if data else [rest for rest in [buffer.rest()] if rest[1]]
        for text, _ in pieces:
            if (line := self._line(text)) is not None:
                yield line

    def _line(self, text: bytes | None) -> Line | None:
        """The next line, or None while it is one of the ``skip`` lines already learned."""
        self.lines += 1
        if self.lines <= self.skip:
            return None
        return Line(decode(text), {"lines": self.lines})


def decode(line: bytes | None) -> str | None:
    """UTF-8 text of a line (undecodable bytes replaced), or None for a dropped line."""
    return None if line is None else line.decode("utf-8", errors="replace")
