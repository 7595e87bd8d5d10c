"""The suite's metrics: from each series' scores, labels and alarms to one row per group, half
and detector.

Ranking: ROC-AUC and PR-AUC of each unit (a series, or a time half of a single stream), their
mean over the units of a half that hold both classes. Alarms, at the detector's own default
threshold, pooled over the group: event recall (events with an alarm inside), event precision
(alarm runs touching an event), false alarms per 1,000 normal samples (pooled, and the worst
stream), and the mean delay of found events in samples. NAB also gets its standard score, from
the library's ``Likelihood`` calibration of each detector's scores, per half with its own
threshold sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from _quality_nab import corpus_score, windows_of

from streamad.metrics import (
    detection_delays,
    event_precision,
    false_alarms_per_1000,
    pr_auc,
    roc_auc,
    segments,
)

HALVES = ("tune", "held-out")


def units(series: Sequence, runs: Sequence[dict]) -> dict[str, list[tuple]]:
    """(scores, labels) of each unit of each half."""
    out: dict[str, list[tuple]] = {half: [] for half in HALVES}
    for s, run in zip(series, runs, strict=True):
        scores, labels = run["scores"], run["labels"]
        if s.half is not None:
            out[s.half].append((scores, labels))
        else:
            cut = len(labels) // 2
            out["tune"].append((scores[:cut], labels[:cut]))
            out["held-out"].append((scores[cut:], labels[cut:]))
    return out


def ranking(pairs: list[tuple]) -> tuple[float, float]:
    rocs, prs = [], []
    for scores, labels in pairs:
        if 0 < labels.sum() < len(labels):
            clean = np.nan_to_num(scores, nan=0.0, posinf=1e300, neginf=-1e300)
            rocs.append(roc_auc(labels, clean))
            prs.append(pr_auc(labels, clean))
    return (float(np.mean(rocs)), float(np.mean(prs))) if rocs else (math.nan, math.nan)


def alarm_quality(runs: Sequence[dict]) -> dict[str, float]:
    """Pooled alarm figures of a group (nan where the detector raises no alarms at all)."""
    events = found = runs_all = runs_true = normal = false = 0
    delays: list[int] = []
    worst = 0.0
    for run in runs:
        labels, alarms = run["labels"], run["alarms"] > 0
        n_events = len(segments(labels))
        hits = [d for d in detection_delays(labels, alarms) if d is not None]
        events, found = events + n_events, found + len(hits)
        delays += hits
        n_runs = len(segments(alarms))
        runs_all += n_runs
        if n_runs:
            runs_true += round(event_precision(labels, alarms) * n_runs)
        n_normal = int((labels == 0).sum())
        normal += n_normal
        false += int((alarms & (labels == 0)).sum())
        if n_normal:
            worst = max(worst, false_alarms_per_1000(labels, alarms))
    return {
        "event_recall": found / events if events else math.nan,
        "event_precision": runs_true / runs_all if runs_all else math.nan,
        "fa_per_1000": 1000 * false / normal if normal else math.nan,
        "fa_per_1000_worst": worst,
        "delay": float(np.mean(delays)) if delays else math.nan,
        "alarms": runs_all,
    }


def nab_scores(series: Sequence, runs: Sequence[dict]) -> dict[str, float]:
    out = {}
    for half in HALVES:
        chosen = [(s, r) for s, r in zip(series, runs, strict=True) if s.half == half]
        values = [r["calibrated"] for _, r in chosen]
        windows = [windows_of(s.extra["nab"], len(r["calibrated"])) for s, r in chosen]
        out[f"nab_{half}"] = corpus_score(values, windows)["standard"]
    return out


def group_row(series: Sequence, runs: Sequence[dict], wall: float) -> dict[str, float]:
    """Everything the table shows for one detector on one group."""
    row: dict[str, float] = {}
    for half, pairs in units(series, runs).items():
        row[f"roc_{half}"], row[f"pr_{half}"] = ranking(pairs)
    if bool(runs[0]["thresholded"]):
        row.update(alarm_quality(runs))
    n = sum(len(run["labels"]) for run in runs)
    row["samples_per_s"] = n / wall if wall else math.nan
    if "calibrated" in runs[0]:
        row.update(nab_scores(series, runs))
    return row
