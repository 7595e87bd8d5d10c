"""get_state / set_state: plain data, restored bit for bit onto a fresh filter."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from streamad.thresholds import (
    FixedThreshold,
    PRCurveThreshold,
    QuantileThreshold,
    SigmaThreshold,
    SPOTThreshold,
)

FILTERS = {
    "fixed": lambda d=None: FixedThreshold(d, threshold=3.0),
    "sigma": lambda d=None: SigmaThreshold(d, k=3.0, warmup=20),
    "sigma-window": lambda d=None: SigmaThreshold(d, window=50, warmup=20),
    "quantile": lambda d=None: QuantileThreshold(d, q=0.95),
    "quantile-window": lambda d=None: QuantileThreshold(d, q=0.95, window=50),
    "spot": lambda d=None: SPOTThreshold(d, q=1e-3, n_init=200, level=0.9),
    "dspot": lambda d=None: SPOTThreshold(d, q=1e-3, n_init=200, level=0.9, drift=True, depth=5),
    "pr-curve": lambda d=None: PRCurveThreshold(d, n_calibration=150),
}
NAMES = list(FILTERS)
N = 600


def stream() -> tuple[list[float], list[int]]:
    """Half-normal scores, spikes (labelled 1) every 97 samples, and a few bad scores."""
    scores = np.abs(np.random.default_rng(3).normal(size=N))
    scores[5::97] = 9.0
    scores[[30, 250]] = math.nan
    scores[[70, 330]] = 1e30
    scores[410] = math.inf
    return scores.tolist(), [int(s == 9.0) for s in scores]


def is_plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("cut", [0, 5, 60, 170, 350])
@pytest.mark.parametrize("name", NAMES)
def test_state_round_trips_through_json_and_the_future_is_the_same(name, cut):
    scores, labels = stream()
    saved = FILTERS[name]()
    for score, y in zip(scores[:cut], labels[:cut], strict=True):
        saved.update_threshold(score, y)
    state = saved.get_state()
    assert is_plain(state)
    text = json.dumps(state, allow_nan=False)  # strict JSON: plain data only
    restored = FILTERS[name]()
    restored.set_state(json.loads(text))
    assert restored.threshold == saved.threshold
    assert restored.n_ignored == saved.n_ignored
    for score, y in zip(scores[cut:], labels[cut:], strict=True):
        assert restored.classify(score) == saved.classify(score)
        saved.update_threshold(score, y)
        restored.update_threshold(score, y)
        assert restored.threshold == saved.threshold  # bit for bit, not approximately
    assert restored.get_state() == saved.get_state()
    assert saved.n_ignored == 3


@pytest.mark.parametrize("name", NAMES)
def test_state_holds_the_threshold_not_the_detector(name, value):
    scores, labels = stream()
    model = FILTERS[name](value())
    for score, y in zip(scores, labels, strict=True):
        x = {"v": score}
        model.score_one(x)
        model.learn_one(x, y)
    state = model.get_state()
    assert state["n_ignored"] == 3
    assert "anomaly_detector" not in json.dumps(state)
    fresh = FILTERS[name](value())
    fresh.set_state(state)
    assert fresh.threshold == model.threshold
    assert fresh.anomaly_detector.n_learned == 0  # the detector is saved separately


@pytest.mark.parametrize("name", NAMES)
def test_state_of_another_filter_is_refused(name):
    model = FILTERS[name]()
    other = FILTERS["pr-curve" if name != "pr-curve" else "sigma"]()
    with pytest.raises(ValueError, match="state must have the keys"):
        model.set_state(other.get_state())
