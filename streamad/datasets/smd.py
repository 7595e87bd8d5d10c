"""The Server Machine Dataset (SMD, OmniAnomaly): one machine's train or test split, and its
interpretation labels (which features each anomaly affects)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from streamad._quote import quote
from streamad.datasets import _reader
from streamad.datasets.csv import CSVStream

__all__ = ["SMD", "AnomalySegment", "interpretation"]

SPLITS = ("train", "test")


def _split_file(root: _reader.StrPath, machine: str, split: str) -> Path:
    folder = Path(root) / machine
    for path in (folder / f"{split}.csv.gz", folder / f"{split}.csv"):
        if path.is_file():
            return path
    if not folder.is_dir():
        raise FileNotFoundError(f"SMD machine folder not found: {folder}")
    raise FileNotFoundError(f"SMD {split} file not found: {folder / f'{split}.csv.gz'}")


class SMD(CSVStream):
    """One SMD machine: 38 server metrics `dim_0`..`dim_37` (already scaled to [0, 1]).

    The train split is unlabelled (`y` is None; it is taken as normal); the test split yields the
    0/1 `label` column. Rows come in time order, one a minute. `n_samples` is counted from the file.

    Parameters
    ----------
    root
        The SMD folder, holding one folder per machine with `train.csv(.gz)`, `test.csv(.gz)` and
        `interpretation_label.txt`.
    machine
        The machine's folder name, e.g. `machine-1-6`.
    split
        `'train'` or `'test'`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import SMD
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "machine-0-1").mkdir()
    >>> _ = (root / "machine-0-1" / "test.csv").write_text(
    ...     "dim_0,dim_1,label\\n0.1,0.2,0\\n0.9,0.2,1\\n0.1,0.3,0\\n")
    >>> smd = SMD(root, "machine-0-1")
    >>> smd.n_features, smd.n_samples
    (2, 3)
    >>> [y for _, y in smd]
    [0, 1, 0]

    """

    def __init__(self, root: _reader.StrPath, machine: str, split: str = "test"):
        if split not in SPLITS:
            raise ValueError(f"split must be 'train' or 'test', not {split!r}")
        path = _split_file(root, machine, split)
        super().__init__(path, label="label" if split == "test" else None)
        self.n_samples = _reader.count_rows(path)
        self.root = root
        self.machine = machine
        self.split = split


class AnomalySegment(NamedTuple):
    """One labelled SMD anomaly: test rows `start` to `end - 1` (0-based), and the features it
    affects."""

    start: int
    end: int
    features: tuple[str, ...]


def interpretation(root: _reader.StrPath, machine: str) -> list[AnomalySegment]:
    """The anomalies of a machine's test split and the features each affects.

    Parsed from `interpretation_label.txt`, one `start-end:d1,d2,...` a line. Dimensions are
    1-based in the file and become feature names `dim_{d-1}`. `start` and `end` are kept as
    written: they are 0-based row indices into the test split with `end` excluded, so the
    anomaly covers `rows[start:end]`. That is the convention of the published test labels
    (OmniAnomaly's `test_label/<machine>.txt`, the `label` column here): on the four machines of
    the shared data, the rows labelled 1 are exactly the union of `range(start, end)`.
    (InterFusion's interpretation score, `cal_IPS.py`, tests `start <= index <= end`: one row
    more.)

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from streamad.datasets import interpretation
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "machine-0-1").mkdir()
    >>> _ = (root / "machine-0-1" / "interpretation_label.txt").write_text("15-18:1,3\\n40-42:2\\n")
    >>> segments = interpretation(root, "machine-0-1")
    >>> segments[0]
    AnomalySegment(start=15, end=18, features=('dim_0', 'dim_2'))
    >>> sum(s.end - s.start for s in segments)
    5

    """
    path = _reader.check_file(Path(root) / machine / "interpretation_label.txt")
    segments = []
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                span, dims = line.strip().split(":")
                start, end = (int(v) for v in span.split("-"))
                numbers = [int(d) for d in dims.split(",")]
            except ValueError:
                raise ValueError(
                    f"{path}, line {line_number}: expected 'start-end:d1,d2,...', "
                    f"got {quote(line.strip())}"
                ) from None
            if not 0 <= start < end or min(numbers) < 1:
                raise ValueError(
                    f"{path}, line {line_number}: empty span or a dimension below 1 "
                    f"(dimensions are 1-based) in {quote(line.strip())}"
                )
            segments.append(AnomalySegment(start, end, tuple(f"dim_{d - 1}" for d in numbers)))
    return segments
