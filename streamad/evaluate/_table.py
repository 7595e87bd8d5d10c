"""The report as text: the metrics as ``name  value`` rows, the alarms as a small table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from streamad.evaluate._alarms import AlarmRecord

__all__ = ["ROWS", "alarm_table", "cell", "to_json"]

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


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _short(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def cell(key: str, metrics: dict[str, Any]) -> str | None:
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


def to_json(value: Any) -> Any:
    """Plain JSON: arrays as lists, nan as null."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def alarm_table(
    alarms: Sequence[AlarmRecord], left_out: int = 0, n: int = 5, features: int = 3
) -> str:
    """The first ``n`` of ``alarms``, one a line, with the ``features`` most to blame; empty
    when there are none. ``left_out`` alarms were raised but not kept.

    Examples
    --------
    >>> from streamad.evaluate import AlarmRecord
    >>> from streamad.evaluate._table import alarm_table
    >>> alarms = [AlarmRecord(412, 31.2, 4.1, (("disk_io", 0.83), ("cpu", 0.12)), 0.9995)]
    >>> print(alarm_table(alarms, left_out=2))
    3 alarms (the last 1 kept):
      sample  score  threshold  calibrated  features to blame
         412   31.2        4.1      0.9995  disk_io 83%, cpu 12%
    """
    if not alarms or n < 1:
        return ""
    kept, shown = len(alarms), alarms[:n]
    total = kept + left_out
    head = f"{total:,} alarm{'s' if total > 1 else ''}"
    if left_out:
        head += f" (the last {kept:,} kept)"
    head += f", the first {len(shown)} listed:" if len(shown) < kept else ":"
    timed = any(a.time is not None for a in shown)
    calibrated = any(a.calibrated is not None for a in shown)
    columns = [("sample", [f"{a.index:,}" for a in shown], ">")]
    if timed:
        columns.append(("time", ["-" if a.time is None else str(a.time) for a in shown], "<"))
    columns.append(("score", [f"{a.score:.3g}" for a in shown], ">"))
    columns.append(("threshold", [_short(a.threshold) for a in shown], ">"))
    if calibrated:
        calibrations = ["-" if a.calibrated is None else f"{a.calibrated:.4f}" for a in shown]
        columns.append(("calibrated", calibrations, ">"))
    columns.append(("features to blame", [a.blamed(features) for a in shown], "<"))
    widths = [max(len(name), *map(len, cells)) for name, cells, _ in columns]
    lines = [head]
    for row in range(-1, len(shown)):
        cells = [
            f"{name if row < 0 else values[row]:{align}{width}}"
            for (name, values, align), width in zip(columns, widths, strict=True)
        ]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines)
