"""Speed of streamad's exact, block and replay modes against deep-river and River, in one process.

    python benchmarks/bench_speed.py [--repeats 3] [--samples 400] [--startup]
    python benchmarks/bench_speed.py --monitor [--repeats 5] [--data ../shared/data]

Every configuration runs the seed's score-then-learn loop (30 features, hidden 30, SGD lr 0.005,
the Sutskever module unless stated) on the same generated stream, interleaved with the references
in each repeat, on one torch thread. Reported: median samples/s over the repeats and the ratio to
deep-river's ``RollingAutoencoder`` measured in the same repeat. deep-river is given the same module
as streamad (so it shares the fused Sutskever decoder); for Sutskever it is also run with the
published example's step-by-step decoder (``Sutskever(fused=False)``, same weights), the baseline
of the seed's loop; a cell reads "rate (× deep-river given the same module; × step-by-step)".
"exact" is streamad's default path (the compiled kernel for its own modules), "exact, NumPy
kernel" the path before it (the NumPy kernel up to 64 steps, torch autograd beyond; what
``STREAMAD_KERNEL=numpy`` gives), "exact, autograd" the same detector through torch autograd, as
a module without a kernel runs. "replay" scores 20,000 recorded samples given as dicts, "replay,
frame" the same given as a DataFrame. ``--startup`` measures, in fresh processes, the import time
of streamad and the first sample's latency with numba's cache cold and warm.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from deep_river.anomaly import RollingAutoencoder
from river import anomaly

from streamad import RollingDetector, _kernels
from streamad.modules import Cho, Srivastava, Stacked, Sutskever

LR = 0.005  # the seed's learning rate, for every detector here


def make_stream(n: int, n_features: int, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    values = np.sin(np.arange(n)[:, None] / (3 + np.arange(n_features))) + 0.1 * rng.normal(
        size=(n, n_features)
    )
    return [{f"f{j:03d}": float(v) for j, v in enumerate(row)} for row in values]


def loop_rate(model, xs) -> float:
    start = time.perf_counter()
    for x in xs:
        model.score_one(x)
        model.learn_one(x)
    return len(xs) / (time.perf_counter() - start)


def block_rate(model, xs, k: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(xs), k):
        block = xs[i : i + k]
        model.score_many(block)
        model.learn_many(block)
    return len(xs) / (time.perf_counter() - start)


def replay_rate(model, xs) -> float:
    start = time.perf_counter()
    model.score_many(xs)
    return len(xs) / (time.perf_counter() - start)


def hst_rate(xs) -> float:
    model = anomaly.HalfSpaceTrees(seed=42)
    return loop_rate(model, xs)


def warm(model, prefix):
    """Fill the window before timing: deep-river does no forward pass while its window fills."""
    for x in prefix:
        model.learn_one(x)
    return model


def autograd(det: RollingDetector, prefix) -> RollingDetector:
    """A warmed detector on the torch autograd path (the kernels switched off)."""
    warm(det, prefix)
    det._kernel = False
    return det


def numpy_kernel(det: RollingDetector, prefix) -> RollingDetector:
    """A warmed detector on the path before the compiled kernel: the NumPy kernel up to 64
    steps, torch autograd beyond (what STREAMAD_KERNEL=numpy gives)."""
    warm(det, prefix)
    det._kernel = _kernels.Kernel(det.module_, backend="numpy")
    return det


def bench(module_cls, n_features: int, window: int, samples: int, repeats: int) -> dict:
    xs = make_stream(samples, n_features)
    prefix = make_stream(window, n_features, seed=2)
    results: dict[str, list[float]] = {}
    for _ in range(repeats):
        torch.manual_seed(0)
        module = module_cls(n_features)
        rates = {
            "deep-river": loop_rate(
                warm(
                    RollingAutoencoder(module=copy.deepcopy(module), lr=0.005, window_size=window),
                    prefix,
                ),
                xs,
            ),
            "exact": loop_rate(
                warm(RollingDetector(module, window_size=window, lr=LR), prefix), xs
            ),
            "exact, NumPy kernel": loop_rate(
                numpy_kernel(RollingDetector(module, window_size=window, lr=LR), prefix), xs
            ),
            "exact, autograd": loop_rate(
                autograd(RollingDetector(module, window_size=window, lr=LR), prefix), xs
            ),
        }
        if module_cls is Sutskever:  # the published example's decoder: one cell call per step
            loop = Sutskever(n_features, fused=False)
            loop.load_state_dict(module.state_dict())
            reference = RollingAutoencoder(module=loop, lr=0.005, window_size=window)
            rates["deep-river, step-by-step decoder"] = loop_rate(warm(reference, prefix), xs)
        for k in (8, 32, 128):
            det = warm(RollingDetector(module, window_size=window, lr=LR), prefix)
            rates[f"block k={k}"] = block_rate(det, xs, k)
        det = RollingDetector(module, window_size=window, lr=LR)
        det.learn_many(xs[:window])
        recorded = make_stream(20_000, n_features, seed=1)
        rates["replay"] = replay_rate(det, recorded)
        rates["replay, frame"] = replay_rate(det, pd.DataFrame(recorded))
        rates["HalfSpaceTrees"] = hst_rate(xs)
        step = rates.get("deep-river, step-by-step decoder")
        for name, rate in rates.items():
            results.setdefault(name, []).append(rate / rates["deep-river"])
            results.setdefault(name + " /s", []).append(rate)
            if step:
                results.setdefault(name + " vs step", []).append(rate / step)
    return {name: statistics.median(v) for name, v in results.items()}


def latency(window: int, n: int = 600, old: bool = False) -> tuple[float, float]:
    xs = make_stream(n, 30)
    det = RollingDetector(Sutskever, window_size=window, lr=LR)
    prefix = make_stream(window, 30, seed=2)
    det = numpy_kernel(det, prefix) if old else warm(det, prefix)
    times = []
    for x in xs:
        t = time.perf_counter_ns()
        det.score_one(x)
        det.learn_one(x)
        times.append(time.perf_counter_ns() - t)
    times_ms = np.array(times) / 1e6
    return float(np.percentile(times_ms, 50)), float(np.percentile(times_ms, 99))


def _per_sample(step, xs) -> float:
    """Microseconds a sample of ``step`` over ``xs``."""
    start = time.perf_counter()
    for x in xs:
        step(x)
    return (time.perf_counter() - start) / len(xs) * 1e6


def _river_step(model):
    def step(x):
        model.score_one(x)
        model.learn_one(x)

    return step


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def monitor_speed(repeats: int, data: Path, warm: int = 1000, timed: int = 2000) -> None:
    """The whole chain against River's detectors and its own detector, in one process.

    On SMD machine-1-6's test rows (38 features): ``Monitor().process_one``, River's
    ``MinMaxScaler() | HalfSpaceTrees(seed=42)`` (``score_one`` then ``learn_one``) and the
    Monitor's detector alone (``RollingDetector(clip_grad=1.0, score_mode="fused")``, the same
    calls) on the rows standardised beforehand by River's ``StandardScaler``: each warmed on
    ``warm`` rows, then timed on the next ``timed``, the three in turns in every repeat
    (microseconds a sample: median and best of ``repeats``; ratios taken within a repeat).
    Then the Monitor's latency a sample (p50, p99) on 30 sine-like features at window 10,
    and the chain's cost at 1 and 38 sine-like features against its detector alone.
    """
    from river import anomaly, preprocessing

    import streamad
    from streamad import Monitor
    from streamad.datasets import SMD
    from streamad.monitor import default_detector

    print(f"start: {_load()}; streamad from {Path(streamad.__file__).parent}")
    rows = [x for x, _ in itertools.islice(SMD(data / "smd", "machine-1-6"), warm + timed)]
    scaler, scaled = preprocessing.StandardScaler(), []
    for x in rows:
        scaler.learn_one(x)
        scaled.append(scaler.transform_one(x))
    times: dict[str, list[float]] = {"monitor": [], "hst": [], "detector": []}
    for _ in range(repeats):
        monitor = Monitor()
        hst = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42)
        detector = default_detector()
        for name, step, xs in [
            ("monitor", monitor.process_one, rows),
            ("hst", _river_step(hst), rows),
            ("detector", _river_step(detector), scaled),
        ]:
            _per_sample(step, xs[:warm])
            times[name].append(_per_sample(step, xs[warm:]))
    median = {name: statistics.median(v) for name, v in times.items()}
    best = {name: min(v) for name, v in times.items()}
    pairs = zip(times["hst"], times["monitor"], strict=True)
    over_hst = statistics.median(h / m for h, m in pairs)
    over_detector = statistics.median(
        m / d - 1 for m, d in zip(times["monitor"], times["detector"], strict=True)
    )
    print(f"SMD machine-1-6, test rows {warm}-{warm + timed} (38 features), {repeats} repeats")
    print("| model | µs a sample (median) | best | samples/s (median) |")
    print("|---|---|---|---|")
    labels = {
        "monitor": "`Monitor().process_one`",
        "hst": "River `MinMaxScaler() \\| HalfSpaceTrees(seed=42)`",  # a pipe escaped: a table's
        "detector": "its detector alone, on standardised rows",
    }
    for name, label in labels.items():
        print(f"| {label} | {median[name]:.0f} | {best[name]:.0f} | {1e6 / median[name]:,.0f} |")
    print(f"Monitor's rate / HalfSpaceTrees': {over_hst:.2f}× (median of the repeats' ratios)")
    print(f"Monitor's overhead over its detector: {100 * over_detector:.0f}%")
    p50, p99 = monitor_latency(warm=500, n=2000)
    print(f"Monitor latency, 30 features, window 10: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    monitor_cost(repeats)
    print(f"end: {_load()}")


def monitor_latency(warm: int, n: int) -> tuple[float, float]:
    """p50 and p99 of ``Monitor().process_one`` (window 10) on 30 sine-like features, in ms."""
    from streamad import Monitor

    xs = make_stream(warm + n, 30, seed=5)
    monitor = Monitor()
    for x in xs[:warm]:
        monitor.process_one(x)
    took = []
    for x in xs[warm:]:
        t = time.perf_counter_ns()
        monitor.process_one(x)
        took.append(time.perf_counter_ns() - t)
    ms = np.array(took) / 1e6
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def monitor_cost(repeats: int = 3) -> None:
    """Microseconds a sample of the default ``Monitor().process_one`` (guard, scaler, detector,
    threshold, calibration, attribution) against its detector's ``score_one`` + ``learn_one``
    alone, at 1 and 38 features (NAB's and SMD's widths), 1,000 samples after 500 of warm-up;
    medians of ``repeats``."""
    from streamad import Monitor
    from streamad.monitor import default_detector

    for n_features in (1, 38):
        xs = make_stream(1500, n_features, seed=4)
        chain, alone = [], []
        for _ in range(repeats):
            monitor, det = Monitor(), default_detector()
            for x in xs[:500]:
                monitor.process_one(x)
                det.score_one(x)
                det.learn_one(x)
            t = time.perf_counter()
            for x in xs[500:]:
                monitor.process_one(x)
            chain.append((time.perf_counter() - t) * 1e3)
            t = time.perf_counter()
            for x in xs[500:]:
                det.score_one(x)
                det.learn_one(x)
            alone.append((time.perf_counter() - t) * 1e3)
        print(
            f"{n_features} features: Monitor.process_one {statistics.median(chain):.0f} µs a "
            f"sample, its detector alone {statistics.median(alone):.0f} µs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--startup", action="store_true", help="only the start-up costs")
    parser.add_argument("--monitor", action="store_true", help="only the Monitor's cost a sample")
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data"), help="for --monitor: SMD's parent"
    )
    args = parser.parse_args()
    if args.startup:
        startup()
        return
    os.environ.setdefault("STREAMAD_KERNEL", "compiled")  # measured compiled, even uncached
    torch.set_num_threads(1)
    if args.monitor:
        monitor_speed(args.repeats, args.data)
        return
    configs = [(Sutskever, 30, w) for w in (10, 50, 100)]
    configs += [(Sutskever, f, 10) for f in (3, 100)]
    configs += [(m, 30, 10) for m in (Cho, Srivastava, Stacked)]
    names = [
        "exact",
        "exact, NumPy kernel",
        "exact, autograd",
        "block k=8",
        "block k=32",
        "block k=128",
        "replay",
        "replay, frame",
        "HalfSpaceTrees",
    ]
    header = "| module | features | window | deep-river /s | step-by-step /s | "
    print(header + " | ".join(names) + " |")
    print("|---" * (5 + len(names)) + "|")
    for module_cls, n_features, window in configs:
        samples = args.samples
        r = bench(module_cls, n_features, window, samples, args.repeats)
        step = r.get("deep-river, step-by-step decoder /s")
        cells = [
            f"{r[n + ' /s']:,.0f}/s ({r[n]:.1f}×"
            + (f"; {r[n + ' vs step']:.1f}×)" if step else ")")
            for n in names
        ]
        print(
            f"| {module_cls.__name__} | {n_features} | {window} | {r['deep-river /s']:,.0f} | "
            + (f"{step:,.0f} | " if step else "– | ")
            + " | ".join(cells)
            + " |",
            flush=True,
        )
    for window in (10, 100):
        for old in (False, True):
            p50, p99 = latency(window, old=old)
            path = "NumPy kernel" if old else "compiled kernel"
            print(
                f"exact-mode latency, window {window}, {path}: p50 {p50:.2f} ms, p99 {p99:.2f} ms"
            )


FIRST_SAMPLE = """
import time
t0 = time.perf_counter()
import torch
torch.set_num_threads(1)
from streamad import RollingDetector
from streamad.modules import Sutskever
imported = time.perf_counter()
x = {f"f{j:03d}": 0.1 * j for j in range(30)}
det = RollingDetector(Sutskever, window_size=10, lr=0.005)
t = time.perf_counter()
det.score_one(x)
det.learn_one(x)
first = time.perf_counter() - t
t = time.perf_counter()
det.score_one(x)
det.learn_one(x)
second = time.perf_counter() - t
t, served = time.perf_counter(), 0
while det._kernel._coming is not None and time.perf_counter() - t < 120:
    det.score_one(x)  # served by the NumPy kernel while the compiled one is built
    det.learn_one(x)
    served += 1
print(imported - t0, first, second, time.perf_counter() - t, served)
"""


def _fresh(code: str, env: dict[str, str]) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return [float(v) for v in out.stdout.split()]


IMPORT = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"


def startup(repeats: int = 3) -> None:
    """Import times (``import streamad``, which imports its names on first use; ``from
    streamad import RollingDetector``, which loads torch, River and deep-river; numba, which
    streamad imports only when a first compiled kernel is built), and the first sample's
    latency (score_one then learn_one, 30 features, window 10, Sutskever), each in fresh
    processes: numba's cache cold (an empty NUMBA_CACHE_DIR) and warm (the same directory
    again), and on the NumPy kernel. Medians of ``repeats``."""
    base = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    base.pop("STREAMAD_KERNEL", None)
    for statement in ["import streamad", "from streamad import RollingDetector", "import numba"]:
        times = [_fresh(IMPORT.format(statement), base)[0] for _ in range(repeats)]
        print(
            f"{statement}: median {statistics.median(times):.2f} s "
            f"({', '.join(f'{v:.2f}' for v in times)})"
        )
    code = "import sys, streamad.detector; print(int('numba' in sys.modules))"
    print(f"numba imported by streamad.detector: {bool(_fresh(code, base)[0])}")
    variants = [
        ("default (compiled in the background when not cached)", {}),
        ("compiled in the foreground (STREAMAD_KERNEL=compiled)", {"STREAMAD_KERNEL": "compiled"}),
        ("NumPy kernel (STREAMAD_KERNEL=numpy)", {"STREAMAD_KERNEL": "numpy"}),
    ]
    for label, extra in variants:
        with tempfile.TemporaryDirectory() as cache:
            env = {**base, "NUMBA_CACHE_DIR": cache, **extra}
            cold = _fresh(FIRST_SAMPLE, env)
            warm_runs = [_fresh(FIRST_SAMPLE, env) for _ in range(repeats)]
        warm_first = statistics.median(r[1] for r in warm_runs)
        print(
            f"{label}: first sample {cold[1]:.2f} s with a cold cache, "
            f"{warm_first:.2f} s with a warm one (median of {repeats}); the next sample "
            f"{1e3 * statistics.median(r[2] for r in warm_runs):.2f} ms"
        )
        if cold[4]:
            print(f"  cold cache: {cold[4]:.0f} samples on the NumPy kernel, {cold[3]:.1f} s")


if __name__ == "__main__":
    main()
