"""streamad: online anomaly detection with LSTM autoencoders, native to River and PyTorch.

Data flows one way: source (``streamad.datasets``, ``streamad.synth``) → :class:`Monitor`, the
whole chain in one object: guard (:class:`Guard`, the input policy) → scaler (River) → detector
(:class:`RollingDetector` with a module from ``streamad.modules``) → threshold
(``streamad.thresholds``) → alarm → evaluation (``streamad.metrics``). ``streamad.plot`` is
imported on demand so that matplotlib stays optional.
"""

from __future__ import annotations

from streamad import datasets, evaluate, metrics, modules, synth, thresholds
from streamad.detector import RollingDetector
from streamad.evaluate import Report, prequential
from streamad.guard import Guard
from streamad.keyed import KeyedDetector
from streamad.monitor import Event, Monitor

__version__ = "0.1.0"

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
