"""Text to samples: the cells of a CSV row or the fields of a JSON line as ``(x, y, time)``.

Parsing is stateless apart from the header, and never imputes: an unusable value becomes NaN
(missing), which :class:`~streamad.Monitor`'s input policy imputes and reports. Text that is
not a number raises :class:`BadRecord` naming the field, so that a caller can reject the line.
A number too large for a float (``1e400``, or a JSON integer of 400 digits) is infinite, which
the Monitor imputes as it does NaN.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from streamad._quote import quote, quote_list

__all__ = [
    "LABEL_NAMES",
    "MISSING",
    "TIME_NAMES",
    "BadRecord",
    "Record",
    "RecordParser",
    "Schema",
    "cell",
    "label_value",
]

#: Spellings of a missing value (compared lower-case, stripped); ``nan`` and ``inf`` parse too.
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "nil", "-", "?"})
#: Column names taken as the 0/1 label when no label is named (compared lower-case).
LABEL_NAMES = (
    "is_anomaly",
    "anomaly",
    "is_anomalous",
    "anomalous",
    "label",
    "labels",
    "is_outlier",
    "outlier",
    "attack",
    "class",
)
#: Column names taken as the sample's time (compared lower-case): never features.
TIME_NAMES = ("timestamp", "time", "datetime", "date", "ts")
_LABELS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


class BadRecord(ValueError):
    """A line that cannot become a sample; the message names the field."""


class Record(NamedTuple):
    """One sample: features, the 0/1 label (None when unlabelled), and its time (or None)."""

    x: dict[str, float]
    y: int | None
    time: str | None


def cell(text: str, name: str) -> float:
    """A cell as a float: NaN when missing (see :data:`MISSING`); ``BadRecord`` for other text.

    Examples
    --------
    >>> from streamad.feeds.records import cell
    >>> cell(" 2.5", "cpu"), cell("", "cpu"), cell("inf", "cpu")
    (2.5, nan, inf)
    >>> cell("high", "cpu")
    Traceback (most recent call last):
    ...
    streamad.feeds.records.BadRecord: column 'cpu': 'high' is not a number
    """
    try:
        return float(text)
    except ValueError:
        if text.strip().lower() in MISSING:
            return math.nan
        raise BadRecord(f"column {quote(name)}: {quote(text)} is not a number") from None


def label_value(value: Any, name: str) -> int:
    """A label as 0 or 1 (``0``, ``1``, ``0.0``, ``1.0``, ``true``, ``false``)."""
    y = _LABELS.get(str(value).strip().lower())
    if y is None:
        raise BadRecord(f"label column {quote(name)}: {quote(value)} is not 0 or 1")
    return y


def _float(value: int | float) -> float:
    """``value`` as a float; a JSON integer too large for one is infinite, as ``1e400`` is."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _pick(names: Sequence[str], wanted: Sequence[str]) -> str | None:
    lower = {name.lower(): name for name in names}
    return next((lower[w] for w in wanted if w in lower), None)


@dataclass
class Schema:
    """Which fields are the label, the time and the features; ``notes`` says what was guessed.

    ``label`` and ``time`` are a field name, None (none) or ``"auto"`` (a field named as in
    :data:`LABEL_NAMES` / :data:`TIME_NAMES`, if any).

    Examples
    --------
    >>> from streamad.feeds.records import Schema
    >>> schema = Schema.from_names(["timestamp", "cpu", "is_anomaly"])
    >>> schema.label, schema.time, schema.features
    ('is_anomaly', 'timestamp', ['cpu'])
    >>> schema.notes[0]
    "using column 'is_anomaly' as the 0/1 label (--label COL names another, --no-label reads none)"
    """

    label: str | None = None
    time: str | None = None
    exclude: tuple[str, ...] = ()
    features: list[str] | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_names(
        cls,
        names: Sequence[str],
        label: str | None = "auto",
        time: str | None = "auto",
        exclude: Sequence[str] = (),
    ) -> Schema:
        """Resolve ``"auto"`` against the field names; ``ValueError`` for unknown names."""
        available = f"available: {quote_list(names)}"
        for option, value in (("label", label), ("time", time), *(("exclude", e) for e in exclude)):
            if value not in (None, "auto") and value not in names:
                raise ValueError(f"no {option} column {quote(value)}; {available}")
        notes = []
        if label == "auto":
            label = _pick(names, LABEL_NAMES)
            if label is not None:
                notes.append(
                    f"using column {label!r} as the 0/1 label "
                    "(--label COL names another, --no-label reads none)"
                )
        if time == "auto":
            time = _pick([n for n in names if n != label], TIME_NAMES)
            if time is not None:
                notes.append(f"column {time!r} is the time of each sample, not a feature")
        skip = {label, time, *exclude}
        features = [name for name in names if name not in skip]
        if not features:
            raise ValueError(f"no feature columns left to read; {available}")
        return cls(label, time, tuple(exclude), features, notes)

    def record(self, fields: dict[str, Any]) -> Record:
        """The sample held by ``fields`` (a JSON object, or a CSV row by column name)."""
        y = None
        if self.label is not None and fields.get(self.label) is not None:  # JSON may omit it
            y = label_value(fields[self.label], self.label)
        time = fields.get(self.time) if self.time is not None else None
        skip = {self.label, self.time, *self.exclude}
        names = self.features if self.features is not None else fields
        x = {}
        for name in names:
            if name in skip:
                continue
            value = fields.get(name)
            if value is None or isinstance(value, str):
                x[name] = math.nan if value is None else cell(value, name)
            elif isinstance(value, (int, float)):  # bool included: True is 1
                x[name] = _float(value)
            else:
                raise BadRecord(f"field {quote(name)}: {quote(json.dumps(value))} is not a number")
        if not x:
            raise BadRecord("no features in the record")
        return Record(x, y, None if time is None else str(time))


class RecordParser:
    """Lines of text (CSV rows under a header, or JSON objects) to :class:`Record` s.

    ``form`` is ``"csv"``, ``"json"`` or ``"auto"`` (decided by the first line: ``{`` is
    JSON). A CSV feed's first line is its header, unless ``columns`` names the columns; a later
    line equal to the header (a rotated file's) is skipped. :meth:`parse` returns None for a
    blank line or a header.

    Examples
    --------
    >>> from streamad.feeds.records import RecordParser
    >>> parser = RecordParser()
    >>> parser.parse("time,cpu,label"), parser.parse("10:00,0.5,0"), parser.header
    (None, Record(x={'cpu': 0.5}, y=0, time='10:00'), ['time', 'cpu', 'label'])
    >>> RecordParser().parse('{"cpu": null, "mem": 2}')
    Record(x={'cpu': nan, 'mem': 2.0}, y=None, time=None)
    """

    def __init__(
        self,
        form: str = "auto",
        delimiter: str = ",",
        label: str | None = "auto",
        time: str | None = "auto",
        exclude: Sequence[str] = (),
        columns: Sequence[str] | None = None,
    ) -> None:
        if form not in ("auto", "csv", "json"):
            raise ValueError(f"form must be 'auto', 'csv' or 'json', not {form!r}")
        self.form = form
        self.delimiter = delimiter
        self.label = label
        self.time = time
        self.exclude = tuple(exclude)
        self.header: list[str] | None = None
        self.schema: Schema | None = None
        self.notes: list[str] = []
        if columns is not None:
            self.set_header(list(columns))

    def set_header(self, header: list[str]) -> None:
        """Take ``header`` as the CSV columns (also used to restore a resumed feed's header)."""
        self.form = "csv"
        self.header = header
        self.schema = Schema.from_names(header, self.label, self.time, self.exclude)
        self.notes.extend(self.schema.notes)

    def parse(self, line: str) -> Record | None:
        """The record on ``line``; None for a blank line or a header; ``BadRecord`` if unusable."""
        text = line.strip()
        if not text:
            return None
        if self.form == "auto":
            self.form = "json" if text.startswith("{") else "csv"
        if self.form == "json":
            return self._json(text)
        row = next(csv.reader([text], delimiter=self.delimiter))
        row = [value.strip() for value in row]
        if self.header is None:
            self.set_header(row)
            return None
        if row == self.header:
            return None
        if len(row) != len(self.header):
            raise BadRecord(f"{len(row)} fields where the header has {len(self.header)}")
        return self._schema_for(self.header).record(dict(zip(self.header, row, strict=True)))

    def _schema_for(self, names: Sequence[str]) -> Schema:
        if self.schema is None:
            try:
                self.schema = Schema.from_names(list(names), self.label, self.time, self.exclude)
            except ValueError as error:
                raise BadRecord(str(error)) from None
            self.notes.extend(self.schema.notes)
            if self.form == "json":  # each object names its own features
                self.schema.features = None
        return self.schema

    def _json(self, text: str) -> Record:
        try:
            fields = json.loads(text)
        except ValueError as error:
            raise BadRecord(f"not JSON: {error}") from None
        if not isinstance(fields, dict):
            raise BadRecord(f"a JSON line must hold an object, not {type(fields).__name__}")
        return self._schema_for(list(fields)).record(fields)
