"""KeyedDetector: routing, eviction bounds, checkpoints of evicted keys, state, the evaluator."""

from __future__ import annotations

import pickle
import shutil

import pytest
import torch
from river import anomaly
from torch import nn

from streamad import RollingDetector
from streamad.distributed import state_nbytes
from streamad.keyed import KeyedDetector


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


class Tiny(nn.Module):
    """One weight per feature: a module whose detector costs next to nothing."""

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(n_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def stream(n: int, n_keys: int) -> list[dict]:
    return [
        {"key": f"k{i % n_keys}", "v": float((i * 7) % 11), "w": float(i % 3)} for i in range(n)
    ]


def run(model, samples) -> dict:
    """Scores per key of a score-then-learn pass."""
    scores: dict = {}
    for x in samples:
        scores.setdefault(model.key_of(x) if isinstance(model, KeyedDetector) else None, []).append(
            model.score_one(x)
        )
        model.learn_one(x)
    return scores


def test_each_key_scores_as_its_own_detector_would():
    samples = stream(120, 3)
    keyed = run(KeyedDetector(small()), samples)
    for key, scores in keyed.items():
        alone = small()
        expected = []
        for x in samples:
            if x["key"] == key:
                rest = {k: v for k, v in x.items() if k != "key"}
                expected.append(alone.score_one(rest))
                alone.learn_one(rest)
        assert scores == expected


def test_the_key_field_is_removed_but_a_key_function_passes_x_unchanged():
    model = KeyedDetector(small(), key="host")
    model.learn_one({"host": "a", "v": 1.0})
    assert model.detectors_["a"].features == ("v",)
    by_function = KeyedDetector(small(), key=lambda x: int(x["v"] > 0))
    by_function.learn_one({"v": 1.0, "w": 2.0})
    assert by_function.detectors_[1].features == ("v", "w")


def test_least_recently_used_keys_are_evicted_first():
    model = KeyedDetector(small(), max_keys=2)
    for key in ["a", "b", "a", "c"]:  # b is the least recently used when c arrives
        model.learn_one({"key": key, "v": 1.0})
    assert list(model.detectors_) == ["a", "c"]
    model.score_one({"key": "a", "v": 1.0})  # scoring counts as a use
    model.learn_one({"key": "d", "v": 1.0})
    assert list(model.detectors_) == ["a", "d"]
    assert (model.n_created, model.n_evicted) == (4, 2)


def test_idle_keys_are_evicted_after_max_idle_samples():
    model = KeyedDetector(small(), max_keys=None, max_idle=3)
    model.learn_one({"key": "rare", "v": 1.0})
    for _ in range(3):
        model.learn_one({"key": "busy", "v": 1.0})
    assert "rare" in model.detectors_  # unseen for 3 samples: still within max_idle
    model.learn_one({"key": "busy", "v": 1.0})
    assert list(model.detectors_) == ["busy"]


def test_10_000_keys_stay_within_the_bound():
    model = KeyedDetector(RollingDetector(module=Tiny(1), window_size=2), max_keys=100)
    peak = 0
    for i in range(10_000):
        x = {"key": i, "v": float(i % 3)}
        model.score_one(x)
        model.learn_one(x)
        peak = max(peak, len(model.detectors_))
    assert peak == 100
    assert (model.n_created, model.n_evicted) == (10_000, 9_900)
    assert list(model.detectors_) == list(range(9_900, 10_000))


def test_a_returning_key_resumes_from_its_checkpoint(tmp_path):
    samples = stream(90, 3)
    unbounded = run(KeyedDetector(small()), samples)
    bounded_model = KeyedDetector(small(), max_keys=1, checkpoint_dir=tmp_path)
    bounded = run(bounded_model, samples)
    assert bounded == unbounded  # each key is evicted and revived at every sample
    assert bounded_model.n_revived == 87
    assert len(list(tmp_path.glob("*.pt"))) == 2  # the two evicted keys; revived files go


def test_without_a_checkpoint_a_returning_key_starts_afresh():
    model = KeyedDetector(small(), max_keys=1)
    model.learn_one({"key": "a", "v": 1.0})
    model.learn_one({"key": "b", "v": 1.0})
    model.learn_one({"key": "a", "v": 1.0})
    assert model.detectors_["a"].n_learned == 1


def test_warm_start_copies_the_learned_template_and_clone_does_not():
    template = small()
    for i in range(20):
        template.learn_one({"v": float(i % 4)})
    x = {"key": "new", "v": 2.0}
    warm = KeyedDetector(template, warm_start=True)
    assert warm.score_one(x) == template.score_one({"v": 2.0})
    assert warm.detectors_["new"].n_learned == 20
    cold = KeyedDetector(template)
    assert cold.score_one(x) == small().score_one({"v": 2.0})


def test_a_factory_builds_each_key_its_detector():
    model = KeyedDetector(factory=lambda key: RollingDetector(window_size=2 + len(key)))
    model.learn_one({"key": "ab", "v": 1.0})
    assert model.detectors_["ab"].window_size == 4


def test_state_round_trips_with_evicted_keys(tmp_path):
    model = KeyedDetector(small(), max_keys=2, checkpoint_dir=tmp_path)
    samples = stream(40, 3)
    run(model, samples)
    copied = tmp_path.parent / "copy"  # both go on: each needs its own files
    shutil.copytree(tmp_path, copied)
    restored = KeyedDetector(small(), max_keys=2, checkpoint_dir=copied)
    restored.set_state(model.get_state())
    assert list(restored.detectors_) == list(model.detectors_)
    assert restored.evicted_ == model.evicted_
    more = stream(80, 3)[40:]
    assert run(restored, more) == run(model, more)


def test_pickles_and_clones_fresh():
    model = KeyedDetector(small())
    run(model, stream(10, 2))
    again = pickle.loads(pickle.dumps(model))
    x = {"key": "k0", "v": 3.0, "w": 1.0}
    assert again.score_one(x) == model.score_one(x)
    assert model.clone().detectors_ == {}


def test_feature_errors_are_those_of_the_last_key():
    model = KeyedDetector(small())
    model.score_one({"key": "a", "v": 1.0, "w": 5.0})
    assert set(model.feature_errors) == {"v", "w"}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"key": 3}, TypeError),
        ({"detector": small(), "factory": lambda k: small()}, ValueError),
        ({"max_keys": 0}, ValueError),
        ({"max_idle": 1.5}, ValueError),
    ],
)
def test_bad_parameters_are_refused(kwargs, error):
    with pytest.raises(error):
        KeyedDetector(**kwargs)


def test_bad_samples_are_refused_clearly(tmp_path):
    model = KeyedDetector(small())
    with pytest.raises(ValueError, match="no key field 'key'"):
        model.score_one({"v": 1.0})
    with pytest.raises(TypeError, match="strings or integers"):
        model.score_one({"key": [1], "v": 1.0})
    with pytest.raises(TypeError, match="not a River anomaly detector"):
        KeyedDetector(factory=lambda key: object()).score_one({"key": 1, "v": 1.0})
    checkpointed = KeyedDetector(small(), key=lambda x: (1, 2), max_keys=1, checkpoint_dir=tmp_path)
    with pytest.raises(TypeError, match="strings or integers"):  # refused up front, not at saving
        checkpointed.learn_one({"v": 1.0})
    assert checkpointed.detectors_ == {} and checkpointed.get_state()["keys"] == []


def test_a_default_detector_state_weighs_about_20_kb():
    detector = RollingDetector()
    detector.learn_one({"value": 1.0})
    assert 15_000 < state_nbytes(detector) < 30_000


def test_usable_in_the_prequential_evaluator():
    evaluate = pytest.importorskip("streamad.evaluate")
    samples = [(x, int(x["v"] > 9)) for x in stream(60, 2)]
    report = evaluate.prequential(samples, KeyedDetector(small()), progress=False)
    assert report.n_samples == 60
    assert 0.0 <= report.metrics["roc_auc"] <= 1.0
    assert isinstance(KeyedDetector(), anomaly.base.AnomalyDetector)
