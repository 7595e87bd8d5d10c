"""CSV reading shared by the file loaders: open (gzip or not), check the header, stream rows.

Every error names the file, and where it applies the line and the column, in one line of text.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from streamad._quote import quote, quote_list
from streamad.datasets.base import Sample

# Spellings of a 0/1 label accepted in a label column.
LABELS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "False": 0, "True": 1, "false": 0, "true": 1}

StrPath = str | os.PathLike[str]


def check_file(path: StrPath) -> Path:
    """`path` as a `Path`; `FileNotFoundError` naming it when there is no such file."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"data file not found: {p}")
    if not p.is_file():
        raise FileNotFoundError(f"not a file: {p} (expected a CSV file, optionally gzipped)")
    return p


def open_text(path: StrPath) -> TextIO:
    """Open a CSV file for reading as text; gzip is recognised by its magic bytes, not its name."""
    p = check_file(path)
    with open(p, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(p, "rt", newline="", encoding="utf-8")
    return open(p, newline="", encoding="utf-8")


def read_header(path: StrPath, delimiter: str = ",") -> list[str]:
    """The column names of a CSV file.

    `ValueError` when the file is empty, has no data rows or repeats a column name.
    """
    with open_text(path) as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, None)
        while header == []:  # blank lines before the header
            header = next(reader, None)
        if header is None:
            raise ValueError(f"{path} is empty: expected a header row of column names")
        first = next(reader, None)
        while first == []:
            first = next(reader, None)
        if first is None:
            raise ValueError(f"{path} has a header but no data rows")
    header = [name.strip() for name in header]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(
            f"{path}: column name(s) [{quote_list(repeated)}] appear more than once in the header"
        )
    return header


def choose_columns(
    path: StrPath,
    header: Sequence[str],
    label: str | None,
    features: Sequence[str] | None,
    exclude: Sequence[str] = (),
) -> list[str]:
    """The feature columns to read; `ValueError` listing the available columns for unknown names."""
    available = f"available columns: {quote_list(header)}"
    if label is not None and label not in header:
        raise ValueError(f"{path}: no label column {quote(label)}; {available}")
    unknown = [c for c in [*(features or ()), *exclude] if c not in header]
    if unknown:
        raise ValueError(f"{path}: unknown column(s) [{quote_list(unknown)}]; {available}")
    if features is None:
        features = [c for c in header if c != label and c not in exclude]
    else:
        features = list(features)
        if label in features:
            raise ValueError(f"{path}: label column {label!r} is also listed among the features")
    if not features:
        raise ValueError(f"{path}: no feature columns left to read; {available}")
    unnamed = [i + 1 for i, c in enumerate(header) if c == "" and c in features]
    if unnamed:
        raise ValueError(
            f"{path}: column {unnamed[0]} has no name (a saved index?); "
            "pass features=[...] or exclude=[''] to leave it out"
        )
    return features


def _row_error(
    path: StrPath, line: int, header: Sequence[str], row: Sequence[str], columns: Sequence[int]
) -> ValueError:
    """Describe the first unreadable value of a row."""
    if len(row) != len(header):
        return ValueError(
            f"{path}, line {line}: expected {len(header)} fields as in the header, found {len(row)}"
        )
    for i in columns:
        text = row[i]
        try:
            value = float(text)
        except ValueError:
            what = f"{quote(text)}, which is not a number" if text.strip() else "an empty value"
            return ValueError(f"{path}, line {line}, column {quote(header[i])}: {what}")
        if value != value:
            return ValueError(
                f"{path}, line {line}, column {quote(header[i])}: missing value {quote(text)}"
            )
    return ValueError(f"{path}, line {line}: unreadable row")  # pragma: no cover


def iter_rows(
    path: StrPath,
    features: Sequence[str],
    label: str | None = None,
    delimiter: str = ",",
) -> Iterator[Sample]:
    """Stream `(x, y)` from a CSV file: `x` holds `features` as floats, `y` the 0/1 `label` or None.

    Blank lines are skipped. A row with the wrong number of fields, a value that is not a number,
    a missing (empty or NaN) value or a label other than 0/1 raises `ValueError` naming the line
    (the header is line 1) and the column.
    """
    with open_text(path) as f:
        reader = csv.reader(f, delimiter=delimiter)
        first = next(reader, None)
        while first == []:
            first = next(reader, None)
        if first is None:
            return
        header = [name.strip() for name in first]
        width = len(header)
        names = list(features)
        idx = [header.index(c) for c in names]
        lab = header.index(label) if label is not None else None
        for row in reader:
            if len(row) != width:
                if not row:
                    continue
                raise _row_error(path, reader.line_num, header, row, idx)
            try:
                values = [float(row[i]) for i in idx]
            except ValueError:
                raise _row_error(path, reader.line_num, header, row, idx) from None
            total = sum(values)
            if total != total and any(v != v for v in values):
                raise _row_error(path, reader.line_num, header, row, idx)
            x = dict(zip(names, values, strict=True))
            if lab is None:
                yield x, None
                continue
            y = LABELS.get(row[lab].strip())
            if y is None:
                raise ValueError(
                    f"{path}, line {reader.line_num}, column {quote(label)}: "
                    f"label {quote(row[lab])} is not 0 or 1"
                )
            yield x, y


def count_rows(path: StrPath) -> int:
    """Number of non-blank data rows below the header (fast: counts lines, no CSV parsing)."""
    n = 0
    with open_text(path) as f:
        for line in f:
            if line.strip():
                n += 1
    return max(n - 1, 0)
