"""Run one (data set, detector) cell of the quality benchmark through ``streamad.prequential``.

Every cell returns a dict of metrics (JSON-ready) and its wall time; NAB cells also return each
file's raw scores, kept beside the cache so that the NAB normalisation can be re-examined.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from _quality_detectors import Attributing, Spec, applies, build
from _quality_nab import nab_metrics

from streamad import prequential
from streamad.datasets import HTTP, SMD, SMTP, CreditCard, interpretation, nab_corpus
from streamad.metrics import segments
from streamad.thresholds import top_k_hit_rate

MACHINES = ("machine-1-6", "machine-1-7", "machine-2-1", "machine-2-2")
STREAMS = {
    "creditcard": lambda root: CreditCard(root / "creditcard" / "creditcard.csv.gz"),
    "http": lambda root: HTTP(root / "river_http" / "kdd99_http.csv.gz"),
    "smtp": lambda root: SMTP(root / "river_smtp" / "smtp.csv.gz"),
}
DATASETS = ("nab", *STREAMS, *(f"smd-{m.removeprefix('machine-')}" for m in MACHINES))
N_FEATURES = {"nab": 1, "creditcard": 30, "http": 3, "smtp": 3, "smd": 38}
#: Default caps for detectors that learn one sample at a time through an LSTM (``Spec.slow``).
SLOW_CAPS = {"creditcard": 20_000}
#: Streams such detectors skip by default: HTTP's first attack is on row 201,669, so no prefix
#: short enough for them holds one.
SLOW_SKIPS = {"http"}


def n_features(dataset: str) -> int:
    return N_FEATURES[dataset.split("-")[0]]


def default_cap(dataset: str, spec: Spec) -> int | None:
    return SLOW_CAPS.get(dataset) if spec.slow else None


def runnable(dataset: str, spec: Spec, capped: bool = False) -> bool:
    """Whether the cell is run: ``capped`` (an explicit ``--max-samples``) runs skipped ones."""
    skipped = spec.slow and dataset in SLOW_SKIPS and not capped
    return applies(spec, n_features(dataset)) and not skipped


def _label_metrics(report: Any) -> dict[str, Any]:
    m = report.metrics
    keys = ("rolling_roc_auc", "roc_auc", "pr_auc", "best_f1")
    out = {k: float(m[k]) for k in keys if k in m}
    out["n_samples"] = report.n_samples
    out["n_anomalies"] = int(report.labels.sum()) if report.labels is not None else 0
    return out


def run_stream(root: Path, dataset: str, spec: Spec, max_samples: int | None) -> dict:
    source = STREAMS[dataset](root)
    model = build(spec, n_features(dataset))
    report = prequential(
        source, model, block_size=spec.block_size, max_samples=max_samples, progress=False
    )
    return {**_label_metrics(report), "full_size": source.n_samples}


def best_point_adjusted_f1(labels: np.ndarray, scores: np.ndarray) -> float:
    """Best F1 over thresholds after point adjustment: an event counts as found, all its points
    true positives, when any of its points scores at least the threshold. The best threshold
    is always one event's highest score, so only those are tried."""
    events = segments(labels)
    if not events:
        return float("nan")
    peaks = np.array([scores[a:b].max() for a, b in events])
    lengths = np.array([b - a for a, b in events])
    normal = np.sort(scores[labels == 0])
    best = 0.0
    for t in np.unique(peaks):
        tp = lengths[peaks >= t].sum()
        fp = len(normal) - np.searchsorted(normal, t, side="left")
        fn = lengths.sum() - tp
        best = max(best, 2 * tp / (2 * tp + fp + fn))
    return float(best)


def run_smd(root: Path, dataset: str, spec: Spec, max_samples: int | None) -> dict:
    machine = "machine-" + dataset.removeprefix("smd-")
    truth: dict[int, set[str]] = {}
    for start, end, features in interpretation(root / "smd", machine):
        for row in range(start, end):
            truth[row] = set(features)
    source = SMD(root / "smd", machine)
    model = build(spec, n_features(dataset), attribution_rows=truth)
    report = prequential(
        source, model, block_size=spec.block_size, max_samples=max_samples, progress=False
    )
    out = {**_label_metrics(report), "full_size": source.n_samples}
    out["pa_f1"] = best_point_adjusted_f1(report.labels, report.scores)
    steps = model.steps.values() if hasattr(model, "steps") else [model]
    detector = next((step for step in steps if isinstance(step, Attributing)), None)
    if detector is not None:
        rows = sorted(detector.rankings)
        for p in (100, 150):
            out[f"hit_rate@{p}"] = top_k_hit_rate(
                [detector.rankings[r] for r in rows], [truth[r] for r in rows], p=p
            )
    return out


def run_nab(root: Path, spec: Spec, max_samples: int | None) -> tuple[dict, dict]:
    """Each of the 58 series with a fresh model; NAB metrics of the normalised scores."""
    corpus = nab_corpus(root / "nab")
    scores: dict[str, np.ndarray] = {}
    n = 0
    for series in corpus:
        report = prequential(
            series,
            build(spec, 1),
            block_size=spec.block_size,
            max_samples=max_samples,
            progress=False,
        )
        scores[series.name] = report.scores
        n += report.n_samples
    return {**nab_metrics(corpus, scores), "n_samples": n, "full_size": 365_558}, scores


def run_cell(root: Path, dataset: str, spec: Spec, max_samples: int | None) -> tuple[dict, Any]:
    """The metrics of one cell (with its wall time and throughput) and NAB's raw scores."""
    start = time.perf_counter()
    raw = None
    if dataset == "nab":
        metrics, raw = run_nab(root, spec, max_samples)
    elif dataset.startswith("smd-"):
        metrics = run_smd(root, dataset, spec, max_samples)
    else:
        metrics = run_stream(root, dataset, spec, max_samples)
    wall = time.perf_counter() - start
    metrics.update(wall_s=wall, throughput=metrics["n_samples"] / wall)
    return metrics, raw
