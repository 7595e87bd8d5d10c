"""The kernels give torch autograd's outputs, gradients and scores: the NumPy backend here, the
compiled one in test_kernels_compiled.py; on the detector, whichever is the default."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional

from streamad import RollingDetector, _kernels
from streamad.modules import Cho, Srivastava, Stacked, Sutskever
from tests.kernel_cases import MODULES, stream


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("steps, batch", [(1, 1), (2, 1), (7, 1), (7, 3)])
def test_output_and_every_gradient_match_autograd(name, steps, batch):
    torch.manual_seed(0)
    module = MODULES[name]()
    x = torch.randn(steps, batch, module.n_features)
    kernel = _kernels.Kernel(module, backend="numpy")
    x_hat, cache = kernel.forward(x.numpy())
    expected = module(x)
    np.testing.assert_allclose(x_hat, expected.detach().numpy(), atol=1e-6)

    names, params = zip(*module.named_parameters(), strict=True)
    grads = torch.autograd.grad(functional.mse_loss(expected, x), params, allow_unused=True)
    d_x_hat = (x_hat - x.numpy()) * np.float32(2.0 / x.numel())
    ours = kernel._backward(kernel.params, module, cache, d_x_hat)
    for param_name, grad in zip(names, grads, strict=True):
        if grad is None or not grad.abs().max():  # unused here (e.g. a decoder of one step)
            assert param_name not in ours or not np.abs(ours[param_name]).max()
            continue
        scale = grad.abs().max().item()
        np.testing.assert_allclose(ours[param_name], grad.numpy(), atol=1e-5 * scale)


def autograd_only(det: RollingDetector, first: dict) -> RollingDetector:
    det._init(first)
    det._kernel = False  # what a module without a kernel runs
    return det


@pytest.mark.parametrize("backend", _kernels.BACKENDS)
@pytest.mark.parametrize("module", [Sutskever, Cho, Srivastava, Stacked])
def test_online_scores_match_autograd(module, backend, monkeypatch):
    monkeypatch.setenv("STREAMAD_KERNEL", backend)
    xs = stream(150, n_features=4)
    fast = RollingDetector(module, window_size=6, lr=0.05)
    slow = autograd_only(RollingDetector(module, window_size=6, lr=0.05), xs[0])
    ours, theirs = [], []
    for x in xs:
        ours.append(fast.score_one(x))
        theirs.append(slow.score_one(x))
        fast.learn_one(x)
        slow.learn_one(x)
    assert fast._fast_kernel().backend == backend and slow._fast_kernel() is None
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    for key, value in slow.module_.state_dict().items():
        np.testing.assert_allclose(fast.module_.state_dict()[key], value, atol=1e-6)


@pytest.mark.parametrize("backend", _kernels.BACKENDS)
def test_block_mode_matches_autograd(backend, monkeypatch):
    monkeypatch.setenv("STREAMAD_KERNEL", backend)
    xs = stream(96, n_features=3)
    fast = RollingDetector(Sutskever, window_size=5, hidden_size=4, lr=0.05)
    slow = autograd_only(RollingDetector(Sutskever, window_size=5, hidden_size=4, lr=0.05), xs[0])
    for start in range(0, len(xs), 16):
        block = xs[start : start + 16]
        np.testing.assert_allclose(fast.score_many(block), slow.score_many(block), rtol=1e-5)
        fast.learn_many(block)
        slow.learn_many(block)


@pytest.mark.parametrize(
    "settings",
    [{"loss_fn": "l1"}, {"optimizer_fn": torch.optim.Adam}, {"module": Sutskever(3, fused=True)}],
    ids=["loss", "optimizer", "ready-instance"],
)
def test_kernel_only_where_its_maths_applies(settings):
    det = RollingDetector(**{"module": Sutskever, **settings})
    det.learn_one({"a": 0.1, "b": 0.2, "c": 0.3})
    takes_kernel = "module" in settings  # a ready instance of a known module still qualifies
    assert (det._fast_kernel() is not None) == takes_kernel


def test_a_hooked_or_swapped_module_runs_through_torch():
    det = RollingDetector(Sutskever, window_size=3)
    det.learn_one({"a": 0.1})
    assert det._fast_kernel() is not None
    handle = det.module_.encoder.register_forward_hook(lambda *_: None)
    assert det._fast_kernel() is None
    handle.remove()
    det.module_ = Sutskever(1)
    kernel = det._fast_kernel()
    assert kernel is not None and kernel.module is det.module_


def test_long_windows_go_through_autograd_on_the_numpy_backend(monkeypatch):
    monkeypatch.setenv("STREAMAD_KERNEL", "numpy")
    calls = []
    forward = _kernels.Kernel.forward
    monkeypatch.setattr(_kernels.Kernel, "forward", lambda *a: (calls.append(1), forward(*a))[1])
    for window, expected in [
        (_kernels.NUMPY_MAX_STEPS, True),
        (_kernels.NUMPY_MAX_STEPS + 1, False),
    ]:
        det = RollingDetector(Sutskever, window_size=window, hidden_size=3)
        for i, x in enumerate(stream(window + 2, n_features=2)):
            if i == window - 1:  # from here on, full windows only
                calls.clear()
            det.score_one(x)
            det.learn_one(x)
        assert bool(calls) == expected
