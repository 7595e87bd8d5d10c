"""The compiled kernel is built in the background while the NumPy kernel serves."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from streamad import RollingDetector, _kernels
from streamad.modules import Sutskever
from tests.kernel_cases import stream

pytest.importorskip("numba")
from streamad._kernels import warm  # noqa: E402  (imports numba)


@pytest.fixture
def cold(monkeypatch):
    """numba's cache said to be empty; the background compile is recorded, not run: the test
    says when it ends by setting its event."""
    monkeypatch.setenv("STREAMAD_KERNEL", "auto")
    monkeypatch.setattr(warm, "_events", {})
    monkeypatch.setattr(warm, "_forked", False)
    monkeypatch.setattr(warm, "_threads", [])
    monkeypatch.setattr(warm, "where", lambda compiled: "none")
    started: list = []
    monkeypatch.setattr(warm, "_compile", lambda compiled, event: started.append((compiled, event)))
    return started


def detector() -> RollingDetector:
    return RollingDetector(Sutskever, window_size=5, hidden_size=6, lr=0.05)


def test_the_numpy_kernel_serves_until_the_compile_ends_then_the_compiled_one(cold, monkeypatch):
    xs = stream(80, n_features=3)
    det, scores = detector(), []
    for x in xs[:30]:
        scores.append(det.score_one(x))
        det.learn_one(x)
        assert det._kernel.backend == "numpy"
    assert len(cold) == 1  # one compile, started by the first kernel
    compiled, event = cold[0]
    params = det._kernel.params.values()
    assert not any(np.shares_memory(w, p) for w in compiled.weights for p in params)
    event.set()
    for x in xs[30:]:
        scores.append(det.score_one(x))
        det.learn_one(x)
        assert det._kernel.backend == "compiled"

    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    reference = detector()
    expected = []
    for x in xs:
        expected.append(reference.score_one(x))
        reference.learn_one(x)
    assert reference._kernel.backend == "compiled"
    np.testing.assert_allclose(scores, expected, rtol=1e-4)


def test_a_forward_pass_before_the_move_is_learned_on_its_own_backend(cold):
    module = Sutskever(3, hidden_size=4)
    twin = Sutskever(3, hidden_size=4)
    twin.load_state_dict(module.state_dict())
    kernel = _kernels.Kernel(module)
    numpy_kernel = _kernels.Kernel(twin, backend="numpy")
    windows = np.random.default_rng(0).normal(size=(5, 1, 3)).astype(np.float32)
    x_hat, cache = kernel.forward(windows)
    cold[0][1].set()
    kernel.forward(windows, grad=False)  # moves to the compiled backend
    assert kernel.backend == "compiled"
    kernel.step(windows, x_hat, cache, 0.1)  # the NumPy pass's step, on the NumPy backend
    twin_hat, twin_cache = numpy_kernel.forward(windows)
    numpy_kernel.step(windows, twin_hat, twin_cache, 0.1)
    for name, value in kernel.params.items():
        np.testing.assert_array_equal(value, numpy_kernel.params[name])


def test_a_kernel_found_in_the_cache_serves_from_the_first_sample(cold, monkeypatch):
    monkeypatch.setattr(warm, "where", lambda compiled: "disk")
    assert _kernels.Kernel(Sutskever(3, hidden_size=4)).backend == "compiled"
    assert cold == []


def test_compiled_in_the_foreground_on_request(cold, monkeypatch):
    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    assert _kernels.Kernel(Sutskever(3, hidden_size=4)).backend == "compiled"
    assert cold == []


def test_a_process_forked_while_compiling_keeps_the_numpy_kernel(cold, monkeypatch):
    _kernels.Kernel(Sutskever(3, hidden_size=4))  # starts a compile
    monkeypatch.setattr(warm, "_lock", warm._lock)  # restored after the test
    warm._after_fork_in_child()
    monkeypatch.setattr(warm, "where", lambda compiled: "disk")  # loading would take the lock
    other = _kernels.Kernel(Sutskever(3, hidden_size=5, n_layers=2))  # another kind of kernel
    assert other.backend == "numpy" and len(cold) == 1  # no compile started in the child
    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    with pytest.warns(UserWarning, match="forked"):
        asked = _kernels.Kernel(Sutskever(3, hidden_size=5, n_layers=2))
    assert asked.backend == "numpy"


class Compiling:
    """A compile in progress, as far as ``warm`` can tell."""

    def is_alive(self) -> bool:
        return True


def test_a_cached_kind_loads_in_the_background_while_another_compiles(cold, monkeypatch):
    """Reported: loading from numba's cache takes its compiler lock, so a cached kind used
    while another kind compiled waited for that whole compile at its first sample."""
    monkeypatch.setattr(warm, "_threads", [(Compiling(), True)])
    monkeypatch.setattr(warm, "where", lambda compiled: "disk")
    kernel = _kernels.Kernel(Sutskever(3, hidden_size=4))
    assert kernel.backend == "numpy" and len(cold) == 1
    cold[0][1].set()
    kernel.forward(np.zeros((3, 1, 3), dtype=np.float32))
    assert kernel.backend == "compiled"


def test_windows_beyond_the_numpy_kernel_move_too(cold):
    """Reported: windows of more than 64 steps go to torch autograd on the NumPy backend and
    never reached the forward pass that moves a kernel to the compiled code."""
    xs = stream(120, n_features=3)
    det = RollingDetector(Sutskever, window_size=80, hidden_size=4, lr=0.05)
    for x in xs[:90]:
        det.score_one(x)
        det.learn_one(x)
    assert det._kernel.backend == "numpy"
    cold[0][1].set()
    for x in xs[90:]:
        det.score_one(x)
        det.learn_one(x)
    assert det._kernel.backend == "compiled"


def test_nothing_to_cache_means_no_wait_at_exit(cold, monkeypatch):
    monkeypatch.setattr(warm, "where", lambda compiled: "nowhere")
    _kernels.Kernel(Sutskever(3, hidden_size=4))
    assert len(cold) == 1 and [wait for _, wait in warm._threads] == [False]


def test_a_kernel_compiled_in_this_process_is_found_in_memory():
    kernel = _kernels.Kernel(Sutskever(3, hidden_size=4), backend="compiled")
    kernel.compiled.warm_up()
    assert warm.where(kernel.compiled) == "memory"


def test_an_empty_numba_cache_is_seen_without_compiling(tmp_path):
    code = (
        "from streamad._kernels import native, warm; from streamad.modules import Sutskever\n"
        "m = Sutskever(3, hidden_size=4)\n"
        "c = native.Compiled(m, {n: p.detach().numpy() for n, p in m.named_parameters()})\n"
        "print(warm.where(c))"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "none", result.stderr
    assert not list(tmp_path.rglob("*.nbc"))  # nothing was compiled


def test_a_process_ending_during_the_compile_waits_for_it(monkeypatch, capsys):
    done = threading.Event()
    thread = threading.Thread(target=lambda: (time.sleep(0.2), done.set()), daemon=True)
    thread.start()
    monkeypatch.setattr(warm, "_threads", [(thread, True)])
    warm._finish_at_exit()
    assert done.is_set() and "one-time compile" in capsys.readouterr().err
    warm._finish_at_exit()  # nothing left to wait for: silent
    assert capsys.readouterr().err == ""
