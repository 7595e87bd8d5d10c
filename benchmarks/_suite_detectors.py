"""The suite's detectors: the Monitor (default and variants, one part changed at a time) and
the references measured in the same run.

- ``plain``: ``StandardScaler() | RollingDetector()`` as a River pipeline (score, then learn);
  the chain the Monitor wraps.
- ``hst``: River's ``MinMaxScaler() | HalfSpaceTrees(seed=42)``.
- ``deep-river``: ``StandardScaler() | RollingAutoencoder`` with the Monitor's module
  (Srivastava, hidden 30, built under seed 42), lr 0.01, window 10: deep-river's own loop.
- ``monitor``: ``Monitor()``; ``monitor:<variant>`` a set-up of :data:`VARIANTS`.

Every detector is warm-started the same way where a series has a train split: the Monitor by
``warm_start`` (one pass), the others by ``learn_one`` on each row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from deep_river.anomaly import RollingAutoencoder
from river import anomaly, preprocessing

from streamad import Guard, Monitor, RollingDetector
from streamad.modules import Srivastava
from streamad.thresholds import RateThreshold, SigmaThreshold

#: Alarm kinds as codes in the cached arrays (0: no alarm).
KINDS = {"score": 1, "implausible": 2, "changed": 3, "frozen": 4}


class Terms(RollingDetector):
    """A RollingDetector that keeps both error terms of the last window it scored, so that the
    suite can try fusions of them offline (on a Monitor that does not protect, the score does
    not change what is learned)."""

    def _scores(self, evaluation: Any) -> Any:
        self.last_terms = self._terms(evaluation)
        return super()._scores(evaluation)


class MonitorRun:
    alarms = True  # the runner raises alarms at its own default threshold

    def __init__(self, monitor: Monitor) -> None:
        self.model = monitor

    def extra(self) -> dict[str, float]:
        """The newest step's error of the last sample (a probe detector's), if kept."""
        terms = getattr(self.model.detector_, "last_terms", None)
        if terms is None or self.model.warming_up:
            return {"newest": 0.0}
        return {"newest": float(terms[1][-1])}

    def warm(self, rows: list[dict]) -> None:
        if rows:
            self.model.warm_start(rows)

    def step(self, x: dict) -> tuple[float, int]:
        alarm = self.model.process_one(x)
        if not alarm.is_alarm:
            return alarm.score, 0
        return alarm.score, KINDS.get(getattr(alarm, "kind", "score"), 1)


class PipelineRun:
    alarms = False

    def __init__(self, model: Any) -> None:
        self.model = model

    def warm(self, rows: list[dict]) -> None:
        for x in rows:
            self.model.learn_one(x)

    def step(self, x: dict) -> tuple[float, int]:
        score = self.model.score_one(x)
        self.model.learn_one(x)
        return float(score), 0


def _deep_river(n_features: int) -> Any:
    with torch.random.fork_rng():
        torch.manual_seed(42)
        module = Srivastava(n_features)
    return preprocessing.StandardScaler() | RollingAutoencoder(
        module=module, lr=0.01, window_size=10
    )


Make = Callable[[Any, int], Any]  # (series, n_features) -> runner

#: Monitor set-ups, each from the series (for its context columns): the default, and the
#: default with one part changed (the ablation), then the probes of score fusions.
VARIANTS: dict[str, Callable[[Any], Monitor]] = {
    "default": lambda s: Monitor(),
    "window": lambda s: Monitor(RollingDetector(clip_grad=1.0)),
    "max": lambda s: Monitor(RollingDetector(clip_grad=1.0, score_mode="max")),
    "protect": lambda s: Monitor(protect=True),
    "no-guard-clip": lambda s: Monitor(guard=Guard(clip_sigma=float("inf"))),
    "no-grad-clip": lambda s: Monitor(RollingDetector(score_mode="fused")),
    "warmup16": lambda s: Monitor(guard=Guard(warmup=16)),
    "guard-clip100": lambda s: Monitor(guard=Guard(clip_sigma=100.0)),
    "grad-clip10": lambda s: Monitor(RollingDetector(clip_grad=10.0, score_mode="fused")),
    "grad-clip100": lambda s: Monitor(RollingDetector(clip_grad=100.0, score_mode="fused")),
    "no-accept": lambda s: Monitor(accept_after=None),
    "no-rules": lambda s: Monitor(rules=None),
    "sigma": lambda s: Monitor(threshold=SigmaThreshold),
    "rate5e-4": lambda s: Monitor(threshold=partial(RateThreshold, rate=5e-4)),
    "context": lambda s: Monitor(context=s.context or None),
    "probe": lambda s: Monitor(Terms(clip_grad=1.0), threshold=None, calibration=None),
}


def _monitor(variant: str) -> Make:
    return lambda series, n: MonitorRun(VARIANTS[variant](series))


DETECTORS: dict[str, Make] = {
    "plain": lambda s, n: PipelineRun(preprocessing.StandardScaler() | RollingDetector()),
    "hst": lambda s, n: PipelineRun(preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42)),
    "deep-river": lambda s, n: PipelineRun(_deep_river(n)),
}


def make(name: str) -> Make:
    """The runner factory named ``name`` (``monitor`` is ``monitor:default``)."""
    if name in DETECTORS:
        return DETECTORS[name]
    head, _, variant = name.partition(":")
    if head == "monitor" and (variant or "default") in VARIANTS:
        return _monitor(variant or "default")
    known = [*DETECTORS, *(f"monitor:{v}" for v in VARIANTS)]
    raise ValueError(f"unknown detector {name!r}; known: {known}")


__all__ = ["KINDS", "VARIANTS", "make"]
