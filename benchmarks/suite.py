"""The quality suite: every labelled set, tuning and held-out halves, the Monitor and its
references, in one command.

    python benchmarks/suite.py ../shared/data --jobs 2 --write

runs every (detector, group) cell not yet in ``--cache`` (default /tmp/streamad_suite; one
``.npz`` of scores, labels and alarms per cell, so metrics can be recomputed without running
again), then prints one table, and with ``--write`` puts it into ``benchmarks/RESULTS.md``
between the ``suite`` markers, with the command and the machine's load. ``--fresh`` empties
the cache first: the table then comes from one run. Groups and halves: ``_suite_data.py``;
detectors and Monitor variants: ``_suite_detectors.py``; metrics: ``_suite_metrics.py``.
Exact mode, one torch thread per process, score then learn, one sample at a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _suite_data import GROUPS
from _suite_detectors import make
from _suite_metrics import group_row

DETECTORS = ("monitor", "plain", "hst", "deep-river")
RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- suite:begin -->", "<!-- suite:end -->"


def run_series(runner_of, series) -> dict:
    """Warm the detector on the series' train rows, then score and learn each test row."""
    from streamad.calibrate import Likelihood

    test = list(series.test())
    runner = runner_of(series, len(test[0][0]))
    runner.warm(series.warm_rows())
    likelihood = Likelihood() if series.group == "nab" else None
    scores, alarms, calibrated = np.empty(len(test)), np.zeros(len(test), np.int8), []
    extra: dict[str, list] = {}
    wall = 0.0
    for i, (x, _) in enumerate(test):
        start = time.perf_counter()
        scores[i], alarms[i] = runner.step(x)
        wall += time.perf_counter() - start
        if hasattr(runner, "extra"):
            for key, value in runner.extra().items():
                extra.setdefault(key, []).append(value)
        if likelihood is not None:
            calibrated.append(likelihood.calibrate(scores[i], x) or 0.0)
            likelihood.learn(scores[i], x)
    out = {"scores": scores, "labels": np.array([int(y) for _, y in test], np.int8)}
    out.update(alarms=alarms, wall=np.array(wall), thresholded=np.array(runner.alarms))
    if likelihood is not None:
        out["calibrated"] = np.array(calibrated)
    out.update({f"extra_{key}": np.array(values) for key, values in extra.items()})
    return out


def run_cell(root: Path, detector: str, group: str, cache: Path) -> str:
    import torch

    torch.set_num_threads(1)
    runner_of = make(detector)
    arrays = {}
    for i, series in enumerate(GROUPS[group](root)):
        for key, value in run_series(runner_of, series).items():
            arrays[f"{i}/{key}"] = value
    path = cache / f"{detector}--{group}.npz"
    np.savez_compressed(path.with_suffix(".tmp.npz"), **arrays)
    os.replace(path.with_suffix(".tmp.npz"), path)
    return f"{detector} {group}: done"


def load_cell(root: Path, detector: str, group: str, cache: Path) -> dict | None:
    path = cache / f"{detector}--{group}.npz"
    if not path.exists():
        return None
    series = GROUPS[group](root)
    with np.load(path) as data:
        runs = [
            {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith(f"{i}/")}
            for i in range(len(series))
        ]
    wall = float(sum(run["wall"] for run in runs))
    return group_row(series, runs, wall)


def _f(value: float, digits: int = 3) -> str:
    return (
        "–"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.{digits}f}")
    )


def table(rows: dict[tuple[str, str], dict], groups: list[str], detectors: list[str]) -> str:
    head = (
        "| group | detector | ROC-AUC tune / held-out | PR-AUC tune / held-out | event recall "
        "| event precision | false alarms / 1,000 (worst stream) | delay | samples/s |"
    )
    lines = [head, "|" + "---|" * 9]
    for group in groups:
        for detector in detectors:
            r = rows.get((group, detector))
            if r is None:
                continue
            roc = f"{_f(r['roc_tune'])} / **{_f(r['roc_held-out'])}**"
            pr = f"{_f(r['pr_tune'])} / {_f(r['pr_held-out'])}"
            if "nab_tune" in r:
                roc += f" (NAB {_f(r['nab_tune'], 1)} / {_f(r['nab_held-out'], 1)})"
            worst = _f(r.get("fa_per_1000_worst", math.nan), 2)
            fa = f"{_f(r.get('fa_per_1000', math.nan), 2)} ({worst})"
            lines.append(
                f"| {group} | {detector} | {roc} | {pr} | {_f(r.get('event_recall', math.nan), 2)} "
                f"| {_f(r.get('event_precision', math.nan), 2)} | {fa} "
                f"| {_f(r.get('delay', math.nan), 1)} | {r['samples_per_s']:,.0f} |"
            )
    return "\n".join(lines)


def ablation(rows: dict[tuple[str, str], dict], groups: list[str], detectors: list[str]) -> str:
    """Held-out ROC-AUC of each Monitor set-up minus the plain chain's, per group; a part may
    stay on by default only where no held-out half loses more than 0.005."""
    heads = " | ".join(groups)
    lines = [f"| Monitor set-up | {heads} | worst |", "|" + "---|" * (len(groups) + 2)]
    for detector in [d for d in detectors if d.startswith("monitor")]:
        cells, worst = [], math.inf
        for group in groups:
            mine, plain = rows.get((group, detector)), rows.get((group, "plain"))
            if mine is None or plain is None or math.isnan(mine["roc_held-out"]):
                cells.append("–")
                continue
            delta = mine["roc_held-out"] - plain["roc_held-out"]
            worst = min(worst, delta)
            cells.append(f"{delta:+.3f}")
        shown = "–" if worst == math.inf else f"{worst:+.3f}"
        lines.append(f"| {detector} | {' | '.join(cells)} | {shown} |")
    return "\n".join(lines)


def write(text: str, command: str) -> None:
    load = os.getloadavg()
    block = (
        f"{BEGIN}\nCommand: `{command}` (load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, {time.strftime('%Y-%m-%d %H:%M')}).\n\n"
        f"{text}\n{END}"
    )
    old = RESULTS.read_text()
    if BEGIN in old:
        head, _, rest = old.partition(BEGIN)
        old = head + block + rest.partition(END)[2]
    else:
        old = old.replace("\n## ", f"\n## The quality suite\n\n{block}\n\n## ", 1)
    RESULTS.write_text(old)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--groups", nargs="*", default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument("--detectors", nargs="*", default=list(DETECTORS))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/streamad_suite"))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="empty the cache first")
    parser.add_argument("--write", action="store_true", help="put the table into RESULTS.md")
    args = parser.parse_args()
    root = args.data.resolve()
    if args.fresh and args.cache.exists():
        shutil.rmtree(args.cache)
    args.cache.mkdir(parents=True, exist_ok=True)
    for name in args.detectors:
        make(name)  # unknown names fail before anything runs
    todo = [
        (d, g)
        for g in args.groups
        for d in args.detectors
        if not (args.cache / f"{d}--{g}.npz").exists()
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(run_cell, root, d, g, args.cache) for d, g in todo]
        for job in jobs:
            print(job.result(), flush=True)
    rows = {}
    for g in args.groups:
        for d in args.detectors:
            row = load_cell(root, d, g, args.cache)
            if row is not None:
                rows[(g, d)] = row
                print(json.dumps({"group": g, "detector": d, **row}), flush=True)
    text = table(rows, args.groups, args.detectors)
    if "plain" in args.detectors:
        text += "\n\nHeld-out ROC-AUC minus the plain chain's:\n\n"
        text += ablation(rows, args.groups, args.detectors)
    print(text)
    if args.write:
        write(text, "python benchmarks/" + " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))


if __name__ == "__main__":
    main()
