"""Which samples of a run were scored while streamad's compiled kernel was being built.

Until the compiled kernel is ready (:mod:`streamad._kernels.warm`), the NumPy kernel serves,
beside a compile that takes a core: those samples' latencies and throughput say nothing of the
run's steady speed (on two cores, a tenth of it). The timings of a report cover the samples after
the last one scored while compiling, or, when every sample was, all of them, marked so
(``Report.compiling``).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["Watch", "compiling", "timings"]


def compiling() -> bool:
    """True while streamad's kernel compiles for this process (read without importing the
    kernel: a process that built none has none compiling)."""
    warm = sys.modules.get("streamad._kernels.warm")
    return warm is not None and bool(warm.pending())


class Watch:
    """The samples of a run scored while the kernel compiled: ``samples``, the count up to the
    last of them, and ``after_ns``, when the first sample after it was taken."""

    def __init__(self) -> None:
        self.samples = 0
        self.after_ns: int | None = None

    def items(self, items: Iterable[Any]) -> Iterator[Any]:
        """``items``, noting for each whether the kernel is compiling as it is taken."""
        for i, item in enumerate(items):
            if compiling():
                self.samples, self.after_ns = i + 1, None
            elif self.samples and self.after_ns is None:
                self.after_ns = time.perf_counter_ns()
            yield item


def timings(
    latencies_ns: Sequence[int], n: int, wall_s: float, watch: Watch, end_ns: int
) -> dict[str, float]:
    """``wall_s``, ``throughput`` and the latency percentiles of a run of ``n`` samples (the
    last ``len(latencies_ns)`` of them timed), over the samples after those ``watch`` saw
    scored while compiling, when there are any (else over all of them).

    Examples
    --------
    >>> from streamad.evaluate._compiling import Watch, timings
    >>> watch = Watch()
    >>> watch.samples, watch.after_ns = 2, 1_000_000_000  # two samples while compiling
    >>> t = timings([9_000_000, 8_000_000, 1_000_000, 1_000_000], 4, 3.0, watch, 2_000_000_000)
    >>> t["throughput"], t["latency_p99_ms"]
    (2.0, 1.0)
    """
    first = watch.samples if watch.after_ns is not None else 0
    timed = list(latencies_ns)[max(0, first - (n - len(latencies_ns))) :]
    span_s = wall_s if not first else (end_ns - watch.after_ns) / 1e9  # type: ignore[operator]
    result = {"wall_s": wall_s, "throughput": (n - first) / span_s if span_s > 0 else math.nan}
    if timed:
        p50, p99 = np.percentile(np.array(timed), [50, 99]) / 1e6
        result.update(latency_p50_ms=float(p50), latency_p99_ms=float(p99))
    return result
