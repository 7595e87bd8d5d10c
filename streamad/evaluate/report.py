"""`Report`: what a prequential run measured, as a table, a JSON file and a figure."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from streamad.evaluate import _table
from streamad.evaluate._alarms import AlarmRecord

__all__ = ["Report"]

ARRAYS = ("scores", "labels", "alarms", "thresholds", "values")
#: Alarms listed by :meth:`Report.to_table`.
ALARMS_SHOWN = 5


@dataclass(eq=False)
class Report:
    """The result of :func:`~streamad.evaluate.prequential`.

    Arrays hold one value per stored sample: the last ``len(scores)`` samples of the stream,
    starting at position ``start`` (all of them unless storage was bounded); the end-of-run
    metrics cover those samples, the rolling ROC-AUC the last ``rolling_window`` labelled ones.

    Attributes
    ----------
    metrics
        Metric name to value (see :func:`~streamad.evaluate.summarise`); ``nan`` when undefined.
    n_samples
        Samples evaluated.
    model, source
        One-line descriptions of the model and the stream.
    scores
        Anomaly scores.
    labels
        0/1 labels, or None for an unlabelled stream.
    alarms
        Alarms, or None when no threshold was applied.
    thresholds
        Threshold each sample was classified against (``nan`` during warm-up), or None.
    values
        The raw samples (rows in the order of ``features``), when kept.
    features
        Names of the columns of ``values``.
    start
        Stream position of the first stored sample.
    timings
        ``latency_p50_ms`` and ``latency_p99_ms`` (score + learn of one sample; in block mode a
        block's time shared among its samples), ``throughput`` (samples per second of wall time,
        reading the source and updating metrics included) and ``wall_s`` (the whole run). When
        ``compiling`` is above 0, the latencies and the throughput cover the samples after the
        first ``compiling`` only, or, when that is every sample, all of them (the table says so).
    compiling
        Samples, from the start of the stream, up to the last one scored while streamad's
        compiled kernel was still compiling (the NumPy kernel served them, beside the compile:
        their timings are not the run's steady speed); 0 when the kernel was ready throughout.
    block_size
        Samples per block (1: one sample at a time).
    times
        The time of each stored sample, when the source gave them (text), else None.
    alarm_list
        The alarms kept (the last ``store_alarms``), in stream order, each an
        :class:`~streamad.evaluate.AlarmRecord`: position, time, score, threshold, calibrated
        score and the features to blame.
    alarms_left_out
        Alarms raised but not in ``alarm_list`` (beyond ``store_alarms``).

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from streamad import Report
    >>> report = Report(metrics={"roc_auc": 0.75}, n_samples=4, model="M()", source="S()",
    ...                 scores=np.array([0.1, 0.4, 0.35, 0.8]), labels=np.array([0, 0, 1, 1]))
    >>> print(report.to_table())
    source   S()
    model    M()
    samples  4
    ROC-AUC  0.75
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "report.json"
    >>> report.to_json(path)
    >>> Report.from_json(path).metrics["roc_auc"]
    0.75
    """

    metrics: dict[str, Any]
    n_samples: int
    model: str
    source: str
    scores: np.ndarray
    labels: np.ndarray | None = None
    alarms: np.ndarray | None = None
    thresholds: np.ndarray | None = None
    values: np.ndarray | None = None
    features: list[str] = field(default_factory=list)
    start: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    block_size: int = 1
    times: list[Any] | None = None
    alarm_list: list[AlarmRecord] = field(default_factory=list)
    alarms_left_out: int = 0
    compiling: int = 0

    def to_table(self, alarms: int = ALARMS_SHOWN) -> str:
        """The report as aligned ``name  value`` lines, then the first ``alarms`` alarms kept
        (:meth:`alarm_table`; 0 for none)."""
        kept = len(self.scores)
        samples = f"{self.n_samples:,}"
        if kept < self.n_samples:
            samples += f" (end-of-run metrics cover the last {kept:,})"
        if self.block_size > 1:
            samples += f", in blocks of {self.block_size}"
        rows = [("source", self.source), ("model", self.model), ("samples", samples)]
        for key, label in _table.ROWS:
            cell = _table.cell(key, self.metrics)
            if cell is not None:
                if key == "rolling_roc_auc":
                    label += f" ({self.metrics.get('rolling_window', '?')})"
                rows.append((label, cell))
        t = self.timings
        if self.compiling:
            rows.append(("kernel compiling", _compiling_cell(self.compiling, self.n_samples)))
        if "latency_p50_ms" in t:
            latency = f"{t['latency_p50_ms']:.3g} / {t['latency_p99_ms']:.3g} ms"
            rows.append(("latency p50 / p99", latency))
        if "throughput" in t:
            rows.append(("throughput", f"{t['throughput']:,.0f} samples/s"))
        width = max(len(name) for name, _ in rows)
        table = "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
        listed = self.alarm_table(alarms) if alarms else ""
        return f"{table}\n\n{listed}" if listed else table

    def alarm_table(self, n: int = ALARMS_SHOWN, features: int = 3) -> str:
        """The first ``n`` alarms of :attr:`alarm_list`, one a line, with the ``features`` most
        to blame; empty when none were kept.

        Examples
        --------
        >>> import numpy as np
        >>> from streamad import Report
        >>> from streamad.evaluate import AlarmRecord
        >>> report = Report(metrics={}, n_samples=900, model="M()", source="S()",
        ...                 scores=np.zeros(900), alarm_list=[
        ...                     AlarmRecord(412, 31.2, 4.1, (("disk_io", 0.83), ("cpu", 0.12)))])
        >>> print(report.alarm_table())
        1 alarm:
          sample  score  threshold  features to blame
             412   31.2        4.1  disk_io 83%, cpu 12%
        """
        return _table.alarm_table(self.alarm_list, self.alarms_left_out, n, features)

    def __str__(self) -> str:
        return self.to_table()

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (arrays as lists, nan as None)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["alarm_list"] = [alarm.to_dict() for alarm in self.alarm_list]
        return {name: _table.to_json(value) for name, value in data.items()}

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write the report to ``path`` as JSON."""
        Path(path).write_text(json.dumps(self.to_dict()), encoding="utf-8")

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Report:
        """Read a report written by :meth:`to_json`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data["metrics"] = {k: math.nan if v is None else v for k, v in data["metrics"].items()}
        data["timings"] = {k: math.nan if v is None else v for k, v in data["timings"].items()}
        dtypes = {"labels": np.int8, "alarms": bool}
        for name in ARRAYS:
            if data[name] is not None:
                array = np.array(data[name], dtype=dtypes.get(name, float))
                if name == "values":
                    array = array.reshape(len(array), len(data["features"]))
                data[name] = array
        data["alarm_list"] = [AlarmRecord.from_dict(a) for a in data.get("alarm_list", [])]
        return cls(**data)

    def plot(self, path: str | os.PathLike[str] | None = None, *, max_lines: int = 8) -> Any:
        """The figure of :func:`streamad.plot.signal_with_alarms`, saved to ``path``.

        Titled with the stream. Top: the samples (when kept, ``store_values=True``; else the
        scores), one line per feature named in the legend, each alarm of :attr:`alarm_list`
        marked on the feature to blame, the labelled anomalies shaded; with more than
        ``max_lines`` features, the most to blame and a heatmap of the blame over time.
        Bottom: the scores and the threshold. A time axis when the samples had times. Needs
        matplotlib.
        """
        from streamad.plot import signal_with_alarms

        values = self.scores if self.values is None else self.values
        features = ["score"] if self.values is None else list(self.features)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        n = len(self.scores)
        alarms = np.zeros(n, bool) if self.alarms is None else self.alarms
        blame = {
            a.index - self.start: a.attribution
            for a in self.alarm_list
            if self.start <= a.index < self.start + n
        }
        count = int(alarms.sum())
        title = f"{self.source}\n{count:,} alarm{'' if count == 1 else 's'} in {n:,} samples"
        if n < self.n_samples:
            title += f" (the last of {self.n_samples:,})"
        return signal_with_alarms(
            values,
            alarms,
            scores=self.scores,
            thresholds=self.thresholds,
            labels=self.labels,
            path=path,
            features=features,
            times=self.times,
            blame=blame,
            title=title,
            max_lines=max_lines,
            start=self.start,
        )


def _compiling_cell(compiling: int, n_samples: int) -> str:
    """The table's word on samples scored while the kernel compiled."""
    if compiling >= n_samples:
        return "throughout (the timings below are the NumPy kernel's, beside the compile)"
    plural = "" if compiling == 1 else "s"
    return f"for the first {compiling:,} sample{plural} (left out of the timings below)"
