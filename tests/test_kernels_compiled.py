"""The compiled kernel: torch autograd's outputs, gradients and SGD steps, at any window length."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch.nn import functional

from streamad import RollingDetector, _kernels
from streamad.modules import Sutskever
from tests.kernel_cases import MODULES, stream

numba = pytest.importorskip("numba")


def compiled(module: torch.nn.Module):
    kernel = _kernels.Kernel(module, backend="compiled")
    assert kernel.backend == "compiled"
    return kernel.compiled


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("steps, batch", [(1, 1), (2, 1), (7, 1), (7, 3), (100, 1), (150, 2)])
def test_output_errors_and_every_gradient_match_autograd(name, steps, batch):
    torch.manual_seed(0)
    module = MODULES[name]()
    x = torch.randn(steps, batch, module.n_features)
    kernel = compiled(module)
    x_hat, trace = kernel.forward(x.numpy())
    expected = module(x)
    np.testing.assert_allclose(x_hat, expected.detach().numpy(), atol=1e-6)
    errors = ((expected - x) ** 2).detach().double()
    np.testing.assert_allclose(trace.losses, errors.mean(dim=(0, 2)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(trace.newest, errors[-1].mean(dim=-1).numpy(), rtol=1e-5)

    names, params = zip(*module.named_parameters(), strict=True)
    grads = torch.autograd.grad(functional.mse_loss(expected, x), params, allow_unused=True)
    before = [p.detach().clone() for p in params]
    kernel.step(x.numpy(), x_hat, trace, 0.0, None, keep_gradient=True)  # the gradient only
    ours = kernel.gradients()
    for param_name, grad, param, old in zip(names, grads, params, before, strict=True):
        assert torch.equal(param.detach(), old)
        if grad is None or not grad.abs().max():  # unused here (e.g. a decoder of one step)
            assert not np.abs(ours[param_name]).max()
            continue
        scale = grad.abs().max().item()
        np.testing.assert_allclose(ours[param_name], grad.numpy(), atol=1e-5 * scale)


@pytest.mark.parametrize("max_norm", [None, 0.05])
@pytest.mark.parametrize("name", ["sutskever", "srivastava-2-layers", "stacked-custom"])
def test_a_step_is_torchs_clipped_sgd_step(name, max_norm):
    torch.manual_seed(1)
    module = MODULES[name]()
    reference = MODULES[name]()
    reference.load_state_dict(module.state_dict())
    x = torch.randn(12, 2, module.n_features)
    kernel = compiled(module)
    x_hat, trace = kernel.forward(x.numpy())
    norm, taken = kernel.step(x.numpy(), x_hat, trace, lr=0.5, max_norm=max_norm)
    assert taken

    loss = functional.mse_loss(reference(x), x)
    loss.backward()
    params = list(reference.parameters())
    torch_norm = torch.nn.utils.clip_grad_norm_(params, max_norm or float("inf"))
    torch.optim.SGD(params, lr=0.5).step()
    assert norm == pytest.approx(float(torch_norm), rel=1e-5)
    for (key, ours), theirs in zip(module.state_dict().items(), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach(), atol=1e-6, err_msg=key)


def test_long_windows_run_compiled_with_autograds_scores(monkeypatch):
    """No hand-over to autograd: a window of 100 runs through the compiled kernel."""
    xs = stream(140, n_features=3)
    calls = []
    forward = _kernels.Kernel.forward
    monkeypatch.setattr(_kernels.Kernel, "forward", lambda *a: (calls.append(1), forward(*a))[1])
    fast = RollingDetector(Sutskever, window_size=100, hidden_size=5, lr=0.05, clip_grad=0.5)
    slow = RollingDetector(Sutskever, window_size=100, hidden_size=5, lr=0.05, clip_grad=0.5)
    slow._init(xs[0])
    slow._kernel = False  # torch autograd
    ours, theirs = [], []
    for x in xs:
        ours.append(fast.score_one(x))
        fast.learn_one(x)
        theirs.append(slow.score_one(x))
        slow.learn_one(x)
    assert len(calls) == len(xs) and fast._fast_kernel().backend == "compiled"
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_replay_and_blocks_match_one_at_a_time():
    xs = stream(300, n_features=4)
    det = RollingDetector(Sutskever, window_size=12, hidden_size=6, lr=0.05)
    det.learn_many(xs[:100])
    frozen = RollingDetector(Sutskever, window_size=12, hidden_size=6, lr=0.0)
    frozen.learn_many(xs[:100])
    frozen.module_.load_state_dict(det.module_.state_dict())
    one = []
    for x in xs[100:]:
        one.append(frozen.score_one(x))
        frozen.learn_one(x)
    np.testing.assert_allclose(det.score_many(xs[100:]), one, rtol=1e-5)


def test_a_pass_without_gradient_keeps_nothing_to_learn_from():
    kernel = compiled(Sutskever(3, hidden_size=4))
    windows = np.zeros((5, 2, 3), dtype=np.float32)
    x_hat, trace = kernel.forward(windows, False)
    assert not trace.kept  # one row of scratch, reused by every window
    with pytest.raises(RuntimeError, match="no trace"):
        kernel.step(windows, x_hat, trace, lr=0.1, max_norm=None)


def test_non_finite_values_give_non_finite_errors_not_garbage():
    kernel = compiled(Sutskever(3, hidden_size=4))
    windows = np.zeros((4, 3, 3), dtype=np.float32)
    windows[:, 1, 0] = 3e38
    windows[0, 2, 1] = np.nan
    _, trace = kernel.forward(windows)
    assert np.isfinite(trace.losses[0]) and trace.losses[1] == np.inf
    assert np.isnan(trace.losses[2])


def test_tanh_within_4e_7():
    from streamad._kernels.cells import tanh32

    @numba.njit
    def apply(values, out):
        for j in range(values.shape[0]):
            out[j] = tanh32(values[j])

    z = np.concatenate([np.linspace(-12, 12, 200_001), [0.0, np.inf, -np.inf, np.nan]])
    z = z.astype(np.float32)
    out = np.empty_like(z)
    apply(z, out)
    np.testing.assert_allclose(out[:-1], np.tanh(z[:-1].astype(np.float64)), rtol=0, atol=4e-7)
    assert np.isnan(out[-1])


def test_backend_follows_the_environment(monkeypatch):
    module = Sutskever(3, hidden_size=4)
    monkeypatch.setenv("STREAMAD_KERNEL", "numpy")
    assert _kernels.Kernel(module).backend == "numpy"
    monkeypatch.delenv("STREAMAD_KERNEL")
    assert _kernels.kernel.backend_from_environment() == "auto"  # see tests/test_kernels_warm.py
    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    kernel = _kernels.Kernel(module)
    assert kernel.backend == "compiled" and kernel.serves(10_000)
    monkeypatch.setenv("STREAMAD_KERNEL", "fortran")
    with pytest.raises(ValueError, match="STREAMAD_KERNEL"):
        _kernels.Kernel(module)


def test_a_non_contiguous_parameter_gets_the_numpy_backend():
    module = Sutskever(3, hidden_size=4)
    weight = module.encoder.weight_hh_l0
    weight.data = weight.data.t().contiguous().t()  # same values, column-major
    assert _kernels.Kernel(module, backend="compiled").backend == "numpy"


def test_without_a_writable_cache_directory_functions_compile_in_memory(monkeypatch):
    from streamad._kernels import _jit

    real = _jit.numba.njit

    def njit(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(_jit.numba, "njit", njit)
    double = _jit.jit(lambda x: 2 * x)
    assert double(3) == 6


def test_importing_streamad_neither_imports_numba_nor_compiles():
    code = "import sys; from streamad import RollingDetector; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_a_dataframe_replays_as_its_records():
    pd = pytest.importorskip("pandas")
    xs = stream(120, n_features=4)
    det = RollingDetector(Sutskever, window_size=8, hidden_size=5)
    det.learn_many(xs[:30])
    frame = pd.DataFrame(xs[30:])[list(reversed(det.features))]  # columns in another order
    np.testing.assert_array_equal(det.score_many(frame), det.score_many(xs[30:]))
    records = [dict(x) for x in xs[30:]]
    records[3]["f0"] = float("nan")  # imputed by the input policy, in both forms
    frame = pd.DataFrame(records)
    np.testing.assert_array_equal(det.score_many(frame), det.score_many(records))


def test_converting_the_same_sample_twice_gives_the_same_bits():
    from streamad._window import dict_to_row

    features = ("a", "b")

    def fill():
        return np.zeros(2, dtype=np.float32)

    first, _ = dict_to_row({"a": 0.5, "b": 0.0}, features, fill)
    again, _ = dict_to_row({"a": 0.5, "b": -0.0}, features, fill)  # equal, not the same bits
    assert not np.signbit(first[1]) and np.signbit(again[1])
    row, _ = dict_to_row({"a": 0.5, "b": 2.0}, features, fill)
    same, _ = dict_to_row({"b": 2.0, "a": 0.5}, features, fill)
    assert same is row and not row.flags.writeable
    other, _ = dict_to_row({"a": 0.5, "b": 2.5}, features, fill)
    assert other.tolist() == [0.5, 2.5]
