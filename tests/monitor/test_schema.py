"""Features that appear, vanish and come back mid-stream; a checkpoint meeting another stream."""

from __future__ import annotations

import numpy as np
import pytest

from streamad import Monitor, RollingDetector
from streamad.metrics import roc_auc


def small() -> Monitor:
    return Monitor(RollingDetector(window_size=4, hidden_size=8, clip_grad=1.0))


def sample(i: int, rng: np.random.Generator, with_b: bool = True) -> dict:
    x = {"a": float(np.sin(i / 10) + 0.05 * rng.normal())}
    if with_b:
        x["b"] = float(np.cos(i / 7) + 0.05 * rng.normal())
    return x


def test_a_feature_first_seen_mid_stream_is_learned_and_its_spikes_alarm():
    """Reported: a feature that first appears mid-stream was ignored by the detector for
    good (spikes on it: ROC-AUC 0.559)."""
    rng = np.random.default_rng(0)
    monitor = small()
    for i in range(1000):
        monitor.process_one(sample(i, rng, with_b=False))
    scores, labels = [], []
    for i in range(1000, 4000):
        x = sample(i, rng)
        spike = i % 100 == 50
        x["b"] += 4.0 * spike
        scores.append(monitor.process_one(x).score)
        labels.append(int(spike))
    (event,) = [e for e in monitor.events if e.kind == "feature_added"]
    assert event.index == 1000 and "['b']" in event.message
    assert monitor.detector_.features == ("a", "b")
    assert roc_auc(labels[200:], scores[200:]) > 0.95


def test_a_feature_back_after_a_long_absence_is_eased_in_quietly():
    """Reported: a feature back after 5,000 missing samples brought 383, 198 and 50 false
    alarms in the next three thousand samples."""
    rng = np.random.default_rng(1)
    monitor = small()
    for i in range(2000):
        monitor.process_one(sample(i, rng))
    for i in range(2000, 7000):
        monitor.process_one(sample(i, rng, with_b=False))
    alarms = [monitor.process_one(sample(i, rng)).is_alarm for i in range(7000, 10_000)]
    assert [e.kind for e in monitor.events].count("feature_back") == 1
    assert sum(alarms) <= 3, [sum(alarms[k : k + 1000]) for k in (0, 1000, 2000)]


def test_a_checkpoint_met_by_another_stream_says_so(tmp_path):
    """Reported: a checkpoint loaded onto a stream with other feature names gave no error
    and no alarms."""
    rng = np.random.default_rng(2)
    monitor = small()
    for i in range(100):
        monitor.process_one(sample(i, rng))
    monitor.save(tmp_path / "m.ckpt")
    loaded = Monitor.load(tmp_path / "m.ckpt")
    with pytest.raises(ValueError, match=r"saved on the features \['a', 'b'\].*\['cpu', 'mem'\]"):
        loaded.process_one({"cpu": 0.5, "mem": 0.2})
    assert loaded.n_seen == 100  # nothing learned
    loaded.process_one({"a": 0.1})  # one feature missing: imputed, as on any stream
    assert loaded.n_seen == 101
