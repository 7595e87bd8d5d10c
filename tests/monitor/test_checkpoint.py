"""One file holds the whole chain; a round trip mid-stream changes nothing that follows."""

from __future__ import annotations

import functools

import pytest

from streamad import Monitor, RollingDetector
from streamad.modules import Stacked
from streamad.persist import CheckpointError
from streamad.thresholds import QuantileThreshold, SigmaThreshold, SPOTThreshold
from tests.monitor.helpers import labelled_stream, same_state


def spoiled_stream(n: int) -> list[tuple[dict, int]]:
    """A stream with imputed and clipped values in it, so every part has state to keep."""
    out = []
    for i, (x, y) in enumerate(labelled_stream(n)):
        if i % 37 == 5:
            x = {**x, "b": None}
        if i % 53 == 7:
            x = {**x, "a": 1e9}
        out.append((x, y))
    return out


MONITORS = {
    "default": lambda: Monitor(),
    "sigma-window": lambda: Monitor(
        RollingDetector(Stacked, window_size=4, lr=0.05, encoder_sizes=(8, 4), clip_grad=2.0),
        threshold=functools.partial(SigmaThreshold, k=2.5, window=100),
        accept_after=10,
    ),
    "quantile": lambda: Monitor(threshold=functools.partial(QuantileThreshold, q=0.95)),
    "spot": lambda: Monitor(threshold=SPOTThreshold),
    "protect-learning": lambda: Monitor(protect="learning"),
}


@pytest.mark.parametrize("name", list(MONITORS))
def test_round_trip_mid_stream_gives_identical_scores_and_alarms(name, tmp_path):
    stream = spoiled_stream(700)
    original = MONITORS[name]()
    for x, y in stream[:400]:
        original.process_one(x, y)
    original.save(tmp_path / "monitor.ckpt")
    loaded = Monitor.load(tmp_path / "monitor.ckpt")
    assert same_state(original.get_state(), loaded.get_state())
    for x, y in stream[400:]:
        a, b = original.process_one(x, y), loaded.process_one(x, y)
        assert (a.score, a.threshold, a.is_alarm, a.attribution) == (
            b.score,
            b.threshold,
            b.is_alarm,
            b.attribution,
        )
    assert same_state(original.get_state(), loaded.get_state())
    assert list(tmp_path.iterdir()) == [tmp_path / "monitor.ckpt"]  # no temp file left


def test_the_checkpoint_holds_every_part(tmp_path):
    monitor = Monitor()
    for x, y in spoiled_stream(300):
        monitor.process_one(x, y)
    state = monitor.get_state()
    assert set(state) >= {"guard", "scaler", "detector", "threshold", "counters", "events"}
    assert {"module_state", "optimizer_state", "window"} <= set(state["detector"])
    assert state["guard"]["counters"][0] > 0  # imputations counted
    assert state["counters"]["n_seen"] == 300


def test_a_detector_checkpoint_is_not_a_monitor(tmp_path):
    detector = RollingDetector(window_size=3, hidden_size=2)
    detector.learn_one({"a": 1.0})
    detector.save(tmp_path / "det.ckpt")
    with pytest.raises(CheckpointError, match=r"det\.ckpt.*'RollingDetector', not 'Monitor'"):
        Monitor.load(tmp_path / "det.ckpt")


@pytest.mark.parametrize("damage", ["empty", "truncate", "flip"])
def test_a_damaged_monitor_file_gives_one_clear_error_naming_it(damage, tmp_path):
    monitor = Monitor()
    for x, _ in labelled_stream(50):
        monitor.process_one(x)
    path = tmp_path / "monitor.ckpt"
    monitor.save(path)
    data = path.read_bytes()
    damaged = {
        "empty": b"",
        "truncate": data[: len(data) // 2],
        "flip": data[:-200] + bytes([data[-200] ^ 0x01]) + data[-199:],
    }[damage]
    path.write_bytes(damaged)
    with pytest.raises(CheckpointError, match="monitor.ckpt"):
        Monitor.load(path)


def test_a_custom_threshold_factory_cannot_be_saved(tmp_path):
    monitor = Monitor(threshold=lambda detector: SigmaThreshold(detector, k=4.0))
    monitor.process_one({"a": 1.0})
    with pytest.raises(ValueError, match="cannot save a monitor whose threshold"):
        monitor.save(tmp_path / "m.ckpt")
    assert not list(tmp_path.iterdir())
