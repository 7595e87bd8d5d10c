"""The filters' statistics: the bound, stable moments, quantiles, and their plain-data state."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
from river import stats

from streamad.thresholds._bound import ScoreBound
from streamad.thresholds._moments import RollingVar, RunningVar
from streamad.thresholds._quantiles import P2Quantile, RollingQuantile
from streamad.thresholds._state import dump, load


def test_bound_clips_one_huge_score_and_is_not_widened_by_it():
    bound = ScoreBound(c=2.0)
    rng = np.random.default_rng(0)
    for v in np.abs(rng.normal(size=100)):
        bound.clip(float(v))
    band = bound.band()
    assert band is not None
    assert bound.clip(1e30) == band[1] < 10
    band = bound.band()
    assert band[1] < 10  # the raw 1e30 is in the window, but the band is not widened
    assert bound.clip(-1e30) == band[0] > -10


def test_bound_takes_scores_as_they_come_until_ten_are_in():
    bound = ScoreBound(c=2.0)
    assert [bound.clip(v) for v in (1.0, 1e30, 2.0)] == [1.0, 1e30, 2.0]
    assert bound.band() is None


def test_bound_opens_to_a_new_level_after_three_scores():
    bound = ScoreBound(c=2.0)
    for v in np.abs(np.random.default_rng(1).normal(size=100)):
        bound.clip(float(v))
    assert [bound.clip(1000.0) < 1000.0 for _ in range(4)] == [True, True, True, False]


def test_rolling_variance_survives_a_change_of_level_and_a_long_stream():
    rng = np.random.default_rng(2)
    scores = np.r_[1e8 + rng.normal(size=500), rng.normal(size=20_000), [1e19], rng.normal(size=60)]
    var = RollingVar(window=50)
    for i, x in enumerate(scores):
        var.update(float(x))
        recent = scores[max(0, i - 49) : i + 1]
        if i >= 560 and not 20_500 <= i < 20_550:  # the window holds clean scores only
            assert var.mean == pytest.approx(recent.mean(), abs=1e-9)
            assert var.get() == pytest.approx(recent.var(ddof=1), rel=1e-9)
    assert var.get() > 0


def test_running_variance_is_welford():
    scores = 1e9 + np.random.default_rng(3).exponential(size=1000)
    var = RunningVar()
    for x in scores:
        var.update(float(x))
    assert var.mean == pytest.approx(scores.mean(), rel=1e-12)
    assert var.get() == pytest.approx(scores.var(ddof=1), rel=1e-6)  # sums of squares: 1e2


@pytest.mark.parametrize("q", [0.5, 0.9, 0.99])
def test_p2_is_rivers_estimate(q):
    ours, rivers = P2Quantile(q), stats.Quantile(q)
    for i, x in enumerate(np.random.default_rng(4).normal(size=5000)):
        ours.update(float(x))
        rivers.update(float(x))
        if i >= 5:  # before that ours is the exact quantile of the scores so far
            assert ours.get() == rivers.get()


@pytest.mark.parametrize("window", [1, 7, 100])
def test_rolling_quantile_is_exact(window):
    scores = np.random.default_rng(5).normal(size=400)
    quantile = RollingQuantile(0.9, window)
    for i, x in enumerate(scores):
        quantile.update(float(x))
        expected = np.quantile(scores[max(0, i - window + 1) : i + 1], 0.9)
        assert quantile.get() == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_state_round_trips_objects_deques_and_non_finite_floats():
    var = RollingVar(window=3)
    for x in (1.0, 2.0, 4.0, 8.0):
        var.update(x)
    state = dump(var)
    assert state["recent"] == [2.0, 4.0, 8.0]
    restored = load(RollingVar(window=3), state)
    assert vars(restored) == vars(var)
    assert load(math.nan, dump(math.inf)) == math.inf
    recent = load(collections.deque(maxlen=2), [1.0, "-inf"])
    assert recent == collections.deque([1.0, -math.inf]) and recent.maxlen == 2
    with pytest.raises(TypeError, match="plain data"):
        dump(object())
