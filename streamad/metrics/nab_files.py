"""Read a detector's published NAB results: per-row scores and the corpus' anomaly windows."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from streamad.metrics.nab_windows import windows_from_limits

__all__ = ["NabResult", "read_nab_results"]


@dataclass(frozen=True)
class NabResult:
    """One data file's detector output: its name, timestamps, scores and anomaly windows."""

    name: str
    timestamps: NDArray[np.datetime64]
    scores: NDArray[np.float64]
    windows: NDArray[np.int64]


def _read_scores(path: Path) -> tuple[NDArray[np.datetime64], NDArray[np.float64]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        if header[:2] != ["timestamp", "anomaly_score"]:
            raise ValueError(f"{path}: expected columns timestamp,anomaly_score, got {header}")
        columns = list(zip(*((row[0], row[1]) for row in rows), strict=True))
    if not columns:
        raise ValueError(f"{path}: no rows")
    return np.array(columns[0], dtype="datetime64[s]"), np.array(columns[1], dtype=float)


def read_nab_results(root: str | Path, detector: str) -> list[NabResult]:
    """Read ``results/<detector>/<category>/<detector>_<file>.csv[.gz]`` under a NAB folder.

    Windows come from ``labels/combined_windows.json``; files are returned in that file's order.

    Parameters
    ----------
    root
        The NAB folder (holding ``labels/`` and ``results/``).
    detector
        The detector's folder name under ``results/``, such as ``"numenta"``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from streamad.metrics import read_nab_results
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "labels").mkdir()
    >>> _ = (root / "labels" / "combined_windows.json").write_text(
    ...     '{"demo/a.csv": [["2020-01-01 00:02:00.000000", "2020-01-01 00:03:00.000000"]]}')
    >>> (root / "results" / "det" / "demo").mkdir(parents=True)
    >>> rows = "".join(f"2020-01-01 00:0{i}:00,0.{i}\\n" for i in range(5))
    >>> _ = (root / "results" / "det" / "demo" / "det_a.csv").write_text(
    ...     "timestamp,anomaly_score\\n" + rows)
    >>> [(r.name, r.scores.tolist(), r.windows.tolist()) for r in read_nab_results(root, "det")]
    [('demo/a.csv', [0.0, 0.1, 0.2, 0.3, 0.4], [[2, 3]])]
    """
    root = Path(root)
    labels = root / "labels" / "combined_windows.json"
    if not labels.is_file():
        raise FileNotFoundError(f"no NAB windows at {labels}")
    limits = json.loads(labels.read_text())
    results = []
    for name, file_limits in limits.items():
        category, file_name = name.split("/")
        path = root / "results" / detector / category / f"{detector}_{file_name}"
        if not path.is_file():
            path = path.with_name(path.name + ".gz")
        if not path.is_file():
            raise FileNotFoundError(f"no results of {detector!r} for {name} at {path}")
        timestamps, scores = _read_scores(path)
        windows = windows_from_limits(timestamps, file_limits)
        results.append(NabResult(name, timestamps, scores, windows))
    return results
