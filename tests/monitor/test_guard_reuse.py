"""Guard.learn_one reuses the checks of the guard_one just before it: same state as without."""

from __future__ import annotations

import math

import numpy as np

from streamad import Guard


def samples(n: int = 400) -> list[dict]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        x = {"a": float(rng.normal()), "b": float(rng.normal(5, 0.1))}
        if i % 37 == 5:
            x["a"] = math.nan
        if i % 53 == 7:
            x["b"] = 1e9  # clipped
        if 200 <= i < 230:
            x["b"] = 5e4  # a new level: clipped, then the feature starts again
        if i >= 300:
            x["c"] = float(i)  # a feature appearing mid-stream
        out.append(x)
    return out


def test_learning_after_guard_one_equals_learning_alone():
    checked, alone = Guard(), Guard()
    for x in samples():
        assert checked.guard_one(x) == alone.guard_one(x)
        checked.learn_one(x)
        alone._checked = None  # learn without the checks of guard_one
        alone.learn_one(x)
        assert checked.get_state() == alone.get_state()
        assert checked.last_reset == alone.last_reset
    assert checked.n_resets >= 1 and checked.n_clipped >= 20 and checked.n_imputed >= 10


def test_a_sample_changed_after_guard_one_is_checked_again():
    a, b = Guard(), Guard()
    for x in samples(50):
        a.learn_one(x)
        b.learn_one(x)
    x = {"a": 0.5, "b": 5.0}
    a.guard_one(x)
    x["b"] = 1e9  # changed in place before learn_one
    a.learn_one(x)
    b.learn_one({"a": 0.5, "b": 1e9})
    assert a.get_state() == b.get_state() and a.n_clipped == b.n_clipped


def test_the_steady_short_way_learns_what_the_general_way_does(monkeypatch):
    """Every feature warm, present and unclipped: learn_one takes a short way (fewer NumPy
    calls); its state must equal the general way's, bit for bit, on a stream that also leaves
    it (missing, clipped, reset and new features)."""
    short, general = Guard(), Guard()
    monkeypatch.setattr(general, "_steady", lambda values, clipped: False)
    steady, taken = short._steady, []
    monkeypatch.setattr(short, "_steady", lambda *args: taken.append(steady(*args)) or taken[-1])
    for x in samples():
        assert short.guard_one(x) == general.guard_one(x)
        short.learn_one(x)
        general.learn_one(x)
        assert short.get_state() == general.get_state()
        assert short.last_reset == general.last_reset
    assert 250 < sum(taken) < len(taken)  # mostly the short way, not always
