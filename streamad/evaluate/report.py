"""`Report`: what a prequential run measured, as a table, a JSON file and a figure."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Report"]

#: Table rows: metric key and label, in display order.
ROWS = (
    ("rolling_roc_auc", "rolling ROC-AUC"),
    ("roc_auc", "ROC-AUC"),
    ("pr_auc", "PR-AUC (average precision)"),
    ("best_f1", "best F1"),
    ("best_f1_threshold", "  at threshold"),
    ("n_alarms", "alarms"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("f1", "F1"),
    ("confusion", "tn / fp / fn / tp"),
    ("n_events", "events"),
    ("event_recall", "event recall"),
    ("point_adjusted_f1", "point-adjusted F1"),
    ("detection_delays", "detection delay per event"),
    ("mean_detection_delay", "mean detection delay"),
)
ARRAYS = ("scores", "labels", "alarms", "thresholds", "values")


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _cell(key: str, metrics: dict[str, Any]) -> str | None:
    if key == "confusion":
        if "tp" not in metrics:
            return None
        return " / ".join(f"{metrics[k]:,}" for k in ("tn", "fp", "fn", "tp"))
    if key not in metrics:
        return None
    value = metrics[key]
    if key == "detection_delays":
        shown = ["missed" if d is None else str(d) for d in value[:20]]
        return ", ".join(shown) + (f", ... ({len(value)} events)" if len(value) > 20 else "")
    return _number(value)


def _to_json(value: Any) -> Any:
    """Plain JSON: arrays as lists, nan as null."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


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
        reading the source and updating metrics included) and ``wall_s``.
    block_size
        Samples per block (1: one sample at a time).

    Examples
    --------
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

    def to_table(self) -> str:
        """The report as aligned ``name  value`` lines."""
        kept = len(self.scores)
        samples = f"{self.n_samples:,}"
        if kept < self.n_samples:
            samples += f" (end-of-run metrics cover the last {kept:,})"
        if self.block_size > 1:
            samples += f", in blocks of {self.block_size}"
        rows = [("source", self.source), ("model", self.model), ("samples", samples)]
        for key, label in ROWS:
            cell = _cell(key, self.metrics)
            if cell is not None:
                if key == "rolling_roc_auc":
                    label += f" ({self.metrics.get('rolling_window', '?')})"
                rows.append((label, cell))
        t = self.timings
        if "latency_p50_ms" in t:
            latency = f"{t['latency_p50_ms']:.3g} / {t['latency_p99_ms']:.3g} ms"
            rows.append(("latency p50 / p99", latency))
        if "throughput" in t:
            rows.append(("throughput", f"{t['throughput']:,.0f} samples/s"))
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)

    def __str__(self) -> str:
        return self.to_table()

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (arrays as lists, nan as None)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {name: _to_json(value) for name, value in data.items()}

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
        return cls(**data)

    def plot(self, path: str | os.PathLike[str] | None = None) -> Any:
        """The two-panel figure of :func:`streamad.plot.signal_with_alarms`, saved to ``path``.

        Top: the samples (when kept, ``store_values=True``; else the scores) with the alarms and
        the labelled anomalies; bottom: the scores and the threshold. Needs matplotlib.
        """
        from streamad.plot import signal_with_alarms

        values = self.scores if self.values is None else self.values
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        alarms = np.zeros(len(self.scores), bool) if self.alarms is None else self.alarms
        return signal_with_alarms(
            values,
            alarms,
            scores=self.scores,
            thresholds=self.thresholds,
            labels=self.labels,
            path=path,
        )
