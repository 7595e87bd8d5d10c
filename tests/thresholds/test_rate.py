"""RateThreshold: about one alarm per 1 / rate samples of any stationary stream."""

from __future__ import annotations

import random

import pytest
from river import anomaly

from streamad.thresholds import RateThreshold, rank_threshold


class Value(anomaly.base.AnomalyDetector):
    def learn_one(self, x):
        pass

    def score_one(self, x):
        return x["v"]


def run(model, values):
    alarms = []
    for v in values:
        x = {"v": v}
        alarms.append(bool(model.classify(model.score_one(x))))
        model.learn_one(x)
    return alarms


@pytest.mark.parametrize(
    "draw", [lambda r: r.gauss(0, 1), lambda r: r.expovariate(1.0), lambda r: r.paretovariate(1.5)]
)
def test_the_alarm_rate_is_about_the_target_whatever_the_distribution(draw):
    rng = random.Random(7)
    values = [draw(rng) for _ in range(40_000)]
    alarms = run(RateThreshold(Value(), rate=1e-3, window=5_000), values)
    late = sum(alarms[10_000:]) / 30_000
    assert 0.0004 < late < 0.002


def test_early_on_a_score_above_all_but_one_alarms():
    model = RateThreshold(Value(), rate=1e-3, warmup=5, young_margin=0.0)
    alarms = run(model, [1.0, 2.0, 30.0, 2.5, 1.0, 0.5, 3.5, 1.0, 2.9, 3.6])
    assert alarms == [False] * 5 + [False, True, False, False, True]
    assert model.threshold == 3.6  # the second largest: one extreme score hides nothing


def test_a_young_history_carries_a_shrinking_margin():
    model = RateThreshold(Value(), rate=0.01, warmup=1, settle=0)
    run(model, [1.0, 2.0, 3.0, 4.0, 5.0] * 10)  # 50 scores: half of 1 / rate
    assert model.threshold == pytest.approx(5.0 * 1.5)  # the second largest, and half the margin
    run(model, [1.0, 2.0, 3.0, 4.0, 5.0] * 10)
    assert model.threshold == 5.0  # 100 scores: no margin left


def test_the_first_scores_settle_out_of_the_history():
    model = RateThreshold(Value(), rate=0.01, warmup=1, settle=10, young_margin=0.0)
    run(model, [100.0] * 10)  # a detector's first, high errors
    run(model, [1.0] * 9)
    assert model.threshold == 100.0
    run(model, [1.0])  # ten later scores are in: the first ten leave
    assert model.threshold == 1.0


def test_one_huge_score_moves_the_threshold_by_one_rank():
    rng = random.Random(1)
    model = RateThreshold(Value(), rate=0.01, window=1_000)
    run(model, [rng.random() for _ in range(1_000)])
    before = model.threshold
    run(model, [1e300])
    assert model.threshold < 1.0 and model.threshold >= before


def test_forgetting_a_run_restores_the_threshold_before_it():
    rng = random.Random(2)
    model = RateThreshold(Value(), rate=0.01, window=2_000)
    run(model, [rng.random() for _ in range(2_000)])
    before = model.threshold
    run(model, [50.0 + i for i in range(40)])  # a burst of a new level
    assert model.threshold > 10
    model.forget_recent(40)
    assert model.threshold == pytest.approx(before, abs=0.02)


def test_non_finite_scores_are_ignored_and_the_state_round_trips():
    model = RateThreshold(Value(), rate=0.1, window=50, warmup=3)
    run(model, [1.0, 2.0, 3.0])
    model.update_threshold(float("nan"))
    assert model.n_ignored == 1 and model.n_scores == 3
    copy = RateThreshold(Value(), rate=0.1, window=50, warmup=3)
    copy.set_state(model.get_state())
    assert copy.threshold == model.threshold


@pytest.mark.parametrize("kwargs", [{"rate": 0}, {"rate": 1.5}, {"rate": 1e-3, "window": 100}])
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        RateThreshold(Value(), **kwargs)


def test_rank_threshold_is_the_kth_largest():
    ordered = [float(i) for i in range(100)]
    assert rank_threshold(ordered, 0.05) == 95.0
    assert rank_threshold(ordered, 0.001) == 98.0
    assert rank_threshold([4.0], 0.001) == 4.0
