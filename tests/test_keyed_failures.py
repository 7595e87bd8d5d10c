"""KeyedDetector: bad keys refused up front, eviction and revival failures never lose a detector."""

from __future__ import annotations

import math

import numpy as np
import pytest
from river import anomaly

import streamad.keyed._store as store
from streamad import RollingDetector
from streamad.keyed import KeyedDetector


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


def snapshot(model: KeyedDetector) -> tuple:
    return (
        dict(model.detectors_),
        list(model.detectors_),
        dict(model.evicted_),
        dict(model._seen_at),
        model.last_key,
        (model.n_seen, model.n_created, model.n_evicted, model.n_revived),
        {k: d.n_learned for k, d in model.detectors_.items()},
    )


def warmed(**kwargs) -> KeyedDetector:
    model = KeyedDetector(small(), **kwargs)
    for i in range(6):
        x = {"key": "ab"[i % 2], "v": float(i % 3)}
        model.score_one(x)
        model.learn_one(x)
    return model


BAD_KEYS = [None, 1.5, math.nan, True, False, (1, 2), [1], b"a", np.float64(2.0), np.bool_(True)]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
@pytest.mark.parametrize("method", ["score_one", "learn_one"])
def test_a_bad_key_is_refused_in_its_own_call_and_changes_nothing(key, method, tmp_path):
    model = warmed(max_keys=2, checkpoint_dir=tmp_path)
    before = snapshot(model)
    with pytest.raises(TypeError, match=r"keys must be strings or integers") as info:
        getattr(model, method)({"key": key, "v": 1.0})
    assert repr(key)[:20] in str(info.value)  # the message names the key
    assert snapshot(model) == before
    assert list(tmp_path.iterdir()) == []  # no eviction happened for it
    model.learn_one({"key": "a", "v": 1.0})  # and the model goes on
    assert model.n_seen == before[5][0] + 1


def test_a_key_function_returning_a_bad_key_is_refused_too():
    model = KeyedDetector(small(), key=lambda x: x["v"])
    with pytest.raises(TypeError, match="key 1.0 is a float"):
        model.learn_one({"v": 1.0})
    assert (model.detectors_, model.n_created, model.n_seen) == ({}, 0, 0)


def test_nan_keys_no_longer_make_a_detector_per_sample():
    model = KeyedDetector(small())
    for _ in range(5):
        with pytest.raises(TypeError, match="key nan"):
            model.learn_one({"key": math.nan, "v": 1.0})
    assert model.n_created == 0


def test_numpy_integer_keys_are_plain_integers():
    model = KeyedDetector(small())
    model.learn_one({"key": np.int64(3), "v": 1.0})
    model.learn_one({"key": 3, "v": 1.0})
    assert list(model.detectors_) == [3] and type(next(iter(model.detectors_))) is int
    assert model.detectors_[3].n_learned == 2


def test_numpy_string_keys_are_plain_strings_and_new_keys_still_come_in(tmp_path):
    """np.str_ keys (a column of a NumPy array or a DataFrame) used to be kept as they came:
    the first eviction could not save them, and every new key after it was refused."""
    model = KeyedDetector(small(), max_keys=2, checkpoint_dir=tmp_path)
    for key in np.array(["a", "b"]):
        model.learn_one({"key": key, "v": 1.0})
    assert [type(key) for key in model.detectors_] == [str, str]
    for key in ["c", "d", "e", "f", "g"]:  # each one evicts the least recent: a checkpoint
        model.learn_one({"key": key, "v": 1.0})
    assert list(model.detectors_) == ["f", "g"] and model.n_evicted == 5
    model.learn_one({"key": np.str_("a"), "v": 2.0})  # revived from its checkpoint
    assert model.n_revived == 1 and model.detectors_["a"].n_learned == 2
    by_function = KeyedDetector(small(), key=lambda x: np.array(["low", "high"])[int(x["v"] > 0)])
    by_function.learn_one({"v": 1.0})
    assert [type(key) for key in by_function.detectors_] == [str]


def fail_saving(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "save_evicted", broken)


def test_a_detector_that_cannot_be_saved_stays_live_and_the_evicting_call_raises(
    monkeypatch, tmp_path
):
    model = warmed(max_keys=2, checkpoint_dir=tmp_path)
    before = snapshot(model)
    with monkeypatch.context() as patch:
        fail_saving(patch)
        with pytest.raises(OSError, match="disk full") as info:
            model.learn_one({"key": "c", "v": 1.0})
    assert "stays live" in " ".join(getattr(info.value, "__notes__", ["stays live"]))
    assert snapshot(model) == before  # "a" kept, "c" not admitted, nothing learned
    model.learn_one({"key": "c", "v": 1.0})  # saving works again: "a" is evicted and saved
    assert list(model.detectors_) == ["b", "c"] and list(model.evicted_) == ["a"]
    model.learn_one({"key": "a", "v": 1.0})
    assert model.detectors_["a"].n_learned == before[6]["a"] + 1  # revived where it left off


def test_a_real_saving_failure_keeps_the_detector(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    model = warmed(max_keys=2, checkpoint_dir=not_a_folder)
    before = snapshot(model)
    with pytest.raises(OSError):
        model.score_one({"key": "c", "v": 1.0})
    assert snapshot(model) == before


def test_an_idle_eviction_that_fails_raises_before_the_sample_is_learned(monkeypatch, tmp_path):
    model = KeyedDetector(small(), max_keys=None, max_idle=1, checkpoint_dir=tmp_path)
    model.learn_one({"key": "rare", "v": 1.0})
    model.learn_one({"key": "busy", "v": 1.0})
    before = snapshot(model)
    fail_saving(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        model.learn_one({"key": "busy", "v": 2.0})  # "rare" is due for eviction now
    after = snapshot(model)
    assert after[0] == before[0] and after[5] == before[5] and after[6] == before[6]
    monkeypatch.undo()
    model.learn_one({"key": "busy", "v": 2.0})
    assert list(model.detectors_) == ["busy"] and list(model.evicted_) == ["rare"]


def test_a_checkpoint_that_cannot_be_read_is_raised_by_its_key_and_stays_indexed(tmp_path):
    model = warmed(max_keys=1, checkpoint_dir=tmp_path)
    name = model.evicted_["a"]
    (tmp_path / name).unlink()
    before = snapshot(model)
    with pytest.raises((OSError, ValueError), match=name):  # whichever the persistence raises
        model.learn_one({"key": "a", "v": 1.0})
    assert snapshot(model) == before and model.evicted_["a"] == name
    model.learn_one({"key": "b", "v": 1.0})  # other keys go on


def test_detectors_that_cannot_be_checkpointed_are_refused_when_made(tmp_path):
    model = KeyedDetector(anomaly.HalfSpaceTrees(seed=1), max_keys=1, checkpoint_dir=tmp_path)
    with pytest.raises(TypeError, match="no get_state"):
        model.learn_one({"key": "a", "v": 1.0})
    assert (model.detectors_, model.n_created) == ({}, 0)


class Mean:
    """Not a River estimator: a duck-typed detector with score_one and learn_one only."""

    def __init__(self) -> None:
        self.total, self.n = 0.0, 0

    def score_one(self, x: dict) -> float:
        return abs(x["v"] - (self.total / self.n if self.n else 0.0))

    def learn_one(self, x: dict) -> None:
        self.total, self.n = self.total + x["v"], self.n + 1


def test_any_object_with_score_one_and_learn_one_serves_as_a_detector():
    model = KeyedDetector(factory=lambda key: Mean())
    for v in [1.0, 3.0]:
        model.learn_one({"key": "a", "v": v})
    assert model.score_one({"key": "a", "v": 4.0}) == 2.0
    with pytest.raises(TypeError, match="no clone"):
        KeyedDetector(Mean())
    warm = KeyedDetector(Mean(), warm_start=True)
    assert warm.score_one({"key": "a", "v": 4.0}) == 4.0
