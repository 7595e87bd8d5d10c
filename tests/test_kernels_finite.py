"""Huge but finite inputs: both kernels and torch autograd take the same step."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch.nn import functional

from streamad import _kernels
from tests.kernel_cases import MODULES

MAGNITUDES = [1e-3, 1.0, 1e3, 1e6, 1e9, 1e12, 1e15, 1e19]


def spiked(n_features: int, magnitude: float) -> np.ndarray:
    """Two windows (7, 2, F) of noise, each with one value of ``±magnitude``."""
    x = np.random.default_rng(1).normal(size=(7, 2, n_features)).astype(np.float32)
    x[3, 0, 1 % n_features] = magnitude
    x[5, 1, 0] = -magnitude
    return x


def torch_step(module: torch.nn.Module, x: np.ndarray, lr: float, clip: float | None) -> None:
    loss = functional.mse_loss(module(torch.from_numpy(x)), torch.from_numpy(x))
    loss.backward()
    params = list(module.parameters())
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(params, clip)
    torch.optim.SGD(params, lr=lr).step()


def weights(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: p.detach().numpy().copy() for name, p in module.named_parameters()}


@pytest.mark.parametrize("clip", [None, 0.5])
@pytest.mark.parametrize("magnitude", MAGNITUDES)
@pytest.mark.parametrize("name", MODULES)
def test_both_kernels_take_torchs_step_at_any_magnitude(name, magnitude, clip):
    torch.manual_seed(0)
    module = MODULES[name]()
    twin, reference = copy.deepcopy(module), copy.deepcopy(module)
    before = weights(module)
    x = spiked(module.n_features, magnitude)
    kernels = [_kernels.Kernel(module, "numpy"), _kernels.Kernel(twin, "compiled")]
    assert [k.backend for k in kernels] == ["numpy", "compiled"]
    passes = [k.forward(x) for k in kernels]
    (a, cache_a), (b, cache_b) = passes
    np.testing.assert_allclose(b, a, atol=1e-6)
    errors_a, errors_b = kernels[0].errors(x, a, cache_a)[0], kernels[1].errors(x, b, cache_b)[0]
    np.testing.assert_allclose(errors_b, errors_a, rtol=1e-5)
    assert np.isfinite(errors_a).all()

    kernels[0].step(x, a, cache_a, 0.01, clip)
    kernels[1].step(x, b, cache_b, 0.01, clip)
    torch_step(reference, x, 0.01, clip)
    expected = weights(reference)
    for got in (weights(module), weights(twin)):
        for key, value in expected.items():
            assert np.isfinite(got[key]).all()
            moved = np.abs(value - before[key]).max()
            np.testing.assert_allclose(got[key], value, rtol=1e-6, atol=1e-5 * moved, err_msg=key)
