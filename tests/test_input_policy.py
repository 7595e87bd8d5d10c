"""Bad input gets a clear error or the documented policy, never corrupted weights.

| input                         | policy                                                        |
|-------------------------------|---------------------------------------------------------------|
| NaN, ±inf, None, missing      | imputed with the feature's running mean; counted, named        |
| value beyond float32 (1e39)   | as ±inf: imputed                                              |
| 1e30 (finite, huge)           | scored (inf); its updates have a non-finite loss: skipped     |
| a string / non-number         | TypeError naming the feature; nothing changes                 |
| a feature first seen later    | ignored, with a warning naming it                             |
| an empty dict                 | ValueError; nothing changes                                   |
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from streamad import RollingDetector


def clean(n: int, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return [
        {"a": float(np.sin(i / 5) + 0.05 * rng.normal()), "b": float(np.cos(i / 7)), "c": 0.5}
        for i in t
    ]


def run(det: RollingDetector, xs) -> list[float]:
    scores = []
    for x in xs:
        scores.append(det.score_one(x))
        det.learn_one(x)
    return scores


def weights_finite(det: RollingDetector) -> bool:
    return all(torch.isfinite(p).all() for p in det.module_.parameters())


BAD_VALUES = {
    "nan": {"a": math.nan, "b": 0.1, "c": 0.5},
    "inf": {"a": math.inf, "b": 0.1, "c": 0.5},
    "-inf": {"a": -math.inf, "b": 0.1, "c": 0.5},
    "none": {"a": None, "b": 0.1, "c": 0.5},
    "missing": {"b": 0.1, "c": 0.5},
    "beyond-float32": {"a": 1e39, "b": 0.1, "c": 0.5},
}


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_unusable_values_are_imputed_with_the_running_mean(name):
    xs = clean(300)
    det = RollingDetector(window_size=5, hidden_size=4)
    ref = RollingDetector(window_size=5, hidden_size=4)
    before = run(det, xs[:150])
    run(ref, xs[:150])
    score = det.score_one(BAD_VALUES[name])
    det.learn_one(BAD_VALUES[name])
    assert math.isfinite(score)
    assert det.last_imputed == ("a",) and det.n_imputed == 1
    mean_a = np.mean([x["a"] for x in xs[:150]])
    assert det._window.last(1)[0, 0] == pytest.approx(mean_a, abs=1e-6)
    after = run(det, xs[150:])
    expected = run(ref, xs[150:])
    assert weights_finite(det)
    np.testing.assert_allclose(after[20:], expected[20:], rtol=0.2)  # later normal samples
    assert np.median(after[20:]) < 3 * np.median(before[-50:])


def test_huge_finite_values_skip_their_updates():
    xs = clean(200)
    det = RollingDetector(window_size=5, hidden_size=4)
    run(det, xs[:100])
    huge = {"a": 1e30, "b": 0.1, "c": 0.5}
    assert det.score_one(huge) == math.inf
    det.learn_one(huge)
    scores = run(det, xs[100:])
    assert det.n_skipped_updates == 5  # every window holding the huge value
    assert weights_finite(det)
    assert all(math.isfinite(s) for s in scores[4:])  # once it has left the window
    assert scores[4] < 10


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        ({"a": "high", "b": 0.1, "c": 0.5}, TypeError, "feature 'a' is not a number"),
        ({"a": [1.0], "b": 0.1, "c": 0.5}, TypeError, "feature 'a'"),
        ({}, ValueError, "empty sample"),
    ],
)
def test_rejected_samples_change_nothing(x, error, match):
    xs = clean(120)
    det, ref = (
        RollingDetector(window_size=5, hidden_size=4),
        RollingDetector(window_size=5, hidden_size=4),
    )
    run(det, xs[:60])
    run(ref, xs[:60])
    with pytest.raises(error, match=match):
        det.score_one(x)
    with pytest.raises(error, match=match):
        det.learn_one(x)
    assert run(det, xs[60:]) == run(ref, xs[60:])  # bit-identical afterwards


def test_an_empty_first_sample_is_rejected():
    with pytest.raises(ValueError, match="empty sample"):
        RollingDetector().learn_one({})


def test_a_new_feature_mid_stream_is_ignored_with_a_warning():
    xs = clean(120)
    det, ref = (
        RollingDetector(window_size=5, hidden_size=4),
        RollingDetector(window_size=5, hidden_size=4),
    )
    run(det, xs[:60])
    run(ref, xs[:60])
    with pytest.warns(UserWarning, match="feature 'd' was not in the first sample"):
        det.learn_one({**xs[60], "d": 3.0})
    ref.learn_one(xs[60])
    assert det.ignored_features == {"d"}
    assert run(det, xs[61:]) == run(ref, xs[61:])
