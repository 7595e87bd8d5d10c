"""Quality of streamad's detectors and River / deep-river baselines on real labelled streams.

    python benchmarks/bench_quality.py ../shared/data

runs every (data set, detector) cell not yet in the cache (``--cache``, default
``/tmp/quality``), one JSON file a cell, then prints every table from the cache. Restrict a run
with ``--datasets nab creditcard http smtp smd-1-6 ...`` (``smd`` means the four machines) and
``--detectors stacked:k=1 hst ...`` (specs: see ``_quality_detectors``); ``--max-samples N``
caps every stream (each NAB file) and is part of the cell's key; ``--force`` re-runs cached
cells; ``--list`` prints the cells without running them; ``--cached`` prints the tables from
the cache without running anything.

Every detector runs through ``streamad.prequential`` (score, metrics, then learn; block mode for
``k > 1``). NAB: each of the 58 files with a fresh model, the raw scores normalised online into
[0, 1] (``_quality_nab``), then NAB's threshold sweep per detector and profile. CreditCard,
HTTP, SMTP: RollingROCAUC(5000) at the end, ROC-AUC, PR-AUC. SMD (test split, no training on
the train split): ROC-AUC, PR-AUC, best F1, best point-adjusted F1 and, for exact-mode
streamad, the attribution HitRate@100%/150%. Detectors that learn one sample at a time through
an LSTM (exact mode, deep-river) are capped at 20,000 rows on CreditCard and skip HTTP (its
first attack is on row 201,669) unless ``--max-samples`` is given.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
from _quality_detectors import DEFAULT, MODULES, Spec, parse
from _quality_nab import NORMALISATIONS, nab_metrics
from _quality_runs import DATASETS, MACHINES, default_cap, run_cell, runnable
from _quality_tables import print_tables

from streamad.datasets import nab_corpus

DEFAULT_DETECTORS = [
    *(f"{name}:k=32" for name in MODULES),
    "srivastava:k=1",
    "deep-river",
    "hst",
    "gaussian",
    "ocsvm",
]


def cell_path(cache: Path, dataset: str, spec: Spec, cap: int | None) -> Path:
    suffix = f"@{cap}" if cap else ""
    return cache / dataset / f"{spec.key}{suffix}.json".replace("/", "_")


def run_missing(args: argparse.Namespace, cells: list[tuple[str, Spec, int | None]]) -> None:
    for dataset, spec, cap in cells:
        path = cell_path(args.cache, dataset, spec, cap)
        if path.is_file() and not args.force:
            continue
        print(f"running {dataset} {spec.key} (max {cap})", flush=True)
        metrics, raw = run_cell(args.data, dataset, spec, cap)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"dataset": dataset, "spec": spec.key, "max_samples": cap, **metrics}
        path.write_text(json.dumps(record, indent=1, default=_json_default))
        if raw is not None:
            np.savez_compressed(path.with_suffix(".npz"), **_npz_names(raw))
        print(f"  done in {metrics['wall_s']:.0f} s ({metrics['throughput']:,.0f}/s)", flush=True)


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {value!r}")


def _npz_names(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name.replace("/", "__"): scores for name, scores in raw.items()}


def refresh_nab(path: Path, record: dict, data: Path) -> dict:
    """Re-score a NAB cell from its raw scores when the normalisations have changed."""
    raw_path = path.with_suffix(".npz")
    if set(record["nab"]) == set(NORMALISATIONS) or not raw_path.is_file():
        return record
    with np.load(raw_path) as raw:
        scores = {name.replace("__", "/"): raw[name] for name in raw.files}
    record.update(nab_metrics(nab_corpus(data / "nab"), scores))
    path.write_text(json.dumps(record, indent=1, default=_json_default))
    return record


def load_cache(cache: Path, data: Path) -> list[dict]:
    records = []
    for path in sorted(cache.glob("*/*.json")):
        record = json.loads(path.read_text())
        if "nab" in record:
            record = refresh_nab(path, record, data)
        records.append({k: v if k == "max_samples" else _nan(v) for k, v in record.items()})
    return records


def _nan(value: object) -> object:
    return math.nan if value is None else value


def expand(datasets: list[str]) -> list[str]:
    out: list[str] = []
    for name in datasets:
        out += [f"smd-{m.removeprefix('machine-')}" for m in MACHINES] if name == "smd" else [name]
    unknown = sorted(set(out) - set(DATASETS))
    if unknown:
        raise SystemExit(f"unknown data sets {unknown}; known: {list(DATASETS)} and 'smd'")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="?", default=Path("../shared/data"))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--detectors", nargs="+", default=DEFAULT_DETECTORS)
    parser.add_argument("--max-samples", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/quality"))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--list", action="store_true", help="list the cells, run nothing")
    parser.add_argument("--cached", action="store_true", help="print the cache, run nothing")
    args = parser.parse_args()
    torch.set_num_threads(1)
    specs = [parse(text) for text in args.detectors]
    cells = [
        (dataset, spec, args.max_samples or default_cap(dataset, spec))
        for dataset in expand(args.datasets)
        for spec in specs
        if runnable(dataset, spec, capped=args.max_samples is not None)
    ]
    if args.list:
        for dataset, spec, cap in cells:
            print(dataset, spec.key, cap or "")
        return
    if not args.cached:
        run_missing(args, cells)
    defaults = {parse(text).key for text in DEFAULT_DETECTORS}

    def keep(record: dict) -> bool:
        spec = parse(record["spec"])
        return spec.key in defaults and record["max_samples"] == default_cap(
            record["dataset"], spec
        )

    print_tables(load_cache(args.cache, args.data), args.data, keep, parse(DEFAULT).key)


if __name__ == "__main__":
    main()
