"""Crafted sizes in a checkpoint are refused before anything is built, as one CheckpointError."""

from __future__ import annotations

import resource

import pytest
import torch

from streamad import Monitor, RollingDetector, persist
from streamad._state_limits import shapes_of
from streamad.modules import Cho, Stacked, Sutskever
from streamad.persist import CheckpointError

X = {"a": 1.0, "b": 2.0}


def trained(**kwargs) -> RollingDetector:
    det = RollingDetector(**{"window_size": 3, "hidden_size": 2, **kwargs})
    for i in range(5):
        det.learn_one({"a": float(i), "b": float(-i)})
    return det


def crafted(tmp_path, state: dict, kind: str = "RollingDetector"):
    path = tmp_path / "crafted.ckpt"
    persist.save(state, path, kind=kind)
    return path


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def refused(path, match: str, load=RollingDetector.load) -> CheckpointError:
    before = peak_rss_mib()
    with pytest.raises(CheckpointError, match=match) as info:
        load(path)
    assert str(path) in str(info.value)
    assert peak_rss_mib() - before < 512  # nothing of the crafted size was allocated
    return info.value


def test_a_huge_hidden_size_in_a_trained_state_is_refused(tmp_path):
    state = trained().get_state()
    state["params"]["module_kwargs"]["hidden_size"] = 10**6  # 16 TB of LSTM weights
    refused(crafted(tmp_path, state), "parameters")


def test_a_huge_hidden_size_in_an_untrained_state_is_refused(tmp_path):
    state = RollingDetector(hidden_size=2).get_state()
    state["params"]["module_kwargs"]["hidden_size"] = 10**6
    refused(crafted(tmp_path, state), "parameters")


def test_a_huge_ready_module_is_refused(tmp_path):
    state = RollingDetector(Sutskever(2, hidden_size=2), window_size=3).get_state()
    state["params"]["module_init"]["hidden_size"] = 10**6
    refused(crafted(tmp_path, state), "parameters")


def test_countless_layers_are_refused_quickly(tmp_path):
    state = RollingDetector(Cho, window_size=3, hidden_size=2).get_state()
    state["params"]["module_kwargs"]["n_layers"] = 10**6
    refused(crafted(tmp_path, state), "parameter")


@pytest.mark.parametrize("trained_state", [True, False], ids=["trained", "untrained"])
def test_a_huge_window_is_refused(tmp_path, trained_state):
    state = (trained() if trained_state else RollingDetector(hidden_size=2)).get_state()
    state["params"]["window_size"] = 10**9  # 22 GiB of window
    refused(crafted(tmp_path, state), "window_size")


def test_weights_that_do_not_fit_the_module_are_refused_before_building(tmp_path):
    state = trained().get_state()
    state["params"]["module_kwargs"]["hidden_size"] = 5
    refused(crafted(tmp_path, state), "module_state")


@pytest.mark.parametrize(
    "change, match",
    [
        (
            lambda s: s["window"].update(buffer=torch.zeros(4, 2)),
            r"buffer is \(4, 2\), not \(6, 2\)",
        ),
        (lambda s: s["window"].update(position=99), "window's position is 99"),
        (lambda s: s["means"].update(sums=torch.zeros(7, dtype=torch.float64)), "means' sums"),
        (lambda s: s.update(features=["a", "a"]), "distinct names"),
        (lambda s: s.update(features=[]), "distinct names"),
        (lambda s: s["params"].update(window_size=2.5), "window_size is 2.5"),
    ],
    ids=["buffer", "position", "sums", "duplicates", "none", "float window"],
)
def test_parts_that_disagree_with_each_other_are_refused(tmp_path, change, match):
    state = trained().get_state()
    change(state)
    refused(crafted(tmp_path, state), match)


def test_a_huge_size_in_a_monitor_is_refused_naming_the_file(tmp_path):
    monitor = Monitor()
    for i in range(40):
        monitor.process_one({"a": float(i % 5), "b": float(i % 3)})
    state = monitor.get_state()
    state["detector"]["params"]["module_kwargs"]["hidden_size"] = 10**6
    refused(crafted(tmp_path, state, kind="Monitor"), "parameters", load=Monitor.load)


def test_whatever_building_raises_is_a_checkpoint_error_naming_the_file(tmp_path):
    det = trained()
    assert det.optimizer_ is not None  # built, so that its state is saved
    state = det.get_state()
    state["optimizer_state"]["param_groups"][0]["params"] = [0]  # torch raises a ValueError
    refused(crafted(tmp_path, state), "malformed RollingDetector state")
    state = trained().get_state()
    state["params"]["device"] = "nonsense"  # torch raises a RuntimeError
    refused(crafted(tmp_path, state), "malformed RollingDetector state .RuntimeError")


class TruncNormal(torch.nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.nn.init.trunc_normal_(torch.empty(n_features, 3)))
        self.register_buffer("steps", torch.zeros(2, dtype=torch.int64))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Sutskever(3, hidden_size=5, n_layers=2),
        lambda: Cho(3, hidden_size=4),
        lambda: Stacked(3, encoder_sizes=(8, 4), embedding_size=2),
        lambda: torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
        lambda: TruncNormal(3),
    ],
    ids=["Sutskever", "Cho", "Stacked", "transformer", "trunc_normal"],
)
def test_the_meta_build_gives_the_real_shapes(build):
    torch.manual_seed(0)
    real = {name: tuple(value.shape) for name, value in build().state_dict().items()}
    assert shapes_of(build) == real


def test_a_sane_state_still_loads(tmp_path):
    det = trained(window_size=50, hidden_size=64)
    det.save(tmp_path / "d.ckpt")
    assert RollingDetector.load(tmp_path / "d.ckpt").score_one(X) == det.score_one(X)


def test_a_huge_size_in_an_evicted_detector_is_refused_naming_its_file(tmp_path):
    from streamad.keyed import KeyedDetector

    template = RollingDetector(window_size=3, hidden_size=2)
    model = KeyedDetector(template, max_keys=1, checkpoint_dir=tmp_path)
    model.learn_one({"key": "a", "v": 1.0})
    model.learn_one({"key": "b", "v": 1.0})  # "a" is evicted to a file
    path = tmp_path / model.evicted_["a"]
    stored = persist.load(path, kind="KeyedDetector.evicted")
    stored["state"]["params"]["module_kwargs"]["hidden_size"] = 10**6
    persist.save(stored, path, kind="KeyedDetector.evicted")
    refused(path, "parameters", load=lambda _: model.learn_one({"key": "a", "v": 1.0}))


def test_a_huge_size_in_a_shard_is_refused_naming_its_file(tmp_path):
    from streamad.distributed import Shard
    from streamad.keyed import KeyedDetector

    shard = Shard(KeyedDetector(RollingDetector(window_size=3, hidden_size=2)), tmp_path / "s.ckpt")
    shard.model.learn_one({"key": "a", "v": 1.0})
    shard.checkpoint()
    state = persist.load(tmp_path / "s.ckpt", kind="Shard")
    state["model"]["detectors"][0]["params"]["window_size"] = 10**9
    persist.save(state, tmp_path / "s.ckpt", kind="Shard")
    fresh = KeyedDetector(RollingDetector(window_size=3, hidden_size=2))
    refused(tmp_path / "s.ckpt", "window_size", load=lambda path: Shard(fresh, path))
