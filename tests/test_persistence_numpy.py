"""Names and numbers from NumPy (np.str_, np.float64, ...) are saved as their Python kinds."""

from __future__ import annotations

import numpy as np
import torch

from streamad import Monitor, RollingDetector, persist


def numpy_stream(n: int):
    names = np.array(["temperature", "pressure"])  # np.str_ elements, as pandas/numpy give them
    rng = np.random.default_rng(0)
    return [dict(zip(names, rng.normal(size=2), strict=True)) for _ in range(n)]


def test_a_detector_fed_numpy_names_and_values_round_trips(tmp_path):
    xs = numpy_stream(40)
    det = RollingDetector(window_size=3, hidden_size=2, lr=np.float64(0.05))
    for x in xs[:30]:
        det.learn_one(x)
    det.save(tmp_path / "d.ckpt")
    loaded = RollingDetector.load(tmp_path / "d.ckpt")
    assert all(type(name) is str for name in loaded.features)
    assert type(loaded.lr) is float and loaded.lr == 0.05
    for x in xs[30:]:
        assert loaded.score_one(x) == det.score_one(x)
        loaded.learn_one(x)
        det.learn_one(x)


def test_a_monitor_fed_numpy_names_round_trips(tmp_path):
    xs = numpy_stream(80)
    monitor = Monitor()
    for x in xs[:60]:
        monitor.process_one(x)
    monitor.save(tmp_path / "m.ckpt")
    loaded = Monitor.load(tmp_path / "m.ckpt")
    for x in xs[60:]:
        assert loaded.process_one(x).score == monitor.process_one(x).score


def test_numpy_scalars_are_stored_as_python_scalars(tmp_path):
    state = {
        np.str_("name"): np.str_("value"),
        "flags": [np.bool_(True), np.int64(3), np.float32(0.5), np.float64(0.25)],
        "weights": torch.ones(2),
    }
    persist.save(state, tmp_path / "s.ckpt", kind="Example")
    loaded = persist.load(tmp_path / "s.ckpt", kind="Example")
    assert loaded["name"] == "value" and type(loaded["name"]) is str
    assert [type(v) for v in loaded["flags"]] == [bool, int, float, float]
    assert loaded["flags"] == [True, 3, 0.5, 0.25]
