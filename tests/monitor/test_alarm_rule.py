"""The default alarm rule: a false-alarm rate, one alarm per crossing, context never blamed."""

from __future__ import annotations

import functools

import numpy as np
from river import anomaly

from streamad import Monitor, RollingDetector
from streamad.thresholds import FixedThreshold, RateThreshold


class Scripted(anomaly.base.AnomalyDetector):
    """Gives the scores of ``scores`` in turn, one per sample scored."""

    def __init__(self, scores=()):
        self.scores = scores
        self._next = iter(scores)

    def learn_one(self, x):
        pass

    def score_one(self, x):
        return next(self._next)


def test_a_run_of_high_scores_raises_one_alarm_that_goes_on():
    scores = [0.0] * 20 + [5.0] * 4 + [0.0] + [5.0]
    threshold = functools.partial(FixedThreshold, threshold=1.0)
    monitor = Monitor(Scripted(scores), threshold=threshold, rules=None)
    warm = monitor.guard_.warmup  # the warm-up samples are not scored by the detector
    alarms = [monitor.process_one({"s": float(i % 3)}) for i in range(warm + len(scores))]
    alarms = alarms[warm:]
    assert [a.is_alarm for a in alarms[20:]] == [True, False, False, False, False, True]
    assert [a.ongoing for a in alarms[20:]] == [False, True, True, True, False, False]
    assert "alarm goes on" in str(alarms[21])
    assert monitor.n_alarms == 2


def test_the_default_threshold_is_a_false_alarm_rate():
    monitor = Monitor()
    assert isinstance(monitor.filter_, RateThreshold) and monitor.filter_.rate == 1e-3


def test_a_clean_stationary_stream_stays_near_the_target_rate():
    rng = np.random.default_rng(0)
    monitor = Monitor(RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0))
    alarms = 0
    for i in range(12_000):
        x = {"a": float(np.sin(i / 10) + 0.1 * rng.normal()), "b": float(rng.normal())}
        alarms += monitor.process_one(x).is_alarm
    assert alarms <= 12 * 2  # about one per 1,000 samples (a few new maxima early on)


def commands(n: int, seed: int = 0) -> list[dict]:
    """A telemetry value and one-hot commands, a pulse of one command every 50 samples."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = {"value": float(np.sin(i / 15) + 0.02 * rng.normal())}
        x.update({f"cmd_{k}": float(i % 50 == 0 and (i // 50) % 3 == k) for k in range(3)})
        out.append(x)
    return out


def test_context_features_are_read_but_never_scored_or_blamed():
    monitor = Monitor(
        RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0), context=["cmd_*"]
    )
    for x in commands(600):
        alarm = monitor.process_one(x)
        assert not any(name.startswith("cmd_") for name in alarm.features)
    assert set(monitor.feature_errors) == {"value"}
    assert monitor.detector_.features == ("cmd_0", "cmd_1", "cmd_2", "value")  # all read
    window, reconstruction = monitor.detector_.last_reconstruction
    value = monitor.detector_.features.index("value")
    expected = float(np.mean((window[:, value] - reconstruction[:, value]) ** 2))
    assert monitor.last_score == np.float32(expected) or abs(monitor.last_score - expected) < 1e-6


def test_context_round_trips_through_a_checkpoint(tmp_path):
    monitor = Monitor(RollingDetector(window_size=4, hidden_size=4), context=["cmd_*"])
    xs = commands(100)
    for x in xs[:60]:
        monitor.process_one(x)
    monitor.save(tmp_path / "m.ckpt")
    loaded = Monitor.load(tmp_path / "m.ckpt")
    assert loaded.context == ["cmd_*"]
    for x in xs[60:]:
        assert loaded.process_one(x).score == monitor.process_one(x).score
