"""The monitor's warm-up: its first samples teach the guard and the scaler only."""

from __future__ import annotations

from streamad import Guard, Monitor, RollingDetector
from streamad.guard import _ROBUST_FROM
from streamad.metrics import confusion
from tests.monitor.helpers import labelled_stream, same_state


def small() -> Monitor:
    # a warm-up longer than the default 3 samples, to watch it work
    guard = Guard(warmup=16)
    return Monitor(RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0), guard=guard)


def test_a_young_scaler_no_longer_blinds_the_threshold():
    """Reported: a sample standardised on two or three values (z of -367 here) scored
    4.5e4; in the window for ten samples, it held the threshold near 4,000 and the default
    monitor missed all six spikes of this stream."""
    monitor = Monitor()
    labels, alarms, thresholds = [], [], []
    for x, y in labelled_stream(600):
        alarm = monitor.process_one(x)
        alarms.append(alarm.is_alarm)
        thresholds.append(alarm.threshold)
        labels.append(y)
    found = confusion(labels, alarms)
    # the default detector sees the spikes on the constant feature c (two of six) plainly; the
    # smooth a and b it reconstructs spikes and all (benchmarks/RESULTS.md, the quality suite)
    assert found.tp >= 2 and found.fp == 0, found
    assert thresholds[289] < 10  # before the first spike it sees: near the normal scores


def test_the_warm_up_scores_zero_and_teaches_only_the_guard_and_scaler():
    monitor = small()
    xs = [x for x, _ in labelled_stream(30)]
    warm = monitor.guard_.warmup
    for i, x in enumerate(xs[:warm]):
        assert monitor.warming_up
        alarm = monitor.process_one(x)
        assert alarm.score == 0.0 and not alarm.is_alarm and alarm.threshold is None
        assert monitor.n_inputs == monitor.n_seen == i + 1
    assert monitor.detector_.n_learned == 0 and monitor.filter_.n_scores == 0
    # the scaler learns the values the guard could check: all but each feature's first few
    assert min(monitor.scaler_.counts.values()) == warm - _ROBUST_FROM
    assert not monitor.warming_up
    assert monitor.process_one(xs[warm]).score > 0
    assert monitor.detector_.n_learned == 1


def test_a_warm_start_history_serves_as_the_warm_up():
    xs = [x for x, _ in labelled_stream(60)]
    trained = small().warm_start(xs[:40])
    warm = trained.guard_.warmup
    assert not trained.warming_up and trained.detector_.n_learned == 40 - warm
    assert trained.score_one(xs[40]) > 0

    short = small().warm_start(xs[:5])  # shorter than the warm-up: the stream finishes it
    assert short.warming_up and short.n_inputs == 5 and short.detector_.n_learned == 0
    scores = [short.process_one(x).score for x in xs[5:]]
    assert scores[: warm - 5] == [0.0] * (warm - 5) and scores[warm - 5] > 0


def test_a_checkpoint_taken_during_the_warm_up_goes_on_with_it(tmp_path):
    xs = [x for x, _ in labelled_stream(40)]
    original = small()
    for x in xs[:7]:
        original.process_one(x)
    original.save(tmp_path / "monitor.ckpt")
    loaded = Monitor.load(tmp_path / "monitor.ckpt")
    assert loaded.warming_up and loaded.n_inputs == 7
    for x in xs[7:]:
        assert original.process_one(x).score == loaded.process_one(x).score
    assert same_state(original.get_state(), loaded.get_state())


def test_a_checkpoint_saved_before_the_warm_up_existed_loads_warm():
    monitor = small()
    for x, _ in labelled_stream(30):
        monitor.process_one(x)
    state = monitor.get_state()
    del state["counters"]["n_inputs"]
    assert not Monitor.from_state(state).warming_up
    trained = small().warm_start([x for x, _ in labelled_stream(30)]).get_state()
    del trained["counters"]["n_inputs"]  # a warm start leaves n_seen at 0
    assert not Monitor.from_state(trained).warming_up
    fresh = small().get_state()
    del fresh["counters"]["n_inputs"]
    assert Monitor.from_state(fresh).warming_up  # nothing seen: warms up as any new monitor
