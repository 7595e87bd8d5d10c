"""SigmaThreshold: mean + k std of the scores, whole history or a rolling window."""

from __future__ import annotations

import numpy as np
import pytest

from streamad import RollingDetector
from streamad.metrics import confusion
from streamad.synth import SineWithSpikes
from streamad.thresholds import SigmaThreshold


@pytest.mark.parametrize("window", [None, 25])
def test_threshold_is_mean_plus_k_std_of_the_learned_scores(window, value):
    rng = np.random.default_rng(0)
    scores = rng.exponential(size=200)
    model = SigmaThreshold(value(), k=2.5, window=window, warmup=10)
    for s in scores:
        model.learn_one({"v": float(s)})
    recent = scores if window is None else scores[-window:]
    assert model.threshold == pytest.approx(recent.mean() + 2.5 * recent.std(ddof=1))


def sine_run(model):
    labels, alarms = [], []
    for x, y in SineWithSpikes():
        alarms.append(model.classify(model.score_one(x)))
        model.learn_one(x)
        labels.append(y)
    return confusion(labels, alarms), alarms


def test_sine_spikes_all_caught_and_protection_avoids_echoes(jump):
    protected, _ = sine_run(SigmaThreshold(jump(), k=4.0))
    assert (protected.tp, protected.fn, protected.fp) == (4, 0, 0)
    # unprotected, the detector learns each spike and the return to the sine jumps as much
    open_, alarms = sine_run(SigmaThreshold(jump(), k=4.0, protect_anomaly_detector=False))
    assert (open_.tp, open_.fn, open_.fp) == (4, 0, 4)
    assert [i for i, a in enumerate(alarms) if a] == [100, 101, 300, 301, 700, 701, 900, 901]


def test_sine_spikes_with_a_rolling_detector():
    """The seed's mean + 2 std rule on an LSTM autoencoder's scores (recall, precision printed).

    The small detector does not learn the sine well in 1,000 samples (its errors follow the
    sine's level), so only properties that hold whatever its quality are asserted.
    """
    detector = RollingDetector(window_size=5, hidden_size=4)
    model = SigmaThreshold(detector, k=2.0, warmup=60)
    counts, alarms = sine_run(model)
    recall = counts.tp / (counts.tp + counts.fn)
    precision = counts.tp / max(counts.tp + counts.fp, 1)
    print(f"SigmaThreshold(k=2) on SineWithSpikes: recall {recall:.2f}, precision {precision:.2f}")
    assert not any(alarms[:60])  # warm-up
    assert alarms[100]  # the first spike, far above the sine's errors at that point
    assert detector.n_learned == 1000 - sum(alarms)  # alarms were never learned
