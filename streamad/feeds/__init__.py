"""Live sources for ``streamad watch``: lines from a pipe, a followed file or a TCP port.

Every feed is an iterator of :class:`Line` (the text and the feed position right after it) or
None (a tick: nothing came within the poll interval). A position is plain data from which the
feed resumes after a restart; :class:`Positions` keeps it beside a monitor's checkpoint so that
a crash at any point loses no sample and scores none twice. :class:`RecordParser` turns lines
(CSV rows under a header, or JSON objects) into samples. Only the standard library is used.
"""

from streamad.feeds.follow import FollowFile
from streamad.feeds.lines import MAX_LINE, Line, LineBuffer
from streamad.feeds.position import PositionError, Positions, sidecar
from streamad.feeds.records import BadRecord, Record, RecordParser, Schema
from streamad.feeds.stream import StreamFeed
from streamad.feeds.tcp import TCPFeed

__all__ = [
    "MAX_LINE",
    "BadRecord",
    "FollowFile",
    "Line",
    "LineBuffer",
    "PositionError",
    "Positions",
    "Record",
    "RecordParser",
    "Schema",
    "StreamFeed",
    "TCPFeed",
    "sidecar",
]
