"""SPOTThreshold: the false-alarm rate on normal scores stays near the target q."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamad.thresholds import SPOTThreshold, pot_quantile

Q = 1e-3
N = 50_000


def alarm_rate(model, scores, skip: int) -> float:
    alarms = 0
    for s in scores:
        x = {"v": float(s)}
        alarms += model.classify(model.score_one(x))
        model.learn_one(x)
    return alarms / (len(scores) - skip)


@pytest.mark.parametrize("law", ["normal", "exponential"])
def test_false_alarm_rate_is_near_the_target(law, value):
    rng = np.random.default_rng(7)
    scores = getattr(rng, law)(size=N)
    rate = alarm_rate(SPOTThreshold(value(), q=Q, n_init=2000), scores, 2000)
    print(f"SPOT on {N} {law} scores: false-alarm rate {rate:.5f} (target {Q})")
    assert Q / 2 <= rate <= 2 * Q


def test_leaving_alarms_out_raises_the_false_alarm_rate(value):
    """Siffer et al.'s update truncates the tail it fits (the docstring's measured claim)."""
    scores = np.random.default_rng(7).normal(size=N)
    rate = alarm_rate(SPOTThreshold(value(), q=Q, n_init=2000, exclude_alarms=True), scores, 2000)
    assert rate > 2 * Q


def test_dspot_follows_a_drifting_level(value):
    rng = np.random.default_rng(7)
    n = 20_000
    scores = rng.exponential(size=n) + np.linspace(0, 8, n)
    dspot = alarm_rate(SPOTThreshold(value(), q=Q, n_init=2000, drift=True), scores, 2000)
    spot = alarm_rate(SPOTThreshold(value(), q=Q, n_init=2000), scores, 2000)
    print(f"drifting exponential scores: DSPOT rate {dspot:.5f}, SPOT rate {spot:.5f}")
    assert Q / 2 <= dspot <= 2 * Q
    assert spot > dspot


def test_initial_threshold_and_extreme_quantile(value):
    scores = np.random.default_rng(5).exponential(size=1000)
    model = SPOTThreshold(value(), q=Q, n_init=1000, level=0.98)
    for s in scores[:-1]:
        model.learn_one({"v": float(s)})
    assert model.threshold is None
    model.learn_one({"v": float(scores[-1])})
    t = np.sort(scores)[980]
    n_peaks = int((scores > t).sum())
    expected = pot_quantile(t, model.gamma, model.sigma, Q, 1000, n_peaks)
    assert model.threshold == pytest.approx(expected)
    assert model.threshold > t
    # the exponential's true quantile of 1 - 1e-3 is log(1000) = 6.9
    assert model.threshold == pytest.approx(math.log(1000), rel=0.25)


def test_constant_scores_give_a_threshold_but_no_alarm(value):
    model = SPOTThreshold(value(), q=Q, n_init=100)
    for _ in range(300):
        x = {"v": 1.0}
        assert not model.classify(model.score_one(x))
        model.learn_one(x)
    assert model.threshold == 1.0
