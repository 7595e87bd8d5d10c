"""QuantileThreshold: about 1 - q of the samples raise an alarm."""

from __future__ import annotations

import numpy as np
import pytest

from streamad.thresholds import QuantileThreshold


def alarm_rate(model, scores) -> float:
    alarms = 0
    for s in scores:
        x = {"v": float(s)}
        alarms += model.classify(model.score_one(x))
        model.learn_one(x)
    return alarms / len(scores)


@pytest.mark.parametrize("window", [None, 500])
def test_alarm_rate_is_one_minus_q(window, value):
    scores = np.random.default_rng(3).normal(size=20_000)
    rate = alarm_rate(QuantileThreshold(value(), q=0.95, window=window), scores)
    assert rate == pytest.approx(0.05, abs=0.01)


def test_default_warmup_waits_for_one_over_one_minus_q(value):
    model = QuantileThreshold(value(), q=0.99)
    for i in range(99):
        model.learn_one({"v": float(i)})
    assert model.threshold is None
    model.learn_one({"v": 99.0})
    assert model.threshold is not None


def test_rolling_window_follows_a_change_of_level(value):
    rng = np.random.default_rng(4)
    scores = np.r_[rng.normal(0, 1, 2000), rng.normal(10, 1, 2000)]
    whole = QuantileThreshold(value(), q=0.95)
    rolling = QuantileThreshold(value(), q=0.95, window=200)
    alarm_rate(whole, scores)
    alarm_rate(rolling, scores)
    assert 10 < rolling.threshold < 13  # the new level's 95% quantile is 11.6
    assert whole.threshold < rolling.threshold
