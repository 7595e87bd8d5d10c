"""The compiled kernel is built in the background while the NumPy kernel serves."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from streamad import RollingDetector, _kernels
from streamad.modules import Cho, Srivastava, Stacked, Sutskever
from tests.kernel_cases import stream

pytest.importorskip("numba")
from streamad._kernels import build, warm  # noqa: E402  (imports numba)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cold(monkeypatch):
    """numba's cache said to be empty; the background preparation is recorded, not run: the
    test says when it ends with :func:`finish`."""
    monkeypatch.setenv("STREAMAD_KERNEL", "auto")
    monkeypatch.setattr(warm, "_event", None)
    monkeypatch.setattr(warm, "_forked", False)
    monkeypatch.setattr(warm, "_pending", False)
    monkeypatch.setattr(warm, "where", lambda compiled=None: "none")
    started: list = []
    monkeypatch.setattr(warm, "_prepare", lambda found, event: started.append((found, event)))
    return started


def finish(started: list) -> None:
    """End the recorded background preparation, as ``warm._prepare`` does."""
    started[0][1].set()
    warm._pending = False


def detector() -> RollingDetector:
    return RollingDetector(Sutskever, window_size=5, hidden_size=6, lr=0.05)


def test_the_numpy_kernel_serves_until_the_compile_ends_then_the_compiled_one(cold, monkeypatch):
    xs = stream(80, n_features=3)
    det, scores = detector(), []
    for x in xs[:30]:
        scores.append(det.score_one(x))
        det.learn_one(x)
        assert det._kernel.backend == "numpy" and warm.pending()
    assert [found for found, _ in cold] == ["none"]  # one compile, started by the first kernel
    finish(cold)
    for x in xs[30:]:
        scores.append(det.score_one(x))
        det.learn_one(x)
        assert det._kernel.backend == "compiled" and not warm.pending()

    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    reference = detector()
    expected = []
    for x in xs:
        expected.append(reference.score_one(x))
        reference.learn_one(x)
    assert reference._kernel.backend == "compiled"
    np.testing.assert_allclose(scores, expected, rtol=1e-4)


def test_every_module_and_width_waits_for_the_same_one_compile(cold):
    """Reported: a second module, or another number of features, compiled again (the entry
    points were typed on a tuple as long as the module's parameters)."""
    widths = {Sutskever: 3, Cho: 30, Stacked: 7, Srivastava: 1}
    kernels = {width: _kernels.Kernel(module(width)) for module, width in widths.items()}
    assert len(cold) == 1 and all(k.backend == "numpy" for k in kernels.values())
    finish(cold)
    for width, kernel in kernels.items():
        kernel.forward(np.zeros((3, 1, width), dtype=np.float32))
        assert kernel.backend == "compiled"


def test_a_forward_pass_before_the_move_is_learned_on_its_own_backend(cold):
    module = Sutskever(3, hidden_size=4)
    twin = Sutskever(3, hidden_size=4)
    twin.load_state_dict(module.state_dict())
    kernel = _kernels.Kernel(module)
    numpy_kernel = _kernels.Kernel(twin, backend="numpy")
    windows = np.random.default_rng(0).normal(size=(5, 1, 3)).astype(np.float32)
    x_hat, cache = kernel.forward(windows)
    finish(cold)
    kernel.forward(windows, grad=False)  # moves to the compiled backend
    assert kernel.backend == "compiled"
    kernel.step(windows, x_hat, cache, 0.1)  # the NumPy pass's step, on the NumPy backend
    twin_hat, twin_cache = numpy_kernel.forward(windows)
    numpy_kernel.step(windows, twin_hat, twin_cache, 0.1)
    for name, value in kernel.params.items():
        np.testing.assert_array_equal(value, numpy_kernel.params[name])


def test_a_kernel_found_in_the_cache_serves_from_the_first_sample(cold, monkeypatch):
    monkeypatch.setattr(warm, "where", lambda compiled=None: "disk")
    assert _kernels.Kernel(Sutskever(3, hidden_size=4)).backend == "compiled"
    assert cold == [] and not warm.pending()


def test_compiled_in_the_foreground_on_request(cold, monkeypatch):
    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    assert _kernels.Kernel(Sutskever(3, hidden_size=4)).backend == "compiled"
    assert cold == []


def test_a_process_forked_while_compiling_keeps_the_numpy_kernel(cold, monkeypatch):
    _kernels.Kernel(Sutskever(3, hidden_size=4))  # starts a compile
    monkeypatch.setattr(warm, "_lock", warm._lock)  # restored after the test
    warm._after_fork_in_child()
    assert not warm.pending()  # nothing compiles for this process
    monkeypatch.setattr(warm, "where", lambda compiled=None: "disk")  # loading takes the lock
    other = _kernels.Kernel(Sutskever(3, hidden_size=5, n_layers=2))
    assert other.backend == "numpy" and len(cold) == 1  # no compile started in the child
    monkeypatch.setenv("STREAMAD_KERNEL", "compiled")
    with pytest.warns(UserWarning, match="forked"):
        asked = _kernels.Kernel(Sutskever(3, hidden_size=5, n_layers=2))
    assert asked.backend == "numpy"


def test_windows_beyond_the_numpy_kernel_move_too(cold):
    """Reported: windows of more than 64 steps go to torch autograd on the NumPy backend and
    never reached the forward pass that moves a kernel to the compiled code."""
    xs = stream(120, n_features=3)
    det = RollingDetector(Sutskever, window_size=80, hidden_size=4, lr=0.05)
    for x in xs[:90]:
        det.score_one(x)
        det.learn_one(x)
    assert det._kernel.backend == "numpy"
    finish(cold)
    for x in xs[90:]:
        det.score_one(x)
        det.learn_one(x)
    assert det._kernel.backend == "compiled"


# -- the background preparation: a detached compile, then a load -------------------------------


class Process:
    """A detached compile as ``warm`` sees it: running until ``ended`` is given an exit status."""

    def __init__(self) -> None:
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


@pytest.fixture
def preparation(monkeypatch, tmp_path):
    """``warm._prepare`` with numba's cache, the detached compile and the load played by the
    test: ``cache`` is what ``where`` answers, one answer a look (the last one stays)."""
    state = {"cache": ["none"], "loaded": 0, "started": [], "elsewhere": False}

    def where(compiled=None):
        answers = state["cache"]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def start_build():
        process = Process()
        state["started"].append(process)
        return process

    monkeypatch.setattr(warm, "where", where)
    monkeypatch.setattr(warm, "start_build", start_build)
    monkeypatch.setattr(warm, "POLL_S", 0.0)
    monkeypatch.setattr(warm, "_pending", True)
    monkeypatch.setattr(build, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(build, "compiling_elsewhere", lambda folder: state["elsewhere"])
    monkeypatch.setattr(build, "load", lambda: state.__setitem__("loaded", state["loaded"] + 1))
    return state


def test_a_detached_compile_is_started_and_its_kernel_loaded(preparation):
    preparation["cache"] = ["none", "none", "none", "disk"]
    event = threading.Event()
    warm._prepare("none", event)
    assert len(preparation["started"]) == 1 and preparation["loaded"] == 1
    assert event.is_set() and not warm.pending()


def test_a_compile_running_elsewhere_is_waited_for_not_repeated(preparation):
    preparation["elsewhere"] = True
    preparation["cache"] = ["none", "none", "disk"]
    event = threading.Event()
    warm._prepare("none", event)
    assert preparation["started"] == [] and preparation["loaded"] == 1 and event.is_set()


def test_a_failed_detached_compile_is_compiled_here_instead(preparation, monkeypatch):
    def start_build():
        process = Process()
        process.returncode = 1  # (numba failed, or the interpreter could not start it)
        preparation["started"].append(process)
        return process

    monkeypatch.setattr(warm, "start_build", start_build)
    event = threading.Event()
    warm._prepare("none", event)
    assert len(preparation["started"]) == 1 and preparation["loaded"] == 1 and event.is_set()


def test_nothing_to_cache_into_compiles_here_without_a_detached_process(preparation):
    event = threading.Event()
    warm._prepare("nowhere", event)
    assert preparation["started"] == [] and preparation["loaded"] == 1 and event.is_set()


# -- the real thing: numba, its cache, the lock and the detached process -----------------------


def _python(code: str, cache: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "STREAMAD_KERNEL": "auto"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, **kwargs
    )


def test_a_kernel_compiled_in_this_process_is_found_in_memory():
    kernel = _kernels.Kernel(Sutskever(3, hidden_size=4), backend="compiled")
    kernel.compiled.warm_up()
    assert warm.where() == "memory"


def test_an_empty_numba_cache_is_seen_without_compiling(tmp_path):
    result = _python("from streamad._kernels import warm; print(warm.where())", tmp_path)
    assert result.stdout.strip() == "none", result.stderr
    assert not list(tmp_path.rglob("*.nbc"))  # nothing was compiled


def test_the_compile_process_imports_neither_torch_nor_the_modules(tmp_path):
    code = "import sys, streamad._kernels.build as b; print(*(m in sys.modules for m in {m!r}))"
    code = code.format(m=("torch", "streamad.modules"))
    assert _python(code, tmp_path).stdout.split() == ["False", "False"]


def test_one_compile_at_a_time_and_the_lock_goes_with_its_process(tmp_path):
    """A compile started while another process holds the lock ends at once, compiling nothing;
    a lock whose process was killed is free again (no stale lock)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        second = subprocess.run(
            [sys.executable, "-m", "streamad._kernels.build"],
            cwd=ROOT,
            env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)},
            timeout=300,
        )
        assert second.returncode == build.BUSY
        assert not list(tmp_path.rglob("*.nbc"))
        folder = next(tmp_path.iterdir())
        assert build.compiling_elsewhere(folder)
    finally:
        holder.kill()
        holder.wait()
    assert not build.compiling_elsewhere(folder)


HOLD = """
from streamad._kernels import build
with build.exclusive(build.cache_dir()) as mine:
    print("held" if mine else "not held", flush=True)
    import time; time.sleep(600)
"""

SHORT_RUN = """
from streamad import RollingDetector
from streamad._kernels import warm
from streamad.modules import Sutskever
det = RollingDetector(Sutskever, window_size=4, hidden_size=3)
for i in range(30):
    det.learn_one({"a": float(i % 5), "b": 1.0})
print(det._kernel.backend, warm.pending())
"""

LATER_RUN = """
from streamad import RollingDetector
from streamad._kernels import warm
from streamad.modules import Cho, Srivastava, Stacked, Sutskever
backends = [warm.where()]
for module, width in ((Sutskever, 2), (Cho, 30), (Stacked, 5), (Srivastava, 1)):
    det = RollingDetector(module, window_size=6)
    for i in range(20):
        det.learn_one({f"f{j}": float((i + j) % 7) for j in range(width)})
    backends.append(det._kernel.backend)
print(*backends)
"""


def test_a_short_run_leaves_the_compile_running_and_the_next_finds_it_for_every_module(tmp_path):
    """Reported: a first run waited for the compile at exit (tens of seconds), and a second
    module or width compiled again. Now the short run ends with its compile still running
    detached; once it ends, any module and width loads from the cache, compiling nothing."""
    short = _python(SHORT_RUN, tmp_path, timeout=300)
    assert short.returncode == 0, short.stderr
    assert short.stdout.split() == ["numpy", "True"]  # it ended while the kernel compiled
    folder = next(tmp_path.iterdir())
    wait = _python(
        "import time\nfrom streamad._kernels import build, warm\n"
        "while warm.where() != 'disk' or build.compiling_elsewhere(build.cache_dir()):\n"
        "    time.sleep(1)\n",
        tmp_path,
        timeout=1800,
    )
    assert wait.returncode == 0, wait.stderr
    assert "compiled and cached" in (folder / build.LOG).read_text()
    files = sorted(p.name for p in folder.iterdir())
    later = _python(LATER_RUN, tmp_path, timeout=600)
    assert later.stdout.split() == ["disk"] + ["compiled"] * 4, later.stderr
    assert sorted(p.name for p in folder.iterdir()) == files  # nothing new was compiled
