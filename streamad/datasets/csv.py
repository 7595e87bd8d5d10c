"""Any CSV file (gzipped or not), or a pandas DataFrame, as a stream of `(x, y)` pairs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from streamad.datasets import _reader
from streamad.datasets.base import Sample, Stream

__all__ = ["CSVStream", "DataFrameStream"]


class CSVStream(Stream):
    """Stream the rows of a CSV file, optionally gzipped, as `(x, y)` pairs.

    `x` maps each feature column to a float; `y` is the 0/1 value of the `label` column, or None
    without one. The header and the presence of data rows are checked when the stream is built;
    values are checked as they are read. Accepted labels are 0/1 (also written 0.0/1.0 or
    True/False).

    Parameters
    ----------
    path
        The CSV file; a gzipped file is recognised by its content, whatever its name.
    label
        Name of the 0/1 label column, or None for an unlabelled stream.
    features
        Names of the feature columns, in the order they take in `x`; None takes every column
        but the label and the excluded ones, in file order.
    exclude
        Columns to leave out when `features` is None, such as a timestamp.
    delimiter
        The field separator.

    Raises
    ------
    FileNotFoundError
        When `path` does not exist, naming it.
    ValueError
        When the file is empty, a named column is absent (the message lists the available ones),
        or, while reading, a value is not a number, missing, or a label is not 0/1 (the message
        names the line and the column).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import CSVStream
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cpu.csv"
    >>> _ = path.write_text("time,cpu,mem,anomaly\\n1,0.5,0.25,0\\n2,0.75,0.5,0\\n3,9.5,0.5,1\\n")
    >>> stream = CSVStream(path, label="anomaly", exclude=["time"])
    >>> stream.n_features
    2
    >>> next(iter(stream))
    ({'cpu': 0.5, 'mem': 0.25}, 0)
    >>> sum(y for _, y in stream)
    1
    >>> CSVStream(path, label="is_anomaly")
    Traceback (most recent call last):
    ...
    ValueError: ...cpu.csv: no label column 'is_anomaly'; available columns: 'time', 'cpu', ...

    """

    def __init__(
        self,
        path: _reader.StrPath,
        label: str | None = None,
        features: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        delimiter: str = ",",
    ):
        header = _reader.read_header(path, delimiter)
        self._columns = _reader.choose_columns(path, header, label, features, exclude)
        super().__init__(n_features=len(self._columns), labelled=label is not None)
        self.path = path
        self.label = label
        self.features = features
        self.exclude = exclude
        self.delimiter = delimiter

    @property
    def columns(self) -> list[str]:
        """The feature names of `x`, in order."""
        return list(self._columns)

    def __iter__(self) -> Iterator[Sample]:
        return _reader.iter_rows(self.path, self._columns, self.label, self.delimiter)


class DataFrameStream(Stream):
    """Stream the rows of a pandas DataFrame as `(x, y)` pairs.

    The frame is checked and converted to floats when the stream is built: a column that is not
    numeric, a missing value (NaN) or a label other than 0/1 raises `ValueError` naming the row
    (its index label) and the column. Later changes to the frame are not seen. Column names
    become strings in `x`.

    Parameters
    ----------
    df
        The DataFrame, one sample per row, in stream order.
    label
        Name of the 0/1 label column, or None for an unlabelled stream.
    features
        Names of the feature columns; None takes every column but the label.

    Examples
    --------
    >>> import pandas as pd
    >>> from streamad.datasets import DataFrameStream
    >>> df = pd.DataFrame({"cpu": [0.5, 0.75, 9.5], "mem": [1, 2, 2], "anomaly": [0, 0, 1]})
    >>> stream = DataFrameStream(df, label="anomaly")
    >>> stream
    DataFrameStream(<DataFrame: 3 rows x 3 columns>, label='anomaly', features=None)
    >>> list(stream)[-1]
    ({'cpu': 9.5, 'mem': 2.0}, 1)
    >>> sum(y for _, y in stream)
    1

    """

    def __init__(self, df: Any, label: str | None = None, features: Sequence[str] | None = None):
        columns = [str(c) for c in df.columns]
        where = "DataFrame"
        names = dict(zip(columns, df.columns, strict=True))
        chosen = _reader.choose_columns(where, columns, label, features)
        values = np.empty((len(df), len(chosen)), dtype=float)
        for j, name in enumerate(chosen):
            values[:, j] = _numeric_column(df, names[name], name)
        labels: list[int] | None = None
        if label is not None:
            labels = _label_column(df, names[label], label)
        super().__init__(n_features=len(chosen), n_samples=len(df), labelled=label is not None)
        self.df = df
        self.label = label
        self.features = features
        self._columns = chosen
        self._values = values
        self._labels = labels

    def __iter__(self) -> Iterator[Sample]:
        columns = self._columns
        labels = self._labels if self._labels is not None else [None] * len(self._values)
        for row, y in zip(self._values.tolist(), labels, strict=True):
            yield dict(zip(columns, row, strict=True)), y

    def __repr__(self) -> str:
        shape = f"<DataFrame: {self.df.shape[0]} rows x {self.df.shape[1]} columns>"
        return f"DataFrameStream({shape}, label={self.label!r}, features={self.features!r})"


def _numeric_column(df: Any, key: Any, name: str) -> Any:
    """One column as a float array; `ValueError` naming the first bad row."""
    import pandas as pd

    column = df[key]
    converted = pd.to_numeric(column, errors="coerce").astype(float)
    bad = converted.isna()
    if bad.any():
        row = bad.to_numpy().argmax()
        value = column.iloc[row]
        what = "a missing value" if pd.isna(value) else f"{value!r}, which is not a number"
        raise ValueError(f"DataFrame, row {df.index.tolist()[row]!r}, column {name!r}: {what}")
    return converted.to_numpy()


def _label_column(df: Any, key: Any, name: str) -> list[int]:
    """The label column as 0/1 ints; `ValueError` naming the first row holding anything else."""
    labels = []
    for row, value in enumerate(df[key].tolist()):
        y = _reader.LABELS.get(str(value))
        if y is None:
            where = f"DataFrame, row {df.index.tolist()[row]!r}, column {name!r}"
            raise ValueError(f"{where}: label {value!r} is not 0 or 1")
        labels.append(y)
    return labels
