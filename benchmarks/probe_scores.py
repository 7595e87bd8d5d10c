"""Fusions of the two error terms and alarm rules, tried offline on the suite's cached runs.

    python benchmarks/probe_scores.py ../shared/data --cache /tmp/streamad_suite \
        --detector monitor:probe

A probe Monitor (``_suite_detectors.VARIANTS["probe"]``) protects nothing, so its scores do
not change what it learns: every fusion of its window error and its newest step's error, and
every alarm rule on a score, can be computed from the cached arrays without running the
detector again. Prints ROC-AUC per group and half for each fusion, and the alarm figures of
each rule (the probe's value-rule alarms added to the rule's).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _suite_data import GROUPS
from _suite_metrics import alarm_quality, ranking, units

MIN_HISTORY = 30  # scores learned before a rule may alarm


def _running_mean_before(v: np.ndarray) -> np.ndarray:
    """The mean of the values before each one (1 before any)."""
    sums = np.concatenate([[0.0], np.cumsum(v)[:-1]])
    n = np.arange(len(v))
    return np.where(n > 0, sums / np.maximum(n, 1), 1.0)


def ratio(window: np.ndarray, newest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = window / np.maximum(_running_mean_before(window), 1e-12)
    n = newest / np.maximum(_running_mean_before(newest), 1e-12)
    return w, n


def frozen_ratio(window: np.ndarray, newest: np.ndarray, n: int = 1000) -> tuple[np.ndarray, ...]:
    """Each term over its mean of the first ``n`` values, then fixed (running until then)."""
    out = []
    for v in (window, newest):
        mean = _running_mean_before(v)
        if len(v) > n:
            mean[n:] = mean[n]
        out.append(v / np.maximum(mean, 1e-12))
    return tuple(out)


def _weighted_max(window: np.ndarray, newest: np.ndarray, weight: float) -> np.ndarray:
    """The larger of the window's ratio and ``weight`` times the newest step's ratio."""
    w, n = frozen_ratio(window, newest)
    return np.maximum(w, weight * n)


def _excess(window: np.ndarray, newest: np.ndarray, c: float) -> np.ndarray:
    """The window's ratio, plus the newest step's ratio where it exceeds ``c``."""
    w, n = frozen_ratio(window, newest)
    return w + np.maximum(n - c, 0.0)


FUSIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "window-ratio": lambda w, n: ratio(w, n)[0],
    "max-frozen-n/2": lambda w, n: _weighted_max(w, n, 0.5),
    "max-frozen-n/4": lambda w, n: _weighted_max(w, n, 0.25),
    "max-frozen-n/8": lambda w, n: _weighted_max(w, n, 0.125),
    "window-frozen": lambda w, n: frozen_ratio(w, n)[0],
    "excess5": lambda w, n: _excess(w, n, 5.0),
    "excess10": lambda w, n: _excess(w, n, 10.0),
    "excess20": lambda w, n: _excess(w, n, 20.0),
    "max-frozen": lambda w, n: np.maximum(*frozen_ratio(w, n)),
    "sum-frozen": lambda w, n: np.add(*frozen_ratio(w, n)),
    "window": lambda w, n: w,
    "newest": lambda w, n: n,
    "max": lambda w, n: np.maximum(*ratio(w, n)),
    "sum": lambda w, n: np.add(*ratio(w, n)),
    "window+newest/4": lambda w, n: ratio(w, n)[0] + ratio(w, n)[1] / 4,
    "geo": lambda w, n: np.sqrt(np.multiply(*ratio(w, n))),
}


def rank_rule(
    scores: np.ndarray,
    rate: float,
    window: int,
    forget_after: int | None,
    margin: float = 0.0,
    k_min: int = 1,
    skip_ongoing: bool = False,
    accept_after: int = 50,
) -> np.ndarray:
    """Alarm when a score is above all but ``rate * window`` of the last ``window`` scores
    (above all of them while fewer); every score is learned, alarms included."""
    recent: collections.deque[float] = collections.deque()
    ordered: list[float] = []
    alarms = np.zeros(len(scores), bool)
    k = max(1, round(rate * window))
    run = 0
    for i, s in enumerate(scores):
        if len(ordered) >= MIN_HISTORY:
            kk = min(max(k, k_min), max(k_min, round(rate * len(ordered))), len(ordered))
            young = max(0.0, 1.0 - len(ordered) * rate)  # 1 at the start, 0 from 1 / rate on
            alarms[i] = s > ordered[-kk] * (1 + margin * young)
        run = run + 1 if alarms[i] else 0
        if skip_ongoing and 1 < run < accept_after:  # an alarm going on: one event, one score
            continue
        if forget_after and run == forget_after:  # accepted: the run's scores are forgotten
            for _ in range(run - 1):
                old = recent.pop()
                del ordered[bisect.bisect_left(ordered, old)]
            continue
        if len(recent) == window:
            old = recent.popleft()
            del ordered[bisect.bisect_left(ordered, old)]
        recent.append(s)
        bisect.insort(ordered, s)
    return alarms


def sigma_rule(scores: np.ndarray, k: float = 2.0) -> np.ndarray:
    mean = _running_mean_before(scores)
    sq = np.concatenate([[0.0], np.cumsum(scores**2)[:-1]])
    n = np.arange(len(scores))
    var = np.where(n > 1, sq / np.maximum(n, 1) - mean**2, np.inf)
    return (n >= MIN_HISTORY) & (scores > mean + k * np.sqrt(np.maximum(var, 0)))


def spot_rule(scores: np.ndarray, q: float = 1e-3, n_init: int = 1000) -> np.ndarray:
    from river import anomaly

    from streamad.thresholds import SPOTThreshold

    class Nothing(anomaly.base.AnomalyDetector):
        def learn_one(self, x):
            pass

        def score_one(self, x):
            return 0.0

    spot = SPOTThreshold(Nothing(), q=q, n_init=min(n_init, max(len(scores) // 2, 50)))
    alarms = np.zeros(len(scores), bool)
    for i, s in enumerate(scores):
        alarms[i] = bool(spot.classify(s))
        spot.update_threshold(s)
    return alarms


def crossing(alarms: np.ndarray) -> np.ndarray:
    """Only the first of each run of alarms: a score that stays above the threshold
    continues the alarm it raised."""
    return alarms & ~np.concatenate([[False], alarms[:-1]])


RULES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigma k=2": sigma_rule,
    "spot 1e-3": spot_rule,
    "rank 1e-3 w10k": lambda s: rank_rule(s, 1e-3, 10_000, None),
    "rank 1e-3 w10k forget50": lambda s: rank_rule(s, 1e-3, 10_000, 50),
    "rank 1e-3 w2k": lambda s: rank_rule(s, 1e-3, 2_000, None),
    "rank 1e-3 w10k crossing": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None)),
    "rank 1e-3 w2k crossing": lambda s: crossing(rank_rule(s, 1e-3, 2_000, None)),
    "spot 1e-3 crossing": lambda s: crossing(spot_rule(s)),
    "rank crossing kmin2": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 0.0, 2)),
    "rank crossing skip": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 0.0, 1, True)),
    "rank crossing kmin2 skip": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 0.0, 2, True)),
    "rank crossing kmin2 echo": lambda s: crossing(
        rank_rule(s, 1e-3, 10_000, None, 0.0, 2, True, accept_after=10)
    ),
    "rank crossing kmin3": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 0.0, 3)),
    "rank crossing margin0.5": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 0.5)),
    "rank crossing margin1": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 1.0)),
    "rank crossing margin3": lambda s: crossing(rank_rule(s, 1e-3, 10_000, None, 3.0)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/streamad_suite"))
    parser.add_argument("--detector", default="monitor:probe")
    parser.add_argument("--groups", nargs="*", default=list(GROUPS))
    parser.add_argument("--fusion", default="window", help="the score the rules judge")
    parser.add_argument("--rules", nargs="*", default=list(RULES))
    args = parser.parse_args()
    root = args.data.resolve()
    for group in args.groups:
        path = args.cache / f"{args.detector}--{group}.npz"
        if not path.exists():
            continue
        series = GROUPS[group](root)
        with np.load(path) as data:
            runs = [
                {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith(f"{i}/")}
                for i in range(len(series))
            ]
        for name, fuse in FUSIONS.items():
            fused = [{**r, "scores": fuse(r["scores"], r["extra_newest"])} for r in runs]
            tune, held = (ranking(p) for p in units(series, fused).values())
            print(
                f"{group:10s} {name:18s} ROC {tune[0]:.3f} / {held[0]:.3f}  "
                f"PR {tune[1]:.3f} / {held[1]:.3f}",
                flush=True,
            )
        rule_alarms = [r["alarms"] > 0 for r in runs]
        q = alarm_quality([{**r, "alarms": a} for r, a in zip(runs, rule_alarms, strict=True)])
        print(f"{group:10s} value rules alone: {_show(q)}")
        fuse = FUSIONS[args.fusion]
        for rule in args.rules:
            alarms = [
                RULES[rule](fuse(r["scores"], r["extra_newest"])) | a
                for r, a in zip(runs, rule_alarms, strict=True)
            ]
            q = alarm_quality([{**r, "alarms": a} for r, a in zip(runs, alarms, strict=True)])
            print(f"{group:10s} {args.fusion} + {rule:24s} {_show(q)}", flush=True)


def _show(q: dict) -> str:
    return ", ".join(
        f"{k} {v:.3g}" if isinstance(v, float) and not math.isnan(v) else f"{k} –"
        for k, v in q.items()
    )


if __name__ == "__main__":
    main()
