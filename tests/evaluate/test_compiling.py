"""Reports taken while the compiled kernel compiles say so, and time only what came after."""

from __future__ import annotations

import numpy as np
import pytest

from streamad import Report, RollingDetector, prequential
from streamad.evaluate import _compiling
from streamad.modules import Sutskever
from streamad.synth import SineWithSpikes

pytest.importorskip("numba")
from streamad._kernels import warm  # noqa: E402  (imports numba)


@pytest.fixture
def cold(monkeypatch):
    """numba's cache said to be empty; the compile is recorded, not run (see
    tests/test_kernels_warm.py)."""
    monkeypatch.setenv("STREAMAD_KERNEL", "auto")
    monkeypatch.setattr(warm, "_event", None)
    monkeypatch.setattr(warm, "_forked", False)
    monkeypatch.setattr(warm, "_pending", False)
    monkeypatch.setattr(warm, "where", lambda compiled=None: "none")
    started: list = []
    monkeypatch.setattr(warm, "_prepare", lambda found, event: started.append(event))
    return started


def _finishing(source, at: int, started: list):
    """``source``, the compile ending as sample ``at`` is taken."""
    for i, item in enumerate(source):
        if i == at:
            started[0].set()
            warm._pending = False
        yield item


def test_a_run_that_outlasts_the_compile_counts_and_times_only_the_compiled_part(cold):
    """Reported: the first report a user ever saw said 255 samples/s and p99 33 ms (the NumPy
    kernel, beside the compile), against 3,700/s and 4 ms once compiled."""
    detector = RollingDetector(Sutskever, window_size=5, hidden_size=4)
    source = _finishing(SineWithSpikes(n=300, spikes=((250, 9.0),)), 120, cold)
    report = prequential(source, detector, progress=False)
    assert report.compiling == 120 and detector._kernel.backend == "compiled"
    assert (
        _row(report, "kernel compiling")
        == "for the first 120 samples (left out of the timings below)"
    )


def test_a_run_that_ends_while_compiling_says_so(cold):
    report = prequential(
        SineWithSpikes(n=60, spikes=()), RollingDetector(window_size=4), progress=False
    )
    assert report.compiling == 60 and report.timings["throughput"] > 0
    assert _row(report, "kernel compiling").startswith(
        "throughout (the timings below are the NumPy"
    )


def _row(report: Report, label: str) -> str:
    """The value of the table row ``label``."""
    (line,) = [line for line in report.to_table().splitlines() if line.startswith(label)]
    return line[len(label) :].strip()


def test_a_run_with_the_kernel_ready_has_no_such_row(monkeypatch):
    monkeypatch.setattr(_compiling, "compiling", lambda: False)
    report = prequential(
        SineWithSpikes(n=60, spikes=()), RollingDetector(window_size=4), progress=False
    )
    assert report.compiling == 0 and "kernel compiling" not in str(report)


def test_the_timings_leave_out_the_samples_scored_while_compiling():
    watch = _compiling.Watch()
    flags = iter([True, True, True, False, False])
    items = list(_watched(watch, range(5), flags))
    assert items == [0, 1, 2, 3, 4] and watch.samples == 3 and watch.after_ns is not None
    latencies = [50_000_000] * 3 + [1_000_000, 3_000_000]  # ns
    t = _compiling.timings(latencies, 5, 10.0, watch, watch.after_ns + 500_000_000)
    assert t["throughput"] == pytest.approx(4.0) and t["wall_s"] == 10.0
    assert t["latency_p50_ms"] == pytest.approx(2.0) and t["latency_p99_ms"] < 3.0
    kept = _compiling.timings(latencies[-2:], 5, 10.0, watch, watch.after_ns + 500_000_000)
    assert kept["latency_p50_ms"] == pytest.approx(2.0)  # (only the last two latencies kept)


def _watched(watch, items, flags):
    original = _compiling.compiling
    _compiling.compiling = lambda: next(flags)
    try:
        yield from watch.items(items)
    finally:
        _compiling.compiling = original


def test_the_count_survives_json(tmp_path):
    report = Report(metrics={}, n_samples=4, model="M()", source="S()", scores=np.zeros(4))
    report.compiling = 3
    report.to_json(tmp_path / "r.json")
    assert Report.from_json(tmp_path / "r.json").compiling == 3
