"""save/load: whole-detector round trips, atomic writes; nothing run or imported on load."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from streamad import RollingDetector, persist
from streamad.distributed import Shard
from streamad.keyed import KeyedDetector
from streamad.modules import Cho, Stacked, Sutskever
from streamad.persist import CheckpointError


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
        lambda: RollingDetector(window_size=4, hidden_size=3, lr=0.5, clip_grad=0.05),
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


def test_a_bare_torch_file_with_pickled_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    torch.save({"format": "streamad.RollingDetector/1", "x": Payload()}, path)
    with pytest.raises(CheckpointError, match="not a streamad checkpoint"):
        RollingDetector.load(path)
    assert not marker.exists()


def crafted(tmp_path, **params) -> Path:
    """A well-formed checkpoint (valid header and checksum) whose stored names were changed."""
    det = RollingDetector(window_size=3, hidden_size=2)
    run(det, stream(5))
    state = det.get_state()
    state["params"].update(params)
    path = tmp_path / "crafted.pt"
    persist.save(state, path, kind="RollingDetector")
    return path


@pytest.mark.parametrize(
    "params",
    [
        {"module": "this.s", "loss_fn": {"qualified": "builtins.print"}},
        {"loss_fn": {"qualified": "builtins.print"}},
        {"optimizer_fn": {"qualified": "this.s"}},
        {"module": "this.s", "module_is_instance": True, "module_init": {}},
    ],
)
def test_names_in_a_crafted_file_are_refused_without_importing_anything(
    params, tmp_path, capsys, monkeypatch
):
    path = crafted(tmp_path, **params)
    if "this" in sys.modules:
        monkeypatch.delitem(sys.modules, "this")
    before = set(sys.modules)
    with pytest.raises(CheckpointError, match="never imported") as info:
        RollingDetector.load(path)
    assert str(path) in str(info.value)
    assert "this" not in sys.modules and set(sys.modules) == before
    assert capsys.readouterr().out == ""  # the Zen of Python was not printed


def test_a_stored_name_of_the_wrong_sort_is_refused(tmp_path):
    path = crafted(tmp_path, optimizer_fn={"qualified": "torch.nn.functional.mse_loss"})
    with pytest.raises(CheckpointError, match="not an optimizer class"):
        RollingDetector.load(path)
    path = crafted(tmp_path, module="torch.optim.adam.Adam")
    with pytest.raises(CheckpointError, match="not an nn.Module class"):
        RollingDetector.load(path)


@pytest.mark.parametrize(
    "params",
    [{"module_kwargs": {"no_such_argument": 1}}, {"optimizer_fn": "os.system"}, {"lr": None}],
)
def test_a_malformed_state_is_a_checkpoint_error(params, tmp_path):
    path = crafted(tmp_path, **params)
    with pytest.raises(CheckpointError, match="malformed RollingDetector state") as info:
        RollingDetector.load(path)
    assert str(path) in str(info.value)


class Mine(torch.nn.Module):
    """A user's module class: it keeps its arguments, so a ready instance can be rebuilt."""

    def __init__(self, n_features, width=3):
        super().__init__()
        self.n_features, self.width = n_features, width
        self.encode = torch.nn.Linear(n_features, width)
        self.decode = torch.nn.Linear(width, n_features)

    def forward(self, x):
        return self.decode(torch.tanh(self.encode(x)))


def my_loss(a, b):
    return ((a - b) ** 2).sum()


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(persist.registry, "_REGISTERED", {})


@pytest.mark.parametrize("module", [Mine, Mine(4, width=2)], ids=["class", "instance"])
def test_a_registered_user_module_and_loss_load(module, tmp_path, fresh_registry):
    det = RollingDetector(module, window_size=3, loss_fn=my_loss, seed=2)
    xs = stream(30)
    run(det, xs[:20])
    det.save(tmp_path / "d.pt")
    with pytest.raises(CheckpointError, match=r"streamad.persist.register\(Mine\)"):
        RollingDetector.load(tmp_path / "d.pt")
    persist.register(Mine)
    with pytest.raises(CheckpointError, match=r"streamad.persist.register\(my_loss\)"):
        RollingDetector.load(tmp_path / "d.pt")
    persist.register(my_loss)
    loaded = RollingDetector.load(tmp_path / "d.pt")
    assert loaded.loss_fn is my_loss
    assert run(loaded, xs[20:]) == run(det, xs[20:])


def test_a_custom_module_instance_needs_to_be_given_back(tmp_path, fresh_registry):
    det = RollingDetector(Custom(4), window_size=3)
    run(det, stream(10))
    det.save(tmp_path / "d.pt")
    with pytest.raises(CheckpointError, match="register.*or pass the module to load as `module=`"):
        RollingDetector.load(tmp_path / "d.pt")
    persist.register(Custom)
    with pytest.raises(CheckpointError, match="pass a fresh one as `module=`"):
        RollingDetector.load(tmp_path / "d.pt")
    loaded = RollingDetector.load(tmp_path / "d.pt", module=Custom(4))
    xs = stream(20, seed=2)
    assert run(loaded, xs) == run(det, xs)


def test_checkpoints_of_another_kind_are_refused(tmp_path):
    det = RollingDetector(window_size=3, hidden_size=2)
    det.save(tmp_path / "d.pt")
    with pytest.raises(CheckpointError, match="kind 'RollingDetector', not 'Monitor'"):
        persist.load(tmp_path / "d.pt", kind="Monitor")
    with pytest.raises(CheckpointError, match="kind 'RollingDetector', not 'Shard'"):
        Shard(KeyedDetector(det), tmp_path / "d.pt")
    persist.save({"format": "streamad.Shard/1"}, tmp_path / "s.pt", kind="Shard")
    with pytest.raises(CheckpointError, match="kind 'Shard', not 'RollingDetector'"):
        RollingDetector.load(tmp_path / "s.pt")


@pytest.mark.parametrize("cut", [0, 5, 30, 200, -5000, -1])
def test_a_truncated_detector_file_is_a_checkpoint_error_naming_it(cut, tmp_path):
    det = RollingDetector(window_size=3, hidden_size=2)
    run(det, stream(5))
    path = tmp_path / "d.pt"
    det.save(path)
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(CheckpointError) as info:
        RollingDetector.load(path)
    assert str(path) in str(info.value)


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
