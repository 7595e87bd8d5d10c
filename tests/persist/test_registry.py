"""The registry: names in checkpoints are looked up, never imported."""

from __future__ import annotations

import functools
import sys

import pytest
import torch
from torch.nn import functional

from streamad import persist
from streamad.modules import Cho, Srivastava, Stacked, Sutskever
from streamad.persist import CheckpointError


class Mine(torch.nn.Module):
    def __init__(self, n_features: int):
        super().__init__()
        self.layer = torch.nn.Linear(n_features, n_features)

    def forward(self, x):
        return self.layer(x)


def my_loss(a, b):
    return (a - b).abs().mean()


@pytest.mark.parametrize("obj", [Cho, Srivastava, Stacked, Sutskever])
def test_streamads_modules_resolve_by_qualified_and_public_name(obj):
    assert persist.resolve(persist.name_of(obj)) is obj
    assert persist.resolve(f"streamad.modules.{obj.__name__}") is obj
    assert persist.name_of(obj) == persist.qualified_name(obj)


@pytest.mark.parametrize("obj", [torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW])
def test_torch_optimizers_resolve(obj):
    assert persist.resolve(persist.name_of(obj)) is obj
    assert persist.resolve(f"torch.optim.{obj.__name__}") is obj


@pytest.mark.parametrize("obj", [functional.mse_loss, functional.l1_loss, functional.huber_loss])
def test_supported_losses_resolve(obj):
    assert persist.resolve(persist.name_of(obj)) is obj


@pytest.mark.parametrize(
    "name",
    ["this.s", "builtins.print", "os.system", "subprocess.run", "torch.load", "", "x", "a.b.c"],
)
def test_any_other_name_is_refused_without_importing_anything(name, capsys, monkeypatch):
    if "this" in sys.modules:
        monkeypatch.delitem(sys.modules, "this")
    before = set(sys.modules)
    with pytest.raises(CheckpointError, match="never imported.*streamad.persist.register"):
        persist.resolve(name)
    assert set(sys.modules) == before
    assert capsys.readouterr().out == ""


def test_a_stored_name_must_be_a_string():
    with pytest.raises(CheckpointError, match="must be a string"):
        persist.resolve({"qualified": "os.system"})


def test_registered_classes_and_functions_resolve():
    with pytest.raises(CheckpointError, match=r"register\(Mine\)"):
        persist.resolve(persist.name_of(Mine))
    assert persist.register(Mine) is Mine
    persist.register(my_loss)
    assert persist.resolve(persist.name_of(Mine)) is Mine
    assert persist.resolve(persist.name_of(my_loss)) is my_loss
    assert persist.name_of(Mine) == f"{__name__}.Mine"


def test_register_under_a_chosen_name_and_as_a_decorator():
    loss = functools.partial(functional.mse_loss, reduction="sum")
    with pytest.raises(TypeError, match="no qualified name"):
        persist.name_of(loss)
    persist.register(loss, name="team.summed_mse")
    assert persist.name_of(loss) == "team.summed_mse"
    assert persist.resolve("team.summed_mse") is loss

    @persist.register
    class Local(Mine):
        pass

    assert persist.resolve(persist.name_of(Local)) is Local


def test_registering_again_replaces_as_redefining_does():
    persist.register(Mine, name="team.Module")

    class Mine2(Mine):
        pass

    persist.register(Mine2, name="team.Module")
    assert persist.resolve("team.Module") is Mine2


def test_streamads_own_names_cannot_be_taken():
    with pytest.raises(ValueError, match="streamad's own"):
        persist.register(Mine, name=persist.name_of(Sutskever))
    with pytest.raises(ValueError, match="streamad's own"):
        persist.register(Mine, name="torch.optim.Adam")
    assert persist.register(Sutskever) is Sutskever  # itself: nothing to do
    with pytest.raises(TypeError, match="only classes and functions"):
        persist.register(3)
