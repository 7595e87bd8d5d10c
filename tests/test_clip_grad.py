"""Gradient-norm clipping: the same step in the NumPy kernel and in torch autograd, and a bound."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from streamad import RollingDetector
from streamad.modules import Cho, Srivastava, Stacked, Sutskever


def stream(n: int, scale: float = 1.0, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{f"f{j}": float(scale * rng.normal()) for j in range(3)} for _ in range(n)]


def run(det: RollingDetector, xs) -> list[float]:
    scores = []
    for x in xs:
        scores.append(det.score_one(x))
        det.learn_one(x)
    return scores


@pytest.mark.parametrize("module", [Sutskever, Cho, Srivastava, Stacked])
def test_kernel_and_autograd_clip_alike(module):
    xs = stream(40, scale=30.0)
    kernel = RollingDetector(module, window_size=4, lr=0.05, clip_grad=0.5)
    torch_path = RollingDetector(module, window_size=4, lr=0.05, clip_grad=0.5)
    run(kernel, xs[:1])
    run(torch_path, xs[:1])
    torch_path.module_.register_forward_hook(lambda *args: None)  # forces torch autograd
    assert kernel._fast_kernel() is not None and torch_path._fast_kernel() is None
    a, b = run(kernel, xs[1:]), run(torch_path, xs[1:])
    np.testing.assert_allclose(a, b, rtol=1e-4)


def test_one_step_moves_the_weights_by_at_most_lr_times_the_bound():
    det = RollingDetector(window_size=3, lr=0.1, clip_grad=1.0)
    run(det, stream(20))
    before = torch.cat([p.detach().flatten().clone() for p in det.module_.parameters()])
    det.learn_one({"f0": 1e12, "f1": -1e12, "f2": 1e12})
    after = torch.cat([p.detach().flatten() for p in det.module_.parameters()])
    assert torch.isfinite(after).all()
    assert float((after - before).norm()) <= 0.1 * 1.0 * 1.0001


def test_without_clipping_the_same_sample_moves_them_far():
    det = RollingDetector(window_size=3, lr=0.1)
    run(det, stream(20))
    before = torch.cat([p.detach().flatten().clone() for p in det.module_.parameters()])
    det.learn_one({"f0": 1e3, "f1": -1e3, "f2": 1e3})
    after = torch.cat([p.detach().flatten() for p in det.module_.parameters()])
    assert float((after - before).norm()) > 1.0


def test_clip_grad_must_be_positive():
    with pytest.raises(ValueError, match="clip_grad"):
        RollingDetector(clip_grad=0.0)
