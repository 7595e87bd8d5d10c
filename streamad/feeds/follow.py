"""Follow a file as it grows, like ``tail -F``: through rotation, truncation and restarts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from streamad.feeds.lines import MAX_LINE, Line, LineBuffer, decode

__all__ = ["FollowFile"]


class FollowFile:
    """The lines of a file, then each line appended to it, for as long as it is iterated.

    - **Growth**: new complete lines are read every ``poll`` seconds; an unfinished last line
      waits for its newline.
    - **Rotation** (the file renamed away and a new one created under ``path``): the old file
      is read to its end, its unfinished last line included, then the new file from its start.
    - **Truncation** (``copytruncate``, or the file rewritten shorter): reading starts again
      from the file's start.
    - **Resume**: ``offset`` and ``inode`` from a line's position continue right after that
      line; a file that was rotated or truncated meanwhile is read from its start.

    Each of these is told in :attr:`notes` (the caller writes them out). A missing file is
    waited for. The position after a line is ``{"path", "inode", "offset", "lines"}``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.feeds import FollowFile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "feed.csv"
    >>> _ = path.write_text("a\\n1\\n2")
    >>> lines = iter(FollowFile(path, poll=0.01))
    >>> next(lines).text, next(lines).position["offset"], next(lines)
    ('a', 4, None)
    >>> with open(path, "a") as f:
    ...     _ = f.write("5\\n")
    >>> next(lines).text
    '25'
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        offset: int = 0,
        inode: int | None = None,
        lines: int = 0,
        poll: float = 0.2,
        max_line: int = MAX_LINE,
    ) -> None:
        self.path = Path(path)
        self.offset = offset
        self.inode = inode
        self.lines = lines
        self.poll = poll
        self.max_line = max_line
        self.notes: list[str] = []

    def __repr__(self) -> str:
        return f"file {self.path}"

    @property
    def position(self) -> dict[str, Any]:
        """Where the feed stands: right after the last line yielded."""
        return {
            "path": str(self.path),
            "inode": self.inode,
            "offset": self.offset,
            "lines": self.lines,
        }

    def _open(self) -> IO[bytes] | None:
        try:
            f = open(self.path, "rb")  # noqa: SIM115 (kept open while followed)
        except FileNotFoundError:
            return None
        stat = os.fstat(f.fileno())
        if self.inode is not None and stat.st_ino != self.inode:
            if self.offset:
                self.notes.append(f"{self.path} is a new file: reading it from its start")
            self.offset = 0
        elif stat.st_size < self.offset:
            self.notes.append(f"{self.path} is shorter than before: reading it from its start")
            self.offset = 0
        self.inode = stat.st_ino
        f.seek(self.offset)
        return f

    def _lines(self, data: bytes, buffer: LineBuffer) -> Iterator[Line]:
        for text, size in buffer.feed(data):
            self.offset += size
            self.lines += 1
            yield Line(decode(text), self.position)

    def _replaced(self, f: IO[bytes]) -> bool:
        """Whether ``path`` now names another file than ``f`` (rotated away or deleted)."""
        try:
            return os.stat(self.path).st_ino != os.fstat(f.fileno()).st_ino
        except FileNotFoundError:
            return True

    def __iter__(self) -> Iterator[Line | None]:
        buffer = LineBuffer(self.max_line)
        f = None
        try:
            while True:
                if f is None and (f := self._open()) is None:
                    time.sleep(self.poll)
                    yield None
                    continue
                data = f.read(1 << 16)
                if data:
                    yield from self._lines(data, buffer)
                    continue
                if self._replaced(f):  # the old file is read to its end: go on with the new one
                    yield from self._lines(f.read(), buffer)
                    text, size = buffer.rest()
                    if size:
                        self.offset += size
                        self.lines += 1
                        yield Line(decode(text), self.position)
                    self.notes.append(f"{self.path} was rotated or removed: reading the new file")
                    f.close()
                    f, self.offset, self.inode = None, 0, None
                    continue
                if os.fstat(f.fileno()).st_size < f.tell():
                    self.notes.append(f"{self.path} was truncated: reading it from its start")
                    buffer.rest()
                    self.offset = 0
                    f.seek(0)
                    continue
                time.sleep(self.poll)
                yield None
        finally:
            if f is not None:
                f.close()
