"""Protection must not freeze the detector: warm-up learns, a lasting change is accepted."""

from __future__ import annotations

import functools

import numpy as np
from river import anomaly, preprocessing

from streamad import Monitor, RollingDetector
from streamad.thresholds import FixedThreshold, QuantileThreshold, SigmaThreshold


def shifted(n: int = 1500, at: int = 500, shift: float = 3.0) -> list[dict]:
    rng = np.random.default_rng(0)
    return [
        {
            "a": float(np.sin(i / 8) + 0.1 * rng.normal() + (shift if i >= at else 0.0)),
            "b": float(np.cos(i / 13) + 0.1 * rng.normal()),
        }
        for i in range(n)
    ]


def small(**kwargs) -> Monitor:
    return Monitor(RollingDetector(window_size=5, hidden_size=4, clip_grad=1.0), **kwargs)


def above(monitor: Monitor, x: dict) -> bool:
    """Whether the sample's score is above the threshold: a new alarm, or one going on."""
    alarm = monitor.process_one(x)
    return alarm.is_alarm or alarm.ongoing


def alarms_after(monitor: Monitor, xs: list[dict], at: int = 500) -> list[bool]:
    return [above(monitor, x) for x in xs][at:]


def level(monitor: Monitor) -> float:
    """The median score of a stretch of the new level, protection aside."""
    return float(np.median([monitor.score_one(x) for x in shifted(200, at=0)[100:]]))


class NewRegime(anomaly.base.AnomalyDetector):
    """Scores 1.0 from sample ``at`` on until it has learned ``needed`` samples of the new regime:
    a detector that must learn a change to stop flagging it."""

    def __init__(self, at: int = 300, needed: int = 5) -> None:
        self.at = at
        self.needed = needed
        self.seen = 0
        self.learned_new = 0

    def score_one(self, x: dict) -> float:
        return 1.0 if self.seen >= self.at and self.learned_new < self.needed else 0.0

    def learn_one(self, x: dict) -> None:
        self.learned_new += self.seen >= self.at
        self.seen += 1

    def skip_one(self, x: dict) -> None:
        self.seen += 1


def test_a_lasting_change_is_accepted_as_the_new_normal():
    threshold = functools.partial(FixedThreshold, threshold=0.5)
    locked = Monitor(NewRegime(), threshold=threshold, protect=True, accept_after=None)
    free = Monitor(NewRegime(), threshold=threshold, protect=True, accept_after=20)
    xs = shifted(1000, at=10_000)
    locked_alarms = [above(locked, x) for x in xs]
    free_alarms = [above(free, x) for x in xs]
    at = 300 + locked.guard_.warmup  # the detector sees nothing of the monitor's warm-up
    # without acceptance the protected detector never learns the new regime: alarms for ever
    assert sum(locked_alarms[at:]) == 1000 - at and not locked.events
    # with it, the 20th alarm in a row is learned, and so are the next, until they stop
    assert sum(free_alarms[at:]) == 20 + 4
    (accepted,) = free.events
    assert (accepted.index, accepted.kind) == (at + 19, "accepted")
    assert "20 alarms in a row" in accepted.message
    assert free.n_accepted == 1 and not free.accepting and free.run_length == 0


def test_nab_machine_temperature_no_longer_locks_out(data_dir):
    """Reported: after the level shift in NAB machine_temperature_system_failure, the CLI's
    chain (Stacked, lr 0.1, sigma k=2) raised ~900 alarms in a row."""
    from streamad import datasets
    from streamad.modules import Stacked
    from streamad.thresholds import SigmaThreshold

    series = "realKnownCause/machine_temperature_system_failure"
    xs = [x for x, _ in datasets.NABSeries(data_dir / "nab", series)][:5500]
    runs = []
    for accept_after in (None, 50):
        monitor = Monitor(
            RollingDetector(Stacked, lr=0.1, encoder_sizes=(32, 16)),
            threshold=functools.partial(SigmaThreshold, k=2.0),
            protect=True,
            accept_after=accept_after,
        )
        run = longest = 0
        for x in xs:
            run = run + 1 if above(monitor, x) else 0
            longest = max(longest, run)
        runs.append(longest)
    assert runs[0] > 500
    assert runs[1] < 100


def test_the_threshold_warm_up_learns_every_sample():
    monitor = small(threshold=functools.partial(FixedThreshold, threshold=0.0), protect=True)
    for x in shifted(40, at=1000):
        monitor.process_one(x)
    # a threshold of 0 flags everything; accept_after=50 has not been reached, so every
    # sample after the monitor's own warm-up was protected: FixedThreshold has no warm-up
    after_warm_up = 40 - monitor.guard_.warmup
    assert monitor.n_protected + monitor.n_untrusted == after_warm_up
    sigma = small(threshold=functools.partial(SigmaThreshold, warmup=30), protect=True)
    seen = 0
    for x in shifted(200, at=1000):
        if sigma.filter_.threshold is not None:
            break
        sigma.process_one(x)  # every sample is learned until 30 scores fit the threshold
        seen += 1
    assert sigma.n_protected == 0 and 30 <= seen < 60
    assert sigma.detector_.n_learned == seen - sigma.guard_.warmup - sigma.n_untrusted


def test_river_quantile_filter_locks_a_rolling_detector_out_and_the_monitor_does_not():
    """Documented in the README: River's QuantileFilter(q=0.99) protects from the first score on,
    so the detector learns almost nothing; the Monitor's QuantileThreshold warms up first."""
    xs = shifted(1000, at=10_000)
    river = anomaly.QuantileFilter(
        preprocessing.StandardScaler() | RollingDetector(window_size=5, hidden_size=4), q=0.99
    )
    river_alarms = 0
    for x in xs:
        river_alarms += bool(river.classify(river.score_one(x)))
        river.learn_one(x)
    monitor = small(threshold=functools.partial(QuantileThreshold, q=0.99), protect=True)
    monitor_alarms = sum(above(monitor, x) for x in xs)
    assert river_alarms > 500
    assert monitor_alarms < 50


def test_warm_start_learns_a_normal_history_with_protection_off():
    history = shifted(600, at=10_000)
    cold = small()
    warm = small().warm_start(history, epochs=2)
    assert warm.n_seen == 0 and warm.n_protected == 0
    assert warm.filter_.threshold is not None  # fitted on the last pass's scores
    (event,) = warm.events
    assert event.kind == "trained" and "600 samples" in event.message
    assert "the first 3 warming the scaler up), 2 epoch(s)" in event.message
    live = shifted(300, at=10_000)[100:]
    cold_scores = [cold.process_one(x).score for x in live]
    warm_scores = [warm.process_one(x).score for x in live]
    assert np.median(warm_scores) < np.median(cold_scores)
