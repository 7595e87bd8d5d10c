"""streamad: online anomaly detection with LSTM autoencoders, native to River and PyTorch.

Data flows one way: source (``streamad.datasets``, ``streamad.synth``) → :class:`Monitor`, the
whole chain in one object: guard (:class:`Guard`, the input policy) → scaler (River) → detector
(:class:`RollingDetector` with a module from ``streamad.modules``) → threshold
(``streamad.thresholds``) → alarm → evaluation (``streamad.metrics``). ``streamad.plot`` is
imported on demand so that matplotlib stays optional.

Every name below is imported on first use (PEP 562), so that ``import streamad`` — and with it
the ``streamad`` command's ``--help`` — does not load torch and River. River's data sets and
stream readers (and with them scikit-learn) load when used, not when River does
(:mod:`streamad._deferred`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from streamad import _deferred

_deferred.install()  # (before anything imports River; it imports nothing itself)

__version__ = "0.1.0"

#: Re-exported name -> the module defining it.
_FROM = {
    "Event": "streamad.monitor",
    "Guard": "streamad.guard",
    "KeyedDetector": "streamad.keyed",
    "Monitor": "streamad.monitor",
    "Report": "streamad.evaluate",
    "RollingDetector": "streamad.detector",
    "prequential": "streamad.evaluate",
}
_SUBPACKAGES = ("datasets", "evaluate", "metrics", "modules", "synth", "thresholds")

if TYPE_CHECKING:  # what type checkers and editors see: the names, imported eagerly
    from streamad import datasets, evaluate, metrics, modules, synth, thresholds
    from streamad.detector import RollingDetector
    from streamad.evaluate import Report, prequential  # type: ignore[no-redef]
    from streamad.guard import Guard
    from streamad.keyed import KeyedDetector
    from streamad.monitor import Event, Monitor


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        value = importlib.import_module(f"streamad.{name}")
    elif name in _FROM:
        value = getattr(importlib.import_module(_FROM[name]), name)
    else:
        raise AttributeError(f"module 'streamad' has no attribute {name!r}")
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Event",
    "Guard",
    "KeyedDetector",
    "Monitor",
    "Report",
    "RollingDetector",
    "datasets",
    "evaluate",
    "metrics",
    "modules",
    "prequential",
    "synth",
    "thresholds",
]
