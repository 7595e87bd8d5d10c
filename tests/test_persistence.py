"""save/load: whole-detector round trips, atomic writes, and no code run on load."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from streamad import RollingDetector
from streamad.modules import Cho, Stacked, Sutskever


def stream(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [{f"f{j}": float(v) for j, v in enumerate(rng.normal(size=4))} for _ in range(n)]


def seeded_sutskever() -> Sutskever:
    torch.manual_seed(3)
    return Sutskever(n_features=4, hidden_size=3)


class Custom(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.layer = torch.nn.Linear(width, 4)  # does not keep `width`

    def forward(self, x):
        return self.layer(x)


def run(det, xs):
    scores = []
    for x in xs:
        scores.append(det.score_one(x))
        det.learn_one(x)
    return scores


@pytest.mark.parametrize(
    "make",
    [
        lambda: RollingDetector(window_size=6, hidden_size=5),
        lambda: RollingDetector(Cho, window_size=4, optimizer_fn=torch.optim.Adam, loss_fn="l1"),
        lambda: RollingDetector(Stacked, window_size=4, encoder_sizes=(8, 4), embedding_size=2),
        lambda: RollingDetector(seeded_sutskever(), window_size=5),
    ],
)
def test_round_trip_mid_stream_gives_bit_identical_scores(make, tmp_path):
    xs = stream(120)
    det, uninterrupted = make(), make()
    run(det, xs[:57])
    det.score_one(xs[57])  # a pending forward pass is not part of the state
    path = tmp_path / "nested" / "detector.pt"
    det.save(path)
    loaded = RollingDetector.load(path)
    expected = run(uninterrupted, xs)[57:]
    assert run(loaded, xs[57:]) == expected
    assert run(det, xs[57:]) == expected
    assert [p.name for p in path.parent.iterdir()] == ["detector.pt"]  # no temporary left


def test_untrained_round_trip(tmp_path):
    det = RollingDetector(window_size=3, hidden_size=2, seed=5)
    det.save(tmp_path / "d.pt")
    loaded = RollingDetector.load(tmp_path / "d.pt")
    assert repr(loaded) == repr(det) and loaded.module_ is None
    x = stream(1)[0]
    assert loaded.score_one(x) == det.score_one(x)


def test_save_replaces_atomically(tmp_path):
    path = tmp_path / "d.pt"
    det = RollingDetector(window_size=3, hidden_size=2)
    run(det, stream(10))
    det.save(path)
    first = path.read_bytes()
    run(det, stream(10, seed=1))
    det.save(path)
    assert path.read_bytes() != first
    assert RollingDetector.load(path).n_learned == 20


def test_load_never_runs_pickled_code(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    torch.save({"format": "streamad.RollingDetector/1", "x": Payload()}, path)
    with pytest.raises(pickle.UnpicklingError):
        RollingDetector.load(path)
    assert not marker.exists()


def test_a_custom_module_instance_needs_to_be_given_back(tmp_path):
    det = RollingDetector(Custom(4), window_size=3)
    run(det, stream(10))
    det.save(tmp_path / "d.pt")
    with pytest.raises(ValueError, match="pass a fresh one as `module=`"):
        RollingDetector.load(tmp_path / "d.pt")
    loaded = RollingDetector.load(tmp_path / "d.pt", module=Custom(4))
    xs = stream(20, seed=2)
    assert run(loaded, xs) == run(det, xs)


def test_a_state_is_a_snapshot_that_later_learning_leaves_alone():
    det = RollingDetector(window_size=3, hidden_size=4, optimizer_fn=torch.optim.Adam)
    xs = [{"a": float(i % 5), "b": float(i % 3)} for i in range(40)]
    for x in xs[:20]:
        det.learn_one(x)
    state = det.get_state()
    kept = {k: v.clone() for k, v in state["module_state"].items()}
    for x in xs[20:]:
        det.learn_one(x)
    for key, value in kept.items():
        assert torch.equal(state["module_state"][key], value)
    a, b = RollingDetector.from_state(state), RollingDetector.from_state(state)
    a.learn_one(xs[20])
    b.learn_one(xs[20])
    assert a.score_one(xs[21]) == b.score_one(xs[21])  # no optimizer state shared between them
