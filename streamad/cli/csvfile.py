"""A CSV file (gzipped or not) read under the Monitor's input policy: bad cells become NaN.

Empty, ``NaN``, ``NA``, ``null`` and ``inf`` cells are passed on as NaN or inf for the Monitor to
impute (and count); text where a number belongs, a row of the wrong width, an over-long field
or a truncated gzip stream stop the stream with a ``ValueError`` naming the file and the line.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from streamad._quote import quote_list
from streamad.feeds.records import BadRecord, Schema

__all__ = ["CSVFile", "open_text"]


def open_text(path: str | os.PathLike[str]) -> IO[str]:
    """Open a text file, gunzipping it when its first bytes say gzip; one-line errors."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"data file not found: {p}")
    if not p.is_file():
        raise FileNotFoundError(f"not a file: {p}")
    with open(p, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(p, encoding="utf-8", errors="replace", newline="")


def _read_error(path: Path, line: int, error: Exception) -> ValueError:
    where = f"{path}, line {line}" if line else str(path)
    if isinstance(error, csv.Error) and "field limit" in str(error):
        limit = csv.field_size_limit()
        return ValueError(f"{where}: a field longer than {limit:,} characters (not a CSV file?)")
    if isinstance(error, (EOFError, zlib.error, gzip.BadGzipFile)):
        return ValueError(f"{where}: the gzip file is truncated or corrupt ({error})")
    return ValueError(f"{where}: {error}")


class CSVFile:
    """The rows of a CSV file as ``(x, y)``; see the module docstring for the policy.

    Parameters
    ----------
    path
        The file; gzip is recognised by its content.
    label, time
        The label and time columns: a name, None, or ``"auto"`` (see
        :class:`~streamad.feeds.Schema`: common names are taken and said so in :attr:`notes`).
    exclude
        Columns to leave out.
    delimiter
        The field separator.

    Attributes
    ----------
    n_missing
        Cells read so far that were missing or not finite (the Monitor imputes them).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        label: str | None = "auto",
        time: str | None = "auto",
        exclude: tuple[str, ...] = (),
        delimiter: str = ",",
    ) -> None:
        self.path = Path(path)
        self.delimiter = delimiter
        header = self._header()
        try:
            self.schema = Schema.from_names(header, label, time, exclude)
        except ValueError as error:
            raise ValueError(f"{self.path}: {error}") from None
        self.header = header
        self.labelled = self.schema.label is not None
        self.notes = list(self.schema.notes)
        self.n_missing = 0
        self.n_samples: int | None = None

    def __repr__(self) -> str:
        return f"CSV({str(self.path)!r}, label={self.schema.label!r})"

    def _header(self) -> list[str]:
        with open_text(self.path) as f:
            try:
                for row in csv.reader(f, delimiter=self.delimiter):
                    if row:
                        header = [name.strip() for name in row]
                        break
                else:
                    raise ValueError(f"{self.path} is empty: expected a header row")
            except (csv.Error, EOFError, zlib.error, gzip.BadGzipFile) as error:
                raise _read_error(self.path, 1, error) from None
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            names = quote_list(repeated)
            raise ValueError(f"{self.path}: column name(s) [{names}] appear more than once")
        return header

    def __iter__(self) -> Iterator[tuple[dict[str, float], Any]]:
        with open_text(self.path) as f:
            reader = csv.reader(f, delimiter=self.delimiter)
            try:
                yield from self._rows(reader)
            except (csv.Error, EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
                raise _read_error(self.path, reader.line_num, error) from None

    def _rows(self, reader: Any) -> Iterator[tuple[dict[str, float], Any]]:
        header, width, schema = self.header, len(self.header), self.schema
        for row in reader:
            if not row:
                continue
            if [c.strip() for c in row] == header:
                continue
            if len(row) != width:
                raise ValueError(
                    f"{self.path}, line {reader.line_num}: {len(row)} fields where the header "
                    f"has {width}"
                )
            try:
                record = schema.record(dict(zip(header, row, strict=True)))
            except BadRecord as error:
                raise ValueError(f"{self.path}, line {reader.line_num}, {error}") from None
            self.n_missing += sum(not math.isfinite(v) for v in record.x.values())
            yield record.x, record.y
