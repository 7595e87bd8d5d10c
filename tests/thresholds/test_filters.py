"""The contract every threshold filter keeps: warm-up, pure classify, one score per sample."""

from __future__ import annotations

import pickle
import random

import pytest
from river import preprocessing

from streamad import RollingDetector
from streamad.thresholds import (
    FixedThreshold,
    PRCurveThreshold,
    QuantileThreshold,
    SigmaThreshold,
    SPOTThreshold,
)

# name: (factory, number of learned samples before the threshold exists)
FILTERS = {
    "fixed": (lambda d, **kw: FixedThreshold(d, threshold=2.0, **kw), 0),
    "sigma": (lambda d, **kw: SigmaThreshold(d, k=2.0, warmup=20, **kw), 20),
    "sigma-window": (lambda d, **kw: SigmaThreshold(d, window=30, warmup=20, **kw), 20),
    "quantile": (lambda d, **kw: QuantileThreshold(d, q=0.9, warmup=20, **kw), 20),
    "quantile-window": (lambda d, **kw: QuantileThreshold(d, q=0.9, window=30, **kw), 10),
    "pr-curve": (lambda d, **kw: PRCurveThreshold(d, n_calibration=20, **kw), 20),
    "spot": (lambda d, **kw: SPOTThreshold(d, q=1e-3, n_init=50, **kw), 50),
    "dspot": (lambda d, **kw: SPOTThreshold(d, q=1e-3, n_init=50, drift=True, depth=5, **kw), 50),
}
NAMES = list(FILTERS)


def stream(n: int = 300, seed: int = 1):
    """Gaussian scores ``v`` with a spike (labelled 1) every 40 samples from sample 5."""
    rng = random.Random(seed)
    for i in range(n):
        spike = i % 40 == 5
        yield {"v": rng.gauss(0, 1) + (8.0 if spike else 0.0)}, int(spike)


def run(model, n: int = 300) -> list[bool]:
    alarms = []
    for x, y in stream(n):
        alarms.append(model.classify(model.score_one(x)))
        model.learn_one(x, y)
    return alarms


@pytest.mark.parametrize("name", NAMES)
def test_no_threshold_and_no_alarm_during_warmup(name, value):
    make, warmup = FILTERS[name]
    model = make(value())
    for i, (x, y) in enumerate(stream(warmup + 1)):
        if i < warmup:
            assert model.threshold is None
            assert model.classify(1e12) is False
        else:
            assert isinstance(model.threshold, float)
        model.score_one(x)
        model.learn_one(x, y)


@pytest.mark.parametrize("name", NAMES)
def test_classify_changes_nothing(name, value):
    model = FILTERS[name][0](value())
    run(model, 120)
    before = pickle.dumps(model)
    for score in (-1e9, 0.0, 1.5, 3.0, 1e9, float("inf")):
        model.classify(score)
    assert pickle.dumps(model) == before


@pytest.mark.parametrize("name", NAMES)
def test_scoring_does_not_move_the_threshold(name, value):
    model = FILTERS[name][0](value())
    run(model, 120)
    threshold = model.threshold
    for v in (100.0, -100.0, 0.0, 1e6):
        model.score_one({"v": v})
    assert model.threshold == threshold


@pytest.mark.parametrize("name", NAMES)
def test_one_score_per_sample_in_a_score_then_learn_loop(name, value):
    detector = value()
    run(FILTERS[name][0](detector), 200)
    assert detector.n_scored == 200


@pytest.mark.parametrize("name", NAMES)
def test_learning_an_unscored_or_different_sample_scores_it(name, value):
    detector = value()
    model = FILTERS[name][0](detector)
    model.learn_one({"v": 1.0})  # not scored before: scored once
    assert detector.n_scored == 1
    model.score_one({"v": 1.0})
    model.learn_one({"v": 2.0})  # a different sample: its own score
    assert detector.n_scored == 3
    model.score_one({"v": 3.0})
    model.learn_one({"v": 3.0})  # the remembered score, used once
    model.learn_one({"v": 3.0})
    assert detector.n_scored == 5


@pytest.mark.parametrize("name", NAMES)
def test_one_forward_pass_per_sample_with_a_rolling_detector(name):
    detector = RollingDetector(window_size=5, hidden_size=4)
    model = FILTERS[name][0](detector)
    samples = list(stream(80))
    x, y = samples[0]
    model.score_one(x)
    model.learn_one(x, y)  # builds the module
    forwards = []
    detector.module_.register_forward_hook(lambda *args: forwards.append(1))
    for x, y in samples[1:]:
        model.classify(model.score_one(x))
        model.learn_one(x, y)
    assert len(forwards) == len(samples) - 1


@pytest.mark.parametrize("name", NAMES)
def test_protected_detector_skips_the_alarms(name, value):
    protected, open_ = value(), value()
    alarms = run(FILTERS[name][0](protected), 300)
    run(FILTERS[name][0](open_, protect_anomaly_detector=False), 300)
    assert sum(alarms) > 0
    assert protected.n_learned == 300 - sum(alarms)
    assert open_.n_learned == 300


@pytest.mark.parametrize("name", NAMES)
def test_clone_starts_afresh_with_the_same_parameters(name, value):
    model = FILTERS[name][0](value())
    run(model, 200)
    clone = model.clone()
    assert type(clone) is type(model)
    assert repr(clone) == repr(model)
    assert clone._get_params().keys() == model._get_params().keys()
    assert clone.threshold == (2.0 if name == "fixed" else None)


@pytest.mark.parametrize("name", NAMES)
def test_pickle_keeps_the_threshold(name, value):
    model = FILTERS[name][0](value())
    run(model, 200)
    assert pickle.loads(pickle.dumps(model)).threshold == model.threshold


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("where", ["outside", "inside"])
def test_river_pipelines(name, where, value):
    """``scaler | filter(detector)`` and ``filter(scaler | detector)``; labels reach PR-curve."""
    make, _ = FILTERS[name]
    if where == "outside":
        model = preprocessing.StandardScaler() | make(value())
        filter_ = model[-1]
    else:
        model = filter_ = make(preprocessing.StandardScaler() | value())
    for x, y in stream(200):
        filter_.classify(model.score_one(x))
        model.learn_one(x, y)
    assert filter_.threshold is not None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: SigmaThreshold(d, k=-1.0), "k must be"),
        (lambda d: SigmaThreshold(d, window=1), "window must be"),
        (lambda d: SigmaThreshold(d, warmup=1), "warmup must be"),
        (lambda d: QuantileThreshold(d, q=1.0), "q must be"),
        (lambda d: QuantileThreshold(d, window=0), "window must be"),
        (lambda d: PRCurveThreshold(d, n_calibration=1), "n_calibration must be"),
        (lambda d: PRCurveThreshold(d, rule="auc"), "rule must be"),
        (lambda d: SPOTThreshold(d, q=0.05, level=0.98), "q must be"),
        (lambda d: SPOTThreshold(d, level=1.0), "level must be"),
        (lambda d: SPOTThreshold(d, n_init=10, drift=True, depth=10), "n_init must be"),
        (lambda d: SPOTThreshold(d, depth=0), "depth must be"),
    ],
)
def test_bad_parameters_are_refused(make, message, value):
    with pytest.raises(ValueError, match=message):
        make(value())
