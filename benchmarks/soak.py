"""Soak: a default Monitor on a clean, stationary stream of a million samples.

    python benchmarks/soak.py --samples 1000000 --block 20000

30 features, ``sin(i / 10 + phase_f) + 0.05 * N(0, 1)``, no anomalies. Per block of
``--block`` samples: alarms (new ones, and samples whose score stays above the threshold),
the median and 99th percentile of the scores, the threshold at the end of the block, and the
process's resident memory. Nothing here is an anomaly, so every alarm is a false one; the
target is at most one per 1,000 samples in every block, with memory flat.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import torch

from streamad import Monitor


def stream(n: int, features: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * np.pi, features)
    names = [f"f{k}" for k in range(features)]
    for i in range(n):
        values = np.sin(i / 10 + phases) + 0.05 * rng.normal(size=features)
        yield dict(zip(names, values.tolist(), strict=True))


def rss_mb() -> float:
    """The process's resident memory now, in MB (from /proc; the peak where it is absent)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--block", type=int, default=20_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    monitor = Monitor()
    alarms = above = 0
    scores: list[float] = []
    start = time.perf_counter()
    for i, x in enumerate(stream(args.samples)):
        alarm = monitor.process_one(x)
        alarms += alarm.is_alarm
        above += alarm.is_alarm or alarm.ongoing
        scores.append(alarm.score)
        if (i + 1) % args.block == 0:
            row = {
                "samples": i + 1,
                "alarms": alarms,
                "above": above,
                "per_1000": round(1000 * alarms / args.block, 3),
                "median_score": round(float(np.median(scores)), 4),
                "p99_score": round(float(np.quantile(scores, 0.99)), 4),
                "threshold": monitor.threshold_value,
                "rss_mb": round(rss_mb(), 1),
                "elapsed_s": round(time.perf_counter() - start, 1),
            }
            print(json.dumps(row), flush=True)
            alarms = above = 0
            scores = []


if __name__ == "__main__":
    main()
