"""``replay --nab``: find the series and its labels, suggest a name, and score it as NAB does."""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path
from typing import Any

from streamad.cli.csvfile import CSVFile
from streamad.cli.errors import fail, note

__all__ = ["NABSource", "nab_metrics", "open_nab"]

WINDOWS = Path("labels") / "combined_windows.json"


class NABSource:
    """A NAB series' values (read under the input policy) with its window labels."""

    def __init__(self, root: Path, key: str, path: Path) -> None:
        from streamad.datasets import NABSeries

        self.series = NABSeries(root, key.removesuffix(".csv"))
        self.values = CSVFile(path, label=None, time="timestamp")
        self.n_samples = self.series.n_samples
        self.labelled = True

    @property
    def n_missing(self) -> int:
        return self.values.n_missing

    def __repr__(self) -> str:
        return repr(self.series)

    @property
    def timestamps(self) -> list[str]:
        """The series' timestamps, for the report's and the figure's time axis."""
        return self.series.timestamps

    def __iter__(self) -> Any:
        labels = iter(self.series.labels)
        for x, _ in self.values:
            yield x, next(labels, None)


def _windows(root: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((root / WINDOWS).read_text(encoding="utf-8")))
    except FileNotFoundError:
        fail(f"--nab {root}: no {WINDOWS} in it: not a NAB folder")
    except ValueError as error:
        fail(f"{root / WINDOWS}: unreadable ({error})")


def _series_file(root: Path, key: str) -> Path:
    for path in (root / f"{key}.gz", root / key, root / "data" / key, root / "data" / f"{key}.gz"):
        if path.is_file():
            return path
    fail(f"NAB series file not found: {root / key}[.gz]")


def _find_root(path: Path) -> tuple[Path, str] | None:
    """The NAB folder above a series file, and the file's key there (``category/name.csv``)."""
    for root in path.resolve().parents:
        if (root / WINDOWS).is_file():
            parts = path.resolve().relative_to(root).parts
            parts = parts[1:] if parts[0] == "data" else parts
            return root, "/".join(parts).removesuffix(".gz")
    return None


def open_nab(nab: str, series: str | None) -> Any:
    """The source of ``--nab PATH [--series NAME]``; a file outside a NAB tree runs unlabelled."""
    path = Path(nab)
    if series is not None or path.is_dir():
        if series is None:
            fail(f"--nab {path} is a folder: name the series with --series")
        windows = _windows(path)
        key = series.removesuffix(".gz")
        key = key if key.endswith(".csv") else f"{key}.csv"
        if key not in windows:
            names = [name.removesuffix(".csv") for name in windows]
            close = difflib.get_close_matches(key.removesuffix(".csv"), names, n=1, cutoff=0.4)
            hint = f"did you mean {close[0]!r}?" if close else f"names look like {names[0]!r}"
            fail(f"{series!r} is not a NAB series of {path}; {hint}")
        return NABSource(path, key, _series_file(path, key))
    if not path.is_file():
        raise FileNotFoundError(f"NAB series file not found: {path}")
    found = _find_root(path)
    if found is not None and found[1] in _windows(found[0]):
        return NABSource(found[0], found[1], path)
    where = "a NAB folder" if found is None else f"the NAB labels of {found[0]}"
    note(f"{path} is not in {where}: running it unlabelled")
    return CSVFile(path, label=None)


def nab_metrics(labels: Any, alarms: Any) -> dict[str, Any]:
    """NAB's score of the alarms under the standard profile: raw, and normalised per file
    (the null detector 0, the perfect one 100), with the windows made from the labels."""
    import numpy as np

    from streamad.metrics import STANDARD, normalised_score, probation_length, score_file, segments

    y = np.asarray(labels, dtype=np.int8)
    windows = [(start, stop - 1) for start, stop in segments(y)]
    scored = [w for w in windows if w[1] >= probation_length(len(y))]
    raw = score_file(np.asarray(alarms, dtype=float), windows, threshold=0.5, profile=STANDARD)
    normalised = normalised_score(raw.score, len(scored)) if scored else math.nan
    return {"nab_score": normalised, "nab_raw_score": raw.score, "nab_windows": len(scored)}
