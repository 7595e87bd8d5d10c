"""The LSTM autoencoder modules: shapes, batching, the fused decoder, the fixed defects."""

from __future__ import annotations

import pytest
import torch

from streamad.modules import Cho, Srivastava, Stacked, Sutskever

MODULES = [Cho, Srivastava, Sutskever]


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(("n_features", "hidden"), [(1, 1), (3, 8), (8, 3), (30, 30)])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_any_sizes_and_batches(module, n_features, hidden, n_layers):
    torch.manual_seed(0)
    model = module(n_features, hidden_size=hidden, n_layers=n_layers)
    x = torch.randn(7, 5, n_features)
    out = model(x)
    assert isinstance(out, torch.Tensor) and out.shape == x.shape
    one_by_one = torch.cat([model(x[:, i : i + 1]) for i in range(5)], dim=1)
    torch.testing.assert_close(out, one_by_one, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    ("sizes", "embedding"), [((32, 16), 8), ((64, 32), 8), ((32, 16), None), ((4,), None)]
)
def test_stacked_sizes(sizes, embedding):
    model = Stacked(5, encoder_sizes=sizes, embedding_size=embedding)
    assert model(torch.randn(6, 2, 5)).shape == (6, 2, 5)
    with pytest.raises(ValueError):
        Stacked(5, encoder_sizes=())


def test_sutskever_decodes_backwards_from_the_last_position():
    torch.manual_seed(0)
    model = Sutskever(3, hidden_size=5, fused=False)
    x = torch.randn(6, 1, 3)
    _, (h, _) = model.encoder(x)
    first_step, _ = model.cell(h[-1])
    torch.testing.assert_close(model(x)[-1], first_step)


@pytest.mark.parametrize(("n_features", "hidden"), [(3, 5), (4, 4)])
def test_fused_decoder_equals_the_loop_with_gradients(n_features, hidden):
    torch.manual_seed(0)
    fused = Sutskever(n_features, hidden_size=hidden)
    loop = Sutskever(n_features, hidden_size=hidden, fused=False)
    loop.load_state_dict(fused.state_dict())
    x = torch.randn(12, 2, n_features)
    a, b = fused(x), loop(x)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    ga = torch.autograd.grad(a.pow(2).mean(), list(fused.parameters()))
    gb = torch.autograd.grad(b.pow(2).mean(), list(loop.parameters()))
    for x_, y_ in zip(ga, gb, strict=True):
        torch.testing.assert_close(x_, y_, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("module", [*MODULES, Stacked])
def test_modules_follow_their_device(module):
    model = module(3).to("meta")
    out = model(torch.randn(4, 1, 3, device="meta"))
    assert out.device.type == "meta"
