"""Alarm explanations and the HitRate@P% of feature rankings."""

from __future__ import annotations

import math

import pytest
from river import anomaly, preprocessing

from streamad import RollingDetector
from streamad.thresholds import Alarm, FixedThreshold, attribution, explain, top_k_hit_rate


def test_alarm_reads_well():
    ranked = tuple((f"dim_{i}", share) for i, share in enumerate([0.4, 0.2, 0.15, 0.1, 0.1, 0.05]))
    assert str(Alarm(3.21, 1.05, True, ranked)) == (
        "ALARM score 3.21 > threshold 1.05: "
        "dim_0 40%, dim_1 20%, dim_2 15%, dim_3 10%, dim_4 10%, ..."
    )
    assert str(Alarm(0.5, 1.05, False)) == "no alarm: score 0.5 <= threshold 1.05"
    assert str(Alarm(0.5, None, False)).startswith("no alarm (threshold warming up)")


def test_alarm_is_frozen():
    with pytest.raises(AttributeError):
        Alarm(1.0, 0.5, True).score = 2.0  # type: ignore[misc]


def test_attribution_shares():
    shares = attribution({"a": 1.0, "b": 3.0, "c": 1.0})
    assert shares == (("b", 0.6), ("a", 0.2), ("c", 0.2))
    assert attribution({"a": 0.0, "b": 0.0}) == (("a", 0.0), ("b", 0.0))
    with pytest.raises(ValueError, match="finite and >= 0"):
        attribution({"a": float("nan")})


@pytest.mark.parametrize("shape", ["detector", "filter(pipeline)", "pipeline(filter)"])
def test_explain_finds_the_detector(shape):
    detector = RollingDetector(window_size=3, hidden_size=2)
    model = {
        "detector": detector,
        "filter(pipeline)": FixedThreshold(preprocessing.MinMaxScaler() | detector, 0.5),
        "pipeline(filter)": preprocessing.MinMaxScaler() | FixedThreshold(detector, 0.5),
    }[shape]
    for i in range(30):
        x = {"a": float(i % 3), "b": float(i % 2), "c": -1.0}
        model.score_one(x)
        model.learn_one(x)
    x = {"a": 1.0, "b": 9.0, "c": -1.0}
    score = model.score_one(x)
    alarm = explain(model, score, 0.5)
    assert alarm.is_alarm == (score > 0.5)
    assert alarm.features[0] == "b"
    assert sum(share for _, share in alarm.attribution) == pytest.approx(1.0)
    errors = detector.feature_errors
    assert sum(errors.values()) / len(errors) == pytest.approx(score, rel=1e-5)  # mse


def test_explain_needs_feature_errors():
    with pytest.raises(TypeError, match="feature_errors"):
        explain(anomaly.HalfSpaceTrees(), 0.5, 0.1)


def test_explain_before_any_score_has_no_attribution():
    alarm = explain(RollingDetector(), 0.0, None)
    assert alarm.attribution == () and not alarm.is_alarm


def test_hit_rate_at_100_and_150_percent():
    rankings = ["abcd", "cadb", "dcba", "abcd"]
    truth = [{"a", "c"}, {"a", "b"}, {"a", "b", "c"}, set()]
    # |G| = 2, 2, 3: top 2, 2, 3 at 100% -> 1/2, 1/2, 2/3; top 3, 3, 4 at 150% -> 1, 1/2, 1
    assert top_k_hit_rate(rankings, truth, p=100) == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)
    assert top_k_hit_rate(rankings, truth, p=150) == pytest.approx((1 + 0.5 + 1) / 3)


def test_hit_rate_accepts_alarms_and_is_nan_without_truth():
    alarm = Alarm(2.0, 1.0, True, (("b", 0.7), ("a", 0.3)))
    assert top_k_hit_rate([alarm], [{"b"}]) == 1.0
    assert math.isnan(top_k_hit_rate([alarm], [set()]))


def test_hit_rate_refuses_bad_input():
    with pytest.raises(ValueError, match="2 rankings but 1"):
        top_k_hit_rate([["a"], ["b"]], [{"a"}])
    with pytest.raises(ValueError, match="p must be"):
        top_k_hit_rate([["a"]], [{"a"}], p=0)
