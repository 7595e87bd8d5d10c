"""Speed of streamad's exact, block and replay modes against deep-river and River, in one process.

    python benchmarks/bench_speed.py [--repeats 3] [--samples 400]

Every configuration runs the seed's score-then-learn loop (30 features, hidden 30, SGD lr 0.005,
the Sutskever module unless stated) on the same generated stream, interleaved with the references
in each repeat, on one torch thread. Reported: median samples/s over the repeats and the ratio to
deep-river's ``RollingAutoencoder`` measured in the same repeat. deep-river is given the same module
as streamad (so it shares the fused Sutskever decoder); for Sutskever it is also run with the
published example's step-by-step decoder (``Sutskever(fused=False)``, same weights), the baseline
of the seed's loop; a cell reads "rate (× deep-river given the same module; × step-by-step)".
"exact" is streamad's default path (the NumPy kernel for its own modules), "exact, autograd" the
same detector through torch autograd, as a module without a kernel runs.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import numpy as np
import torch
from deep_river.anomaly import RollingAutoencoder
from river import anomaly

from streamad import RollingDetector
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
    """A warmed detector on the torch autograd path (the NumPy kernel switched off)."""
    warm(det, prefix)
    det._kernel = False
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
        rates["replay"] = replay_rate(det, make_stream(20_000, n_features, seed=1))
        rates["HalfSpaceTrees"] = hst_rate(xs)
        step = rates.get("deep-river, step-by-step decoder")
        for name, rate in rates.items():
            results.setdefault(name, []).append(rate / rates["deep-river"])
            results.setdefault(name + " /s", []).append(rate)
            if step:
                results.setdefault(name + " vs step", []).append(rate / step)
    return {name: statistics.median(v) for name, v in results.items()}


def latency(window: int, n: int = 600) -> tuple[float, float]:
    xs = make_stream(n, 30)
    det = RollingDetector(Sutskever, window_size=window, lr=LR)
    det = warm(det, make_stream(window, 30, seed=2))
    times = []
    for x in xs:
        t = time.perf_counter_ns()
        det.score_one(x)
        det.learn_one(x)
        times.append(time.perf_counter_ns() - t)
    times_ms = np.array(times) / 1e6
    return float(np.percentile(times_ms, 50)), float(np.percentile(times_ms, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(1)
    configs = [(Sutskever, 30, w) for w in (10, 50, 100)]
    configs += [(Sutskever, f, 10) for f in (3, 100)]
    configs += [(m, 30, 10) for m in (Cho, Srivastava, Stacked)]
    names = [
        "exact",
        "exact, autograd",
        "block k=8",
        "block k=32",
        "block k=128",
        "replay",
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
        p50, p99 = latency(window)
        print(f"exact-mode latency, window {window}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
