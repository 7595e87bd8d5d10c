"""Huge but finite inputs: both kernels and torch autograd take the same step, and nothing a
detector does makes a weight NaN or inf (an update that would is skipped and counted)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch.nn import functional

from streamad import RollingDetector, _kernels, _torch
from tests.kernel_cases import MODULES, stream

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

    assert kernels[0].step(x, a, cache_a, 0.01, clip)
    assert kernels[1].step(x, b, cache_b, 0.01, clip)
    torch_step(reference, x, 0.01, clip)
    expected = weights(reference)
    for got in (weights(module), weights(twin)):
        for key, value in expected.items():
            assert np.isfinite(got[key]).all()
            moved = np.abs(value - before[key]).max()
            np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-5 * moved, err_msg=key)


@pytest.mark.parametrize("backend", _kernels.BACKENDS)
def test_a_step_to_weights_beyond_float32_is_not_taken(backend):
    module = MODULES["srivastava"]()
    kernel = _kernels.Kernel(module, backend)
    before = weights(module)
    x = spiked(module.n_features, 1e6)
    x_hat, cache = kernel.forward(x)
    assert not kernel.step(x, x_hat, cache, 3e38)  # a finite gradient (about 1e4), times 3e38
    for key, value in weights(module).items():
        np.testing.assert_array_equal(value, before[key])


def test_the_compiled_step_skips_a_gradient_that_is_not_finite():
    from streamad._kernels.sgd import sgd_step

    params = [np.ones((2, 3), dtype=np.float32)]
    for bad in (np.inf, np.nan):
        grads_t = [np.full((3, 2), 0.5, dtype=np.float32)]
        grads_t[0][1, 0] = bad
        kept = [np.zeros((2, 3), dtype=np.float32)]
        norm, taken = sgd_step(params, grads_t, 0.1, 1.0, kept, True)
        assert not taken and not math.isfinite(norm)
        assert (params[0] == 1).all() and kept[0][0, 1] != 0.5  # the gradient, as it was


def test_the_numpy_step_skips_a_gradient_that_is_not_finite(monkeypatch):
    module = MODULES["cho"]()
    kernel = _kernels.Kernel(module, "numpy")
    before = weights(module)
    x = spiked(module.n_features, 1.0)
    x_hat, cache = kernel.forward(x)

    def backward(params, module, cache, d):
        grads = kernel_backward(params, module, cache, d)
        grads["decoder.bias_hh_l0"][0] = np.nan
        return grads

    kernel_backward = kernel._backward
    monkeypatch.setattr(kernel, "_backward", backward)
    assert not kernel.step(x, x_hat, cache, 0.01, 1.0)
    for key, value in weights(module).items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("plain_sgd", [True, False])
def test_autograd_skips_a_gradient_that_is_not_finite(plain_sgd):
    w = torch.nn.Parameter(torch.ones(3))
    optimizer = torch.optim.SGD([w], lr=0.1)
    loss = torch.sqrt(w - w).sum()  # 0, with a gradient of NaN (inf - inf)
    assert not _torch.update(loss, [w], optimizer, plain_sgd, max_norm=1.0)
    assert torch.equal(w.detach(), torch.ones(3))


@pytest.mark.parametrize("plain_sgd", [True, False])
def test_autograd_skips_a_step_to_weights_beyond_float32(plain_sgd):
    w = torch.nn.Parameter(torch.ones(3))
    optimizer = torch.optim.SGD([w], lr=3e38)
    assert not _torch.update((w * 10).sum(), [w], optimizer, plain_sgd)
    assert torch.equal(w.detach(), torch.ones(3))
    assert _torch.update((w * 1e-38).sum(), [w], optimizer, plain_sgd)  # a finite step: taken
    assert not torch.equal(w.detach(), torch.ones(3))


def test_an_optimizers_state_that_would_overflow_is_rolled_back():
    w = torch.nn.Parameter(torch.ones(3))
    optimizer = torch.optim.Adam([w], lr=0.1)
    assert _torch.update((w * 2).sum(), [w], optimizer, plain_sgd=False)
    state = {k: v.clone() for k, v in optimizer.state[w].items()}
    moved = w.detach().clone()
    assert not _torch.update((w * 1e30).sum(), [w], optimizer, plain_sgd=False)  # g² = inf
    assert torch.equal(w.detach(), moved)
    for key, value in optimizer.state[w].items():
        assert torch.equal(value, state[key]), key


def weights_finite(det: RollingDetector) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in det.module_.parameters())


def detector(path: str, **kwargs) -> RollingDetector:
    """A detector of the path ``path``: a kernel (``numpy``, ``compiled``), torch autograd with
    plain SGD (``autograd``) or with Adam (``adam``)."""
    if path == "adam":
        return RollingDetector(optimizer_fn=torch.optim.Adam, lr=0.001, **kwargs)
    det = RollingDetector(**kwargs)
    if path == "autograd":
        det._init(stream(1, 3)[0])
        det._kernel = False
    return det


@pytest.mark.parametrize("magnitude", [1e15, 1e19])
@pytest.mark.parametrize("clip", [None, 1.0])
@pytest.mark.parametrize("score_mode", ["window", "newest", "max"])
@pytest.mark.parametrize("path", ["compiled", "numpy", "autograd", "adam"])
def test_no_path_of_a_detector_makes_a_weight_non_finite(
    path, score_mode, clip, magnitude, monkeypatch
):
    monkeypatch.setenv("STREAMAD_KERNEL", "numpy" if path == "numpy" else "compiled")
    det = detector(path, window_size=5, hidden_size=6, clip_grad=clip, score_mode=score_mode)
    xs = iter(stream(200, 3))

    def spike(sign: float = 1.0) -> dict[str, float]:
        return {**next(xs), "f1": sign * magnitude}

    def normal(n: int) -> list[dict[str, float]]:
        return [next(xs) for _ in range(n)]

    def learn(samples: list[dict[str, float]]) -> None:
        for x in samples:
            assert not math.isnan(det.score_one(x))
            det.learn_one(x)
            assert weights_finite(det)

    learn(normal(30))
    learn([spike(), *normal(8), spike(-1.0), *normal(8)])  # exact mode
    block = [*normal(5), spike(), *normal(10)]
    assert not np.isnan(det.score_many(block)).any()
    det.learn_many(block)  # block mode
    assert weights_finite(det)
    det.learn_many([*normal(3), spike(-1.0), *normal(3)], skip=[False] * 3 + [True] + [False] * 3)
    assert weights_finite(det)
    for protect in (det.skip_one, det.pass_one):  # the spike is not learned, but the window
        protect(spike())  # keeps its stand-in (skip_one) or the spike itself (pass_one)
        learn(normal(8))
    assert det._fast_kernel() is (None if path in ("autograd", "adam") else det._kernel)
    if path in ("compiled", "numpy"):
        assert det._fast_kernel().backend == path


@pytest.mark.parametrize("path", ["compiled", "numpy", "autograd", "adam"])
def test_a_step_to_weights_beyond_float32_is_skipped_and_counted(path, monkeypatch):
    monkeypatch.setenv("STREAMAD_KERNEL", "numpy" if path == "numpy" else "compiled")
    det = detector(path, window_size=5, hidden_size=6)
    xs = iter(stream(60, 3))
    for _ in range(20):
        det.learn_one(next(xs))
    lr = det.optimizer_.param_groups[0]["lr"]
    for learn in (det.learn_one, det.learn_many):
        before = [p.detach().clone() for p in det.module_.parameters()]
        det.optimizer_.param_groups[0]["lr"] = 3e38  # a finite gradient, times 3e38
        spike = {**next(xs), "f1": 1e6}
        learn(spike if learn == det.learn_one else [next(xs), spike])  # its newest: as learn_one
        assert det.n_skipped_updates == (1 if learn == det.learn_one else 2)
        for old, new in zip(before, det.module_.parameters(), strict=True):
            assert torch.equal(old, new.detach())
        det.optimizer_.param_groups[0]["lr"] = lr
        for _ in range(5):
            det.pass_one(next(xs))  # the spike leaves the window, unlearned
    before = [p.detach().clone() for p in det.module_.parameters()]
    det.learn_one(next(xs))
    assert det.n_skipped_updates == 2 and weights_finite(det)
    assert not all(
        torch.equal(old, new) for old, new in zip(before, det.module_.parameters(), strict=True)
    )


@pytest.mark.parametrize("path", ["compiled", "numpy", "autograd"])
@pytest.mark.parametrize("magnitude", [1e15, 1e19])
def test_with_clip_grad_one_huge_sample_moves_the_weights_by_at_most_lr_times_it(
    path, magnitude, monkeypatch
):
    monkeypatch.setenv("STREAMAD_KERNEL", "numpy" if path == "numpy" else "compiled")
    det = detector(path, window_size=3, lr=0.1, clip_grad=1.0)
    for x in stream(20, 3):
        det.learn_one(x)
    before = torch.cat([p.detach().flatten().clone() for p in det.module_.parameters()])
    det.learn_one({"f0": magnitude, "f1": -magnitude, "f2": magnitude})
    after = torch.cat([p.detach().flatten() for p in det.module_.parameters()])
    assert torch.isfinite(after).all() and det.n_skipped_updates == 0
    assert 0.05 < float((after - before).norm()) <= 0.1 * 1.0 * 1.0001
