"""A feed of lines sent to a TCP port: one sender at a time, one stream across connections."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

from streamad.feeds.lines import MAX_LINE, CountedLines, Line, LineBuffer

__all__ = ["TCPFeed"]


class TCPFeed(CountedLines):
    """Listen on ``host:port`` and read lines from each sender in turn.

    The lines of successive connections make one stream, counted across them: a sender that
    reconnects after a restart and sends the stream again from its start is resumed by
    skipping the lines a checkpoint has learned (``skip``). A connection's unfinished last line
    is passed on when it closes. Only one sender is read at a time; the next waits in the
    listen queue.

    Parameters
    ----------
    host
        The address to listen on: 127.0.0.1 (this machine only) unless you mean otherwise.
    port
        The port; 0 picks a free one (see :attr:`address`).
    skip, poll, max_line
        As for :class:`~streamad.feeds.StreamFeed`.

    Examples
    --------
    >>> import socket
    >>> from streamad.feeds import TCPFeed
    >>> feed = TCPFeed(port=0)
    >>> sender = socket.create_connection(feed.address)
    >>> sender.sendall(b"a,b\\n1,2\\n"); sender.close()
    >>> lines = iter(feed)
    >>> next(lines), next(lines).position
    (Line(text='a,b', position={'lines': 1}), {'lines': 2})
    >>> feed.close()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        skip: int = 0,
        poll: float = 0.2,
        max_line: int = MAX_LINE,
    ) -> None:
        self.host = host
        self.port = port
        self.skip = skip
        self.poll = poll
        self.max_line = max_line
        self.lines = 0
        self.notes: list[str] = []
        self._server = socket.create_server((host, port), reuse_port=False)
        self._server.setblocking(False)

    @property
    def address(self) -> tuple[str, int]:
        """The address listened on, the port picked included."""
        host, port = self._server.getsockname()[:2]
        return host, port

    def __repr__(self) -> str:
        host, port = self.address
        return f"tcp {host}:{port}"

    def close(self) -> None:
        """Stop listening."""
        self._server.close()

    def _connection(self, conn: socket.socket) -> Iterator[Line | None]:
        buffer = LineBuffer(self.max_line)
        with conn:
            while True:
                ready, _, _ = select.select([conn], [], [], self.poll)
                if not ready:
                    yield None
                    continue
                try:
                    data = conn.recv(1 << 16)
                except ConnectionError:
                    data = b""
                yield from self._lines(buffer, data)
                if not data:
                    return

    def __iter__(self) -> Iterator[Line | None]:
        try:
            while True:
                ready, _, _ = select.select([self._server], [], [], self.poll)
                if not ready:
                    yield None
                    continue
                try:
                    conn, peer = self._server.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(True)
                self.notes.append(f"sender {peer[0]}:{peer[1]} connected")
                yield from self._connection(conn)
                self.notes.append(f"sender {peer[0]}:{peer[1]} closed the connection")
        finally:
            self.close()
