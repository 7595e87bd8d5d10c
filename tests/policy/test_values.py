"""Value rules: a value that is no measurement, a constant that changes, a varying one stuck."""

from __future__ import annotations

import numpy as np
import pytest

from streamad import Monitor, RollingDetector
from streamad.policy import ValueRules


def sine(i: int, rng: np.random.Generator) -> float:
    return float(np.sin(i / 10) + 0.05 * rng.normal())


def stream(n: int, constant: float = 0.0, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"load": sine(i, rng), "errors": constant} for i in range(n)]


def small(**kwargs) -> Monitor:
    return Monitor(RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0), **kwargs)


@pytest.mark.parametrize("constant", [0.0, 0.5])
@pytest.mark.parametrize("jump", [1.0, 5.0, 100.0])
def test_a_constant_feature_that_changes_alarms_and_names_itself(constant, jump):
    """Reported: a feature stuck at 0.0 (or 0.5) for 1,000 samples that jumps by +1, +5 or
    +100 never alarmed: the guard clipped it back, and the scaler maps a zero-variance feature
    to 0."""
    monitor = small()
    for x in stream(1000, constant):
        monitor.process_one(x)
    alarm = monitor.process_one({"load": 0.1, "errors": constant + jump})
    assert alarm.is_alarm and alarm.kind == "changed" and alarm.features == ("errors",)
    assert "held" in alarm.reason and "1000 samples" in alarm.reason


def test_blips_alarm_after_the_longest_calm_yet_and_not_as_a_habit():
    """An error counter's blip after a record calm is news; a blip after a calm it has shown
    before (a command sent now and then) is not."""
    monitor = small()
    rng = np.random.default_rng(1)
    calms = [1200, 1500, 1300, 1500, 2000, 1100, 2500]  # records: 1200, 1500, 2000, 2500
    found = []
    i = 0
    for calm in calms:
        for _ in range(calm):
            monitor.process_one({"load": sine(i, rng), "errors": 0.0})
            i += 1
        alarm = monitor.process_one({"load": sine(i, rng), "errors": 1.0})
        i += 1
        found.append(alarm.is_alarm and alarm.kind == "changed")
    assert found == [True, True, False, False, True, False, True]


def test_a_constant_feature_that_starts_varying_is_accepted_as_an_event():
    monitor = small()
    rng = np.random.default_rng(2)
    for x in stream(1000):
        monitor.process_one(x)
    kinds = []
    for i in range(300):
        alarm = monitor.process_one({"load": sine(i, rng), "errors": float(rng.normal())})
        kinds.append(alarm.kind if alarm.is_alarm else None)
    assert kinds[0] == "changed" and "changed" not in kinds[1:]
    events = [e.kind for e in monitor.events]
    assert events.count("feature_varies") == 1  # (the guard also starts its scale again)


def test_a_varying_feature_that_freezes_alarms_once():
    monitor = small()
    rng = np.random.default_rng(3)
    xs = [{"load": sine(i, rng), "errors": 0.0} for i in range(500)]
    xs += [{"load": xs[-1]["load"], "errors": 0.0}] * 100  # the load sensor sticks
    alarms = [monitor.process_one(x) for x in xs]
    found = [(i, a.kind, a.features) for i, a in enumerate(alarms) if a.is_alarm]
    frozen = [f for f in found if f[1] == "frozen"]
    assert frozen == [(499 + 29, "frozen", ("load",))]  # the 30th sample of one value


@pytest.mark.parametrize("value", [1e300, float("inf"), -float("inf"), 10**400])
def test_an_implausible_value_alarms_and_names_the_feature(value):
    """Reported: 1e300 (a stuck or broken sensor) was imputed and counted, never alarmed."""
    monitor = small()
    for x in stream(100):
        monitor.process_one(x)
    alarm = monitor.process_one({"load": value, "errors": 0.0})
    assert alarm.is_alarm and alarm.kind == "implausible" and alarm.features == ("load",)
    assert monitor.last_imputed == ("load",)
    assert "ALARM implausible value: load" in str(alarm)


def test_missing_values_are_not_implausible():
    monitor = small()
    for x in stream(100):
        monitor.process_one(x)
    for x in (
        {"errors": 0.0},
        {"load": None, "errors": 0.0},
        {"load": float("nan"), "errors": 0.0},
    ):
        alarm = monitor.process_one(x)
        assert alarm.kind == "score" and monitor.last_imputed == ("load",)


def test_context_features_break_no_rule():
    monitor = small(context=["errors"])
    for x in stream(1000):
        monitor.process_one(x)
    alarm = monitor.process_one({"load": 0.1, "errors": 7.0})
    assert not (alarm.is_alarm and alarm.kind == "changed")


def test_rules_check_without_changing_anything_and_round_trip_their_state():
    rules = ValueRules(constant_after=5, frozen_after=3)
    for i in range(10):
        rules.learn({"a": 0.0, "b": float(i)})
    before = rules.get_state()
    assert rules.check({"a": 1.0, "b": 3.0}).kind == "changed"
    assert rules.get_state() == before
    copy = ValueRules(constant_after=5, frozen_after=3)
    copy.set_state(before)
    assert copy.check({"a": 1.0, "b": 3.0}) == rules.check({"a": 1.0, "b": 3.0})


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, True])
def test_rules_refuse_bad_lengths(bad):
    with pytest.raises(ValueError, match="constant_after"):
        ValueRules(constant_after=bad)
