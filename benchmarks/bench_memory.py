"""Memory of exact mode over a long run: resident memory after 100k samples and after 1M.

    python benchmarks/bench_memory.py [--samples 1000000] [--features 3] [--window 10]

The whole loop a user runs (``StandardScaler() | RollingDetector(Sutskever, lr=0.005)``, the
seed's detector, score then learn) on a generated stream, one torch thread. Prints the
process's resident memory (from /proc/self/statm) every 100k samples and the ratio of the last
to the 100k figure; the detector keeps only its window and weights, so the ratio should stay
within 1.05.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import torch
from river import preprocessing

from streamad import RollingDetector
from streamad.modules import Sutskever


def resident_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def sample(i: int, n_features: int) -> dict[str, float]:
    return {
        f"f{j}": math.sin(i / (7.0 + j)) + 0.01 * ((i * 7919 + j) % 13) for j in range(n_features)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=3)
    parser.add_argument("--window", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    detector = RollingDetector(Sutskever, window_size=args.window, lr=0.005)
    model = preprocessing.StandardScaler() | detector
    marks: dict[int, float] = {}
    start = time.perf_counter()
    for i in range(1, args.samples + 1):
        x = sample(i, args.features)
        model.score_one(x)
        model.learn_one(x)
        if i % 100_000 == 0:
            marks[i] = resident_mb()
            rate = i / (time.perf_counter() - start)
            print(
                f"{i:>9,} samples: {marks[i]:7.1f} MB resident, {rate:,.0f} samples/s", flush=True
            )
    first, last = marks[min(marks)], marks[max(marks)]
    print(f"resident memory after {max(marks):,} / after {min(marks):,}: {last / first:.3f}")


if __name__ == "__main__":
    main()
