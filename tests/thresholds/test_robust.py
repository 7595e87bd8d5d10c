"""One bad score (huge, infinite or NaN) must not break a threshold filter for good."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from streamad.thresholds import (
    FixedThreshold,
    PRCurveThreshold,
    QuantileThreshold,
    SigmaThreshold,
    SPOTThreshold,
)

FILTERS = {
    "fixed": lambda d=None: FixedThreshold(d, threshold=5.0),
    "sigma": lambda d=None: SigmaThreshold(d, k=3.0),
    "sigma-window": lambda d=None: SigmaThreshold(d, k=3.0, window=100),
    "quantile": lambda d=None: QuantileThreshold(d, q=0.99),
    "quantile-window": lambda d=None: QuantileThreshold(d, q=0.99, window=200),
    "spot": lambda d=None: SPOTThreshold(d, q=1e-3, n_init=1000, level=0.9),
    "dspot": lambda d=None: SPOTThreshold(d, q=1e-3, n_init=1000, level=0.9, drift=True),
    "pr-curve": lambda d=None: PRCurveThreshold(d, n_calibration=400),
}
NAMES = list(FILTERS)
BAD = [1e6, 1e19, 1e30, math.inf, math.nan]
N = 2000
SPIKES = (150, 350, 1300, 1600, 1900)  # labelled anomalies; the early ones calibrate PR-curve
SPIKE = 20.0
BAD_AT = (20, 700)  # during every warm-up (after the bound's first 10 scores), and after


def stream(bad: float | None = None, at: int = 0, seed: int = 0) -> tuple[list, list]:
    """Half-normal scores with clear spikes, and one bad score at ``at`` (label 0)."""
    scores = np.abs(np.random.default_rng(seed).normal(size=N))
    scores[list(SPIKES)] = SPIKE
    if bad is not None:
        scores[at] = bad
    return scores.tolist(), [int(i in SPIKES) for i in range(N)]


def run(model, scores, labels) -> tuple[list, list]:
    """Thresholds after each score and alarms, through ``update_threshold`` only."""
    thresholds, alarms = [], []
    for score, y in zip(scores, labels, strict=True):
        alarms.append(model.classify(score))
        model.update_threshold(score, y)
        thresholds.append(model.threshold)
    return thresholds, alarms


@functools.cache
def clean_run(name: str, seed: int = 0) -> tuple[list, list]:
    return run(FILTERS[name](), *stream(seed=seed))


@pytest.mark.parametrize("at", BAD_AT)
@pytest.mark.parametrize("bad", BAD, ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_one_bad_score_does_not_break_the_filter(name, bad, at):
    model = FILTERS[name]()
    scores, labels = stream(bad, at)
    thresholds, alarms = run(model, scores, labels)
    clean_thresholds, clean_alarms = clean_run(name)
    assert model.n_ignored == (0 if math.isfinite(bad) else 1)
    later = [t for t in thresholds[at:] if t is not None]
    assert later and all(math.isfinite(t) and t >= 0 for t in later)
    for i in (max(at + 600, 1100), N - 1):  # hundreds of scores later, close to the clean run's
        assert thresholds[i] == pytest.approx(clean_thresholds[i], rel=0.2)
    spikes = [i for i in SPIKES if i > at and thresholds[i - 1] is not None]
    assert spikes and all(alarms[i] for i in spikes)  # later spikes still caught
    normal = [i for i in range(at + 1, N) if i not in SPIKES]  # no flood of false alarms
    assert (
        sum(alarms[i] for i in normal) <= sum(clean_alarms[i] for i in normal) + len(normal) / 200
    )


@pytest.mark.parametrize("name", NAMES)
def test_nan_is_no_alarm_and_inf_is_one_once_there_is_a_threshold(name):
    model = FILTERS[name]()
    if model.threshold is None:
        assert not model.classify(math.inf)
    run(model, *stream())
    assert model.threshold is not None
    assert model.classify(math.inf) and not model.classify(math.nan)
    assert not model.classify(-math.inf)


@pytest.mark.parametrize("name", NAMES)
def test_learn_one_updates_the_threshold_as_update_threshold_does(name, value):
    """Through the filter wrapping a detector: the same thresholds, the bad scores ignored."""
    scores, labels = stream(1e30, 400)
    scores[500] = scores[900] = math.nan
    model = FILTERS[name](value())
    thresholds = []
    for score, y in zip(scores, labels, strict=True):
        x = {"v": score}
        model.classify(model.score_one(x))
        model.learn_one(x, y)
        thresholds.append(model.threshold)
    assert model.n_ignored == 2
    assert thresholds == run(FILTERS[name](), scores, labels)[0]


@pytest.mark.parametrize("name", ["sigma", "sigma-window", "quantile-window"])
def test_a_lasting_change_of_level_is_followed(name):
    """The band opens to a new level after a few scores: the threshold moves up with it."""
    rng = np.random.default_rng(1)
    scores = np.r_[np.abs(rng.normal(size=1000)), 50 + np.abs(rng.normal(size=1000))]
    model = FILTERS[name]()
    thresholds, alarms = run(model, scores.tolist(), [0] * scores.size)
    assert thresholds[-1] > 50
    if name != "sigma":  # a window forgets the old level: it alarms as rarely as before
        assert sum(alarms[1300:]) <= 3 * sum(alarms[300:1000])
    if name == "sigma-window":  # every score of the new level entered the window unclipped
        recent = scores[-100:]
        assert thresholds[-1] == pytest.approx(recent.mean() + 3 * recent.std(ddof=1))


def test_sigma_window_is_not_negative_by_cancellation():
    """The user's case: a 1e19 score, then clean scores, in a window of 100."""
    scores, _ = stream(1e19, 20)
    model = FILTERS["sigma-window"]()
    thresholds, alarms = run(model, scores[:500], [0] * 500)
    assert min(t for t in thresholds if t is not None) > 0
    assert sum(alarms[21:]) < 10
    recent = np.array(scores[400:500])
    assert thresholds[-1] == pytest.approx(recent.mean() + 3 * recent.std(ddof=1))


def test_a_huge_anomaly_does_not_set_the_pr_curve_threshold_halfway_to_itself(value):
    model = PRCurveThreshold(value(), n_calibration=200)
    scores, _ = stream()
    labels = [0] * 200
    scores[150], labels[150] = 1e30, 1  # the only anomaly of the calibration
    run(model, scores[:200], labels)
    assert model.threshold is not None and model.threshold < 10
    assert model.classify(SPIKE)
