"""The Numenta Anomaly Benchmark (NAB v1.1): one labelled series, or the whole corpus of 58."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from streamad.datasets import _reader
from streamad.datasets.base import Sample, Stream

__all__ = ["NABSeries", "nab_corpus", "window_labels"]


def _timestamp(text: str) -> str:
    """A NAB timestamp as `YYYY-MM-DD HH:MM:SS` (the label files add `.000000` to some)."""
    return dt.datetime.fromisoformat(text.strip()).strftime("%Y-%m-%d %H:%M:%S")


def window_labels(timestamps: Sequence[str], windows: Sequence[tuple[str, str]]) -> list[int]:
    """Label 1 each timestamp inside an anomaly window, both ends included, and 0 the others.

    Timestamps and window ends are strings `YYYY-MM-DD HH:MM:SS`, which order as the times do.

    Examples
    --------
    >>> from streamad.datasets import window_labels
    >>> window_labels(["2014-01-01 00:00:00", "2014-01-01 00:05:00", "2014-01-01 00:10:00"],
    ...               [("2014-01-01 00:05:00", "2014-01-01 00:10:00")])
    [0, 1, 1]

    """
    return [int(any(start <= t <= end for start, end in windows)) for t in timestamps]


def _read_json(root: Path, name: str) -> dict[str, list]:
    path = root / "labels" / name
    try:
        with open(path, encoding="utf-8") as f:
            return dict(json.load(f))
    except FileNotFoundError:
        raise FileNotFoundError(f"NAB label file not found: {path}") from None


def _series_file(root: Path, key: str) -> Path:
    """The series file: shared layout `<root>/<key>.gz`, or NAB's own `<root>/data/<key>`."""
    candidates = [root / f"{key}.gz", root / key, root / "data" / key, root / "data" / f"{key}.gz"]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(f"NAB series file not found: {candidates[0]} (nor {candidates[1]})")


class NABSeries(Stream):
    """One NAB series as `({'value': v}, label)`, label 1 inside the series' NAB anomaly windows.

    The windows come from `labels/combined_windows.json`; a row is inside a window when its
    timestamp lies between the window's start and end, both included. The labelled anomaly points
    come from `labels/combined_labels.json`.

    Parameters
    ----------
    root
        The NAB folder: it holds `labels/` and the category folders (`<category>/<series>.csv`,
        gzipped or not, or NAB's own layout `data/<category>/<series>.csv`).
    name
        The series as `<category>/<series>`, e.g. `realKnownCause/nyc_taxi` (a `.csv` suffix is
        accepted).

    Attributes
    ----------
    windows
        The anomaly windows, `(start, end)` timestamp strings, in time order.
    label_points
        The labelled anomaly timestamps.

    Examples
    --------
    A one-series corpus in NAB's layout:
    >>> import json, pathlib, tempfile

    >>> from streamad.datasets import NABSeries
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "labels").mkdir(); (root / "demo").mkdir()
    >>> values = [1, 1, 9, 1, 1, 1]
    >>> rows = [f"2014-04-01 00:{5 * i:02d}:00,{v}" for i, v in enumerate(values)]
    >>> _ = (root / "demo" / "spike.csv").write_text("timestamp,value\\n" + "\\n".join(rows))
    >>> window = ["2014-04-01 00:05:00.000000", "2014-04-01 00:15:00.000000"]
    >>> _ = (root / "labels" / "combined_windows.json").write_text(
    ...     json.dumps({"demo/spike.csv": [window]}))
    >>> _ = (root / "labels" / "combined_labels.json").write_text(
    ...     json.dumps({"demo/spike.csv": ["2014-04-01 00:10:00"]}))
    >>> series = NABSeries(root, "demo/spike")
    >>> series.n_samples, series.windows, series.label_points
    (6, [('2014-04-01 00:05:00', '2014-04-01 00:15:00')], ['2014-04-01 00:10:00'])
    >>> [y for _, y in series]
    [0, 1, 1, 1, 0, 0]
    >>> next(iter(series))
    ({'value': 1.0}, 0)

    """

    def __init__(self, root: _reader.StrPath, name: str):
        base = Path(root)
        key = name if name.endswith(".csv") else f"{name}.csv"
        windows = _read_json(base, "combined_windows.json")
        if key not in windows:
            raise ValueError(
                f"{name!r} is not a NAB series of {base}; names look like "
                f"{next(iter(windows), 'realKnownCause/nyc_taxi.csv')[:-4]!r}"
            )
        self._path = _series_file(base, key)
        self._key = key
        header = _reader.read_header(self._path)
        _reader.choose_columns(self._path, header, None, ["timestamp", "value"])
        self.windows = [(_timestamp(s), _timestamp(e)) for s, e in windows[key]]
        points = _read_json(base, "combined_labels.json").get(key, [])
        self.label_points = [_timestamp(t) for t in points]
        self._timestamps: list[str] | None = None
        super().__init__(n_features=1, n_samples=_reader.count_rows(self._path))
        self.root = root
        self.name = name

    @property
    def category(self) -> str:
        """The NAB category, e.g. `realKnownCause`."""
        return self._key.split("/")[0]

    @property
    def timestamps(self) -> list[str]:
        """The timestamp of each row, `YYYY-MM-DD HH:MM:SS`, read once and kept."""
        if self._timestamps is None:
            with _reader.open_text(self._path) as f:
                rows = csv.reader(f)
                column = next(rows).index("timestamp")
                self._timestamps = [row[column].strip() for row in rows if row]
        return self._timestamps

    @property
    def labels(self) -> list[int]:
        """The window label of each row, as yielded by iteration."""
        return window_labels(self.timestamps, self.windows)

    def __iter__(self) -> Iterator[Sample]:
        labels = self.labels
        rows = _reader.iter_rows(self._path, ["value"])
        for (x, _), y in zip(rows, labels, strict=True):
            yield x, y


def nab_corpus(root: _reader.StrPath) -> list[NABSeries]:
    """Every series of the NAB corpus under `root` (58 in NAB v1.1), in the label file's order.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from streamad.datasets import nab_corpus
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "labels").mkdir(); (root / "demo").mkdir()
    >>> for name in ["a", "b"]:
    ...     path = root / "demo" / f"{name}.csv"
    ...     _ = path.write_text("timestamp,value\\n2014-04-01 00:00:00,1\\n")
    >>> labels = {"demo/a.csv": [], "demo/b.csv": []}
    >>> for file in ["combined_windows.json", "combined_labels.json"]:
    ...     _ = (root / "labels" / file).write_text(json.dumps(labels))
    >>> [series.name for series in nab_corpus(root)]
    ['demo/a', 'demo/b']

    """
    names = _read_json(Path(root), "combined_windows.json")
    return [NABSeries(root, key[:-4] if key.endswith(".csv") else key) for key in names]
