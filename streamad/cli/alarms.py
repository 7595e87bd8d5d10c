"""What ``watch`` writes: one JSON line per alarm, and status lines for people."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

__all__ = ["alarm_line", "status_line"]

#: Alarm fields written under their own keys (any other field of the Alarm is added as is).
_KNOWN = {"score", "threshold", "is_alarm", "attribution"}


def _plain(value: Any) -> Any:
    """JSON-ready: non-finite floats as None, tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def alarm_line(
    alarm: Any, index: int, time: str | None, monitor: Any, top: int, label: Any = None
) -> str:
    """The JSON line of an alarm on the sample at ``index`` (from 0, across resumes).

    Examples
    --------
    >>> import json
    >>> from types import SimpleNamespace
    >>> from streamad.cli.alarms import alarm_line
    >>> from streamad.thresholds import Alarm
    >>> alarm = Alarm(3.5, 1.2, True, (("cpu", 0.75), ("mem", 0.25)))
    >>> monitor = SimpleNamespace(last_imputed=("mem",), last_clipped=(), last_events=())
    >>> line = json.loads(alarm_line(alarm, 41, "2024-05-01 10:00", monitor, top=1))
    >>> [line[key] for key in ("index", "time", "score", "threshold", "features", "imputed")]
    [41, '2024-05-01 10:00', 3.5, 1.2, [['cpu', 0.75]], ['mem']]
    """
    data: dict[str, Any] = {
        "index": index,
        "time": time,
        "score": getattr(alarm, "score", None),
        "threshold": getattr(alarm, "threshold", None),
    }
    if dataclasses.is_dataclass(alarm):  # e.g. a calibrated score, when the Alarm has one
        for field in dataclasses.fields(alarm):
            if field.name not in _KNOWN:
                data[field.name] = getattr(alarm, field.name)
    shares = getattr(alarm, "attribution", ()) or ()
    data["features"] = [[name, share] for name, share in list(shares)[:top]]
    data["imputed"] = list(getattr(monitor, "last_imputed", ()))
    data["clipped"] = list(getattr(monitor, "last_clipped", ()))
    events = getattr(monitor, "last_events", ())
    data["events"] = [{"kind": e.kind, "message": e.message} for e in events]
    if label is not None:
        data["label"] = label
    return json.dumps(_plain(data))


def status_line(counts: dict[str, Any]) -> str:
    """``streamad: status samples=... alarms=...`` from ``counts``, in order.

    Examples
    --------
    >>> from streamad.cli.alarms import status_line
    >>> status_line({"samples": 1200, "alarms": 3, "rate": 812.5})
    'streamad: status samples=1200 alarms=3 rate=812.5'
    """
    shown = []
    for key, value in counts.items():
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        shown.append(f"{key}={text}")
    return "streamad: status " + " ".join(shown)
