"""Synthetic streams and stream transforms for testing anomaly detectors.

Generators (`SineWithSpikes`, `SensorStream`) are re-iterable `Stream`s of `(x, y)` pairs,
reproducible from their `seed`. `Inject` adds labelled anomalies to any stream and records where,
of which kind, and on which features; the kinds are the pure functions of `streamad.synth.inject`.
`curve_shift` relabels a stream for early warning.
"""

from __future__ import annotations

from streamad.synth.curve_shift import curve_shift
from streamad.synth.inject import (
    jitter,
    level_shift,
    magnitude_warp,
    permutation,
    rotation,
    scaling,
    spike,
)
from streamad.synth.injector import KINDS, Inject, Injection
from streamad.synth.sensors import SensorStream, sensor_signals
from streamad.synth.sine import SineWithSpikes, sine_with_spikes

__all__ = [
    "KINDS",
    "Inject",
    "Injection",
    "SensorStream",
    "SineWithSpikes",
    "curve_shift",
    "jitter",
    "level_shift",
    "magnitude_warp",
    "permutation",
    "rotation",
    "scaling",
    "sensor_signals",
    "sine_with_spikes",
    "spike",
]
