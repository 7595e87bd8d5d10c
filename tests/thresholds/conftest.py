"""Detectors for testing threshold filters: known scores, and a spy that counts calls."""

from __future__ import annotations

import pytest
from river import anomaly


class Value(anomaly.base.AnomalyDetector):
    """Scores a sample by its value ``x["v"]``; counts its calls."""

    def __init__(self) -> None:
        self.n_scored = 0
        self.n_learned = 0

    def score_one(self, x: dict) -> float:
        self.n_scored += 1
        return x["v"]

    def learn_one(self, x: dict) -> None:
        self.n_learned += 1


class Jump(anomaly.base.AnomalyDetector):
    """Scores a sample by its jump from the last sample learned: spikes stand out of a sine."""

    def __init__(self) -> None:
        self.last = 0.0

    def score_one(self, x: dict) -> float:
        return abs(x["value"] - self.last)

    def learn_one(self, x: dict) -> None:
        self.last = x["value"]


@pytest.fixture
def value() -> type[Value]:
    return Value


@pytest.fixture
def jump() -> type[Jump]:
    return Jump
