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


class Tiny(torch.nn.Module):
    """A module of the user's own: built under torch's global generator, seeded."""

    def __init__(self, n_features: int, hidden_size: int = 4) -> None:
        super().__init__()
        self.rnn = torch.nn.GRU(n_features, hidden_size)
        self.out = torch.nn.Linear(hidden_size, n_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(x)[0])


SEEDED = [  # every shape of every module, and one of the user's
    (Srivastava, {"hidden_size": 8}),
    (Srivastava, {"hidden_size": 3}),  # no projection
    (Srivastava, {"hidden_size": 5, "n_layers": 2}),
    (Sutskever, {"hidden_size": 5, "n_layers": 2}),
    (Sutskever, {"hidden_size": 3}),  # no feedback map
    (Cho, {"hidden_size": 6}),
    (Stacked, {"encoder_sizes": (8, 4)}),
    (Stacked, {"encoder_sizes": (8,), "embedding_size": 3, "decoder_sizes": (4, 6)}),
    (Tiny, {}),
]


@pytest.mark.parametrize(("module", "kwargs"), SEEDED)
def test_a_seed_gives_the_weights_torch_gives_under_that_seed(module, kwargs):
    from streamad._torch import build_module

    state = torch.random.get_rng_state()
    built = build_module(module, 3, kwargs, seed=11)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator untouched
    torch.manual_seed(11)
    expected = module(3, **kwargs)
    assert [name for name, _ in built.named_parameters()] == [
        name for name, _ in expected.named_parameters()
    ]
    for a, b in zip(built.parameters(), expected.parameters(), strict=True):
        assert a.device.type == "cpu" and torch.equal(a, b)
    x = torch.randn(5, 2, 3)
    assert torch.equal(built(x), expected(x))


def test_detectors_built_in_threads_at_once_follow_their_seed():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from streamad import RollingDetector

    x = {"a": 0.1, "b": -0.2, "c": 0.3}
    kinds = [({"module": m, **kwargs}, seed) for m, kwargs in SEEDED for seed in (0, 1, 2)]
    start = threading.Barrier(8)

    def build(i: int, together: bool = True) -> dict[str, torch.Tensor]:
        settings, seed = kinds[i % len(kinds)]
        det = RollingDetector(**settings, seed=seed)
        if together:
            start.wait()  # eight threads at once
        det.score_one(x)  # builds the module
        return det.module_.state_dict()

    alone = [build(i, False) for i in range(len(kinds))]  # one at a time
    with ThreadPoolExecutor(8) as pool:  # 40 detectors in 8 threads, five times
        built = [state for _ in range(5) for state in pool.map(build, range(40))]
    differ = [
        i
        for i, state in enumerate(built)
        if not all(torch.equal(v, alone[i % 40 % len(kinds)][k]) for k, v in state.items())
    ]
    assert differ == []
