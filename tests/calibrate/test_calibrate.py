"""Calibrations: a readable number in [0, 1], monotone where promised, saved as plain data."""

from __future__ import annotations

import functools
import json
import math
import random

import pytest

from streamad import Monitor, RollingDetector
from streamad.calibrate import Likelihood, Percentile
from streamad.modules import Stacked
from streamad.synth import SineWithSpikes


def test_percentile_is_the_share_of_recent_scores_below():
    rng = random.Random(0)
    calibration = Percentile(window=500, warmup=30)
    assert calibration.calibrate(1.0) is None
    scores = [rng.expovariate(1.0) for _ in range(2000)]
    for s in scores:
        calibration.learn(s)
    recent = sorted(scores[-500:])
    for probe in (0.01, 0.5, 1.0, 3.0, 100.0):
        expected = sum(v < probe for v in recent) / 500
        assert calibration.calibrate(probe) == pytest.approx(expected)
    values = [calibration.calibrate(p / 10) for p in range(100)]
    assert values == sorted(values) and values[0] >= 0 and values[-1] <= 1
    calibration.learn(math.nan)
    calibration.learn(math.inf)
    assert len(calibration.get_state()["recent"]) == 500


@pytest.mark.parametrize("cls", [Percentile, functools.partial(Likelihood, warmup=50)])
def test_state_round_trips_as_json(cls):
    a, b = cls(), cls()
    rng = random.Random(1)
    for _ in range(300):
        a.learn(rng.random(), {"v": rng.random()})
    b.set_state(json.loads(json.dumps(a.get_state())))
    for _ in range(100):
        s, x = rng.random() * 2, {"v": rng.random() * 2}
        assert a.calibrate(s, x) == b.calibrate(s, x)
        a.learn(s, x)
        b.learn(s, x)


def test_likelihood_run_filter_keeps_only_the_first_of_a_run():
    calibration = Likelihood(history=1000, short=1, warmup=100, range_rule=False)
    rng = random.Random(2)
    for _ in range(500):
        calibration.learn(1.0 + 0.01 * rng.random())
    values = []
    for _ in range(5):  # a run of very high scores
        values.append(calibration.calibrate(50.0))
        calibration.learn(50.0)
    assert values[0] >= 0.99999
    assert all(v == pytest.approx(0.9999) for v in values[1:])
    unfiltered = Likelihood(history=1000, short=1, warmup=100, run_filter=False)
    unfiltered.set_state(calibration.get_state())
    assert unfiltered.calibrate(50.0) >= 0.99999


def test_likelihood_range_rule_flags_values_outside_the_range_seen():
    calibration = Likelihood(warmup=20)
    for i in range(100):
        calibration.learn(1.0, {"value": float(i % 10)})
    assert calibration.calibrate(1.0, {"value": 9.4}) < 1.0
    assert calibration.calibrate(1.0, {"value": 9.6}) == 1.0
    assert calibration.calibrate(1.0, {"a": 20.0, "b": 1.0}) < 1.0  # univariate only


def test_monitor_alarms_carry_the_calibrated_score(tmp_path):
    detector = RollingDetector(Stacked, window_size=4, lr=0.1, encoder_sizes=(8, 4))
    monitor = Monitor(detector.clone({"score_mode": "max"}))
    alarms = [monitor.process_one(x) for x, _ in SineWithSpikes()]
    calibrated = [a.calibrated for a in alarms]
    assert calibrated[0] is None and all(0 <= c <= 1 for c in calibrated[100:])
    spikes = [alarms[i].calibrated for i in (100, 700, 900)]
    assert min(spikes) > 0.99
    assert "calibrated" in str(alarms[500])
    monitor.save(tmp_path / "m.ckpt")
    loaded = Monitor.load(tmp_path / "m.ckpt")
    x = {"value": 0.3}
    assert loaded.process_one(x) == monitor.process_one(x)


def test_a_monitor_with_likelihood_saves_and_loads(tmp_path):
    monitor = Monitor(
        RollingDetector(window_size=4, hidden_size=4),
        calibration=functools.partial(Likelihood, history=500, warmup=50),
    )
    for x, _ in list(SineWithSpikes())[:300]:
        monitor.process_one(x)
    monitor.save(tmp_path / "m.ckpt")
    loaded = Monitor.load(tmp_path / "m.ckpt")
    assert loaded.calibration.keywords == {"history": 500, "warmup": 50}
    for x, _ in list(SineWithSpikes())[300:400]:
        assert loaded.process_one(x) == monitor.process_one(x)
