"""Throughput of one detector per key: KeyedDetector in one process, and over 1 and 2 Ray shards.

    python benchmarks/bench_keyed.py [--keys 1000] [--events-per-key 5] [--repeats 3] [--no-ray]

For each set-up a stream of ``keys x events-per-key`` samples (keys round-robin) is run once to
create the detectors, then ``repeats`` more times, the set-ups taking turns; the table gives the
median events/s of those timed passes (steady state: every key's detector exists). torch runs
one thread per process (the driver and each Ray actor), so Ray's shards are the only
parallelism. Rows cover ``RollingDetector(Sutskever)`` (hidden_size=30,
window_size=10) and a trivial one (a running mean), which shows the routing and
transport overhead alone. For the RollingDetector, "one process, NumPy kernel" runs the path
before the compiled kernel (``STREAMAD_KERNEL=numpy`` while its detectors are built) in the same
run, in turns with the others. It also measures the bytes per default detector: its saved
state, and the process memory (RSS) of 2,000 live ones.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time

import torch
from river import anomaly

from streamad import RollingDetector
from streamad.distributed import state_nbytes
from streamad.keyed import KeyedDetector
from streamad.modules import Sutskever


class RunningMean(anomaly.base.AnomalyDetector):
    """A trivial detector: the squared distance to the running mean of each feature."""

    def __init__(self) -> None:
        self.n = 0
        self.means: dict[str, float] = {}

    def score_one(self, x: dict) -> float:
        return sum((v - self.means.get(k, 0.0)) ** 2 for k, v in x.items())

    def learn_one(self, x: dict) -> None:
        self.n += 1
        for k, v in x.items():
            self.means[k] = self.means.get(k, 0.0) + (v - self.means.get(k, 0.0)) / self.n


def make_stream(n_keys: int, per_key: int) -> list[dict]:
    return [
        {"key": f"device-{i % n_keys}", "value": float((i * 7919) % 101) / 100}
        for i in range(n_keys * per_key)
    ]


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def bytes_per_detector(n: int = 2000) -> tuple[int, float]:
    """Saved-state bytes of one default detector, and RSS growth per live one (n live)."""
    one = RollingDetector(Sutskever)
    one.learn_one({"value": 0.5})
    model = KeyedDetector(RollingDetector(Sutskever), max_keys=None)
    model.learn_one({"key": -1, "value": 0.5})  # torch's first-use allocations, not counted
    gc.collect()
    before = rss_bytes()
    for key in range(n):
        model.learn_one({"key": key, "value": 0.5})
    gc.collect()
    return state_nbytes(one), (rss_bytes() - before) / n


class InProcess:
    """The stream through one KeyedDetector in this process; ``backend`` (a STREAMAD_KERNEL
    value) is in force while it runs, so its detectors' kernels are built on that backend."""

    def __init__(self, template, backend: str = "compiled") -> None:
        self.model = KeyedDetector(template, max_keys=None)
        self.backend = backend

    def run_pass(self, stream: list[dict]) -> None:
        before = os.environ.get("STREAMAD_KERNEL")
        os.environ["STREAMAD_KERNEL"] = self.backend
        try:
            for x in stream:
                self.model.score_one(x)
                self.model.learn_one(x)
        finally:
            if before is None:
                del os.environ["STREAMAD_KERNEL"]
            else:
                os.environ["STREAMAD_KERNEL"] = before

    def close(self) -> None:
        pass


class OnRay:
    """The stream through a RayKeyedDetector with ``n_shards`` actors (started once)."""

    def __init__(self, template, n_shards: int, batch_size: int) -> None:
        from streamad.ray import RayKeyedDetector

        model = KeyedDetector(template, max_keys=None)
        self.sharded = RayKeyedDetector(model, n_shards=n_shards, batch_size=batch_size)
        self.sharded.start()

    def run_pass(self, stream: list[dict]) -> None:
        for _ in self.sharded.run(stream):
            pass

    def close(self) -> None:
        self.sharded.shutdown()


def compare(
    setups: dict[str, InProcess | OnRay], stream: list[dict], repeats: int
) -> dict[str, float]:
    """Median events/s of each set-up over ``repeats`` passes, after one untimed pass that
    creates the keys; the set-ups take turns in each round, so a change of load on the machine
    falls on all of them."""
    for setup in setups.values():
        setup.run_pass(stream)
    rates: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(repeats):
        for name, setup in setups.items():
            start = time.perf_counter()
            setup.run_pass(stream)
            rates[name].append(len(stream) / (time.perf_counter() - start))
    for setup in setups.values():
        setup.close()
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--events-per-key", type=int, default=5)
    parser.add_argument(
        "--trivial-events-per-key",
        type=int,
        default=100,
        help="a longer stream for the trivial detector, whose passes are short",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--no-ray", action="store_true", help="only the one-process rows")
    args = parser.parse_args()
    torch.set_num_threads(1)

    state, live = bytes_per_detector()
    print(f"default detector, one feature: saved state {state:,} B; live {live:,.0f} B of RSS")

    detectors = {
        "RollingDetector(Sutskever)": (RollingDetector(Sutskever), args.events_per_key),
        "RunningMean (trivial)": (RunningMean(), args.trivial_events_per_key),
    }
    rows = []
    if not args.no_ray:
        import ray

        # 3 logical CPUs: the 1- and 2-shard set-ups live side by side (they run in turns)
        ray.init(
            num_cpus=3,
            include_dashboard=False,
            object_store_memory=200 * 2**20,
            log_to_driver=False,
        )
    for name, (template, per_key) in detectors.items():
        setups: dict[str, InProcess | OnRay] = {"one process": InProcess(template)}
        if isinstance(template, RollingDetector):
            setups["one process, NumPy kernel"] = InProcess(template, backend="numpy")
        for n_shards in [] if args.no_ray else [1, 2]:
            label = f"Ray, {n_shards} shard{'s' * (n_shards > 1)}"
            setups[label] = OnRay(template, n_shards, args.batch_size)
        rates = compare(setups, make_stream(args.keys, per_key), args.repeats)
        rows += [(f"{name}, {per_key}/key", label, rate) for label, rate in rates.items()]

    print(
        f"\n{args.keys:,} keys, batch {args.batch_size}, median of {args.repeats} passes, "
        "torch 1 thread per process"
    )
    print(f"{'detector, events per key':<34}{'set-up':<28}{'events/s':>12}")
    for name, setup, rate in rows:
        print(f"{name:<34}{setup:<28}{rate:>12,.0f}")


if __name__ == "__main__":
    main()
