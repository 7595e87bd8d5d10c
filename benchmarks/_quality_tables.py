"""Tables of the quality benchmark (markdown), printed from the cached cells."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from _quality_detectors import parse
from _quality_nab import CHOSEN, NORMALISATIONS

PUBLISHED = ("ARTime", "numenta", "knncad", "randomCutForest", "windowedGaussian")
SMD_COLUMNS = ("roc_auc", "pr_auc", "best_f1", "pa_f1", "hit_rate@100", "hit_rate@150")
STREAM_COLUMNS = ("rolling_roc_auc", "roc_auc", "pr_auc", "best_f1")
HEAD = {
    "rolling_roc_auc": "RollingROCAUC(5000)",
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "best_f1": "best F1",
    "pa_f1": "PA F1",
    "hit_rate@100": "HitRate@100%",
    "hit_rate@150": "HitRate@150%",
}


def _f(value: object, digits: int = 4) -> str:
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "–"
    return f"{value:.{digits}f}"


def _rows(r: dict) -> str:
    capped = r["n_samples"] < r["full_size"]
    return f"{r['n_samples']:,}" + (" (capped)" if capped else "")


def _table(head: Sequence[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def label(r: dict) -> str:
    return parse(r["spec"]).label()


def _speed(r: dict) -> list[str]:
    return [f"{r['throughput']:,.0f}", f"{r['wall_s']:,.0f}"]


def nab_table(records: list[dict], data: Path) -> None:
    print(f"### NAB (58 files, a fresh model per file; normalisation `{CHOSEN}`)\n")
    rows = []
    for r in records:
        n = r["nab"][CHOSEN]
        scores = [_f(n[p], 1) for p in ("standard", "low_fp", "low_fn", "standard_a", "standard_b")]
        rows.append([label(r), _rows(r), *scores, *_speed(r)])
    final = data / "nab" / "final_results.json"
    if final.is_file():
        published = json.loads(final.read_text())
        for name in PUBLISHED:
            p = published[name]
            scores = [p["standard"], p["reward_low_FP_rate"], p["reward_low_FN_rate"]]
            rows.append([f"published: {name}", "", *(_f(s, 1) for s in scores), "", "", "", ""])
    head = ["detector", "rows", "standard", "low FP", "low FN", "std, half A", "std, half B"]
    _table([*head, "samples/s", "wall s"], rows)
    print("NAB standard score under each online normalisation (whole corpus / half A):\n")
    rows = [
        [
            label(r),
            *(
                f"{r['nab'][n]['standard']:.1f} / {r['nab'][n]['standard_a']:.1f}"
                for n in NORMALISATIONS
            ),
        ]
        for r in records
    ]
    _table(["detector", *NORMALISATIONS], rows)


def metric_table(title: str, records: list[dict], columns: Sequence[str]) -> None:
    print(f"### {title}\n")
    rows = [[label(r), _rows(r), *(_f(r.get(c)) for c in columns), *_speed(r)] for r in records]
    _table(["detector", "rows", *(HEAD[c] for c in columns), "samples/s", "wall s"], rows)


def smd_summary(by_dataset: dict[str, list[dict]], machines: Sequence[str]) -> None:
    print("### SMD, ROC-AUC per machine (test split, online from its first row)\n")
    specs: dict[str, str] = {}
    for m in machines:
        for r in by_dataset.get(m, []):
            specs.setdefault(r["spec"], label(r))
    rows = []
    for spec, name in specs.items():
        values = [
            next((r["roc_auc"] for r in by_dataset.get(m, []) if r["spec"] == spec), math.nan)
            for m in machines
        ]
        mean = sum(values) / len(values)
        rows.append([name, *(_f(v) for v in values), _f(mean)])
    _table(["detector", *machines, "mean"], rows)


def _block_twin(spec: str) -> str:
    """The block-mode spec matching an exact-mode one. deep-river's scores are exact mode's
    with the same settings (the Sutskever module, SGD, lr 0.005), bar its 0.0 during warm-up."""
    if spec.startswith("deep-river:"):
        o = parse(spec).opts
        return parse(f"sutskever:k=32,lr={o['lr']},window={o['window']},opt=sgd").key
    return spec.replace(":k=1,", ":k=32,")


def block_vs_exact(by_dataset: dict[str, list[dict]]) -> None:
    """Each module run both ways (same other options) on the same rows."""
    print("### Block mode (k=32) against exact mode, same module and options, same rows\n")
    rows = []
    for dataset, records in by_dataset.items():
        exact = {r["spec"]: r for r in records if ":k=1," in r["spec"] or "deep-river" in r["spec"]}
        for spec, r1 in exact.items():
            block = [r for r in records if r["spec"] == _block_twin(spec)]
            for r32 in block:
                if r32["n_samples"] != r1["n_samples"]:
                    continue
                rows.append([dataset, label(r1), label(r32), *_compare(dataset, r1, r32)])
    head = ["data", "exact", "block", "metric", "exact", "block k=32", "block − exact"]
    _table(head, rows)


def targets(main: dict[str, list[dict]], default: str) -> None:
    """The issue's targets, for the default detector's cells."""
    print(f"### Targets (default detector: {parse(default).label()})\n")

    def cell(dataset: str, spec: str) -> dict | None:
        return next((r for r in main.get(dataset, []) if r["spec"] == spec), None)

    rows = []
    nab = cell("nab", default)
    if nab:
        value = nab["nab"][CHOSEN]["standard"]
        rows.append(["NAB standard ≥ 60", _f(value, 1), "met" if value >= 60 else "not met"])
    cc = cell("creditcard", default)
    if cc:
        value = cc["rolling_roc_auc"]
        rows.append(["CreditCard RollingROCAUC ≥ 0.93", _f(value), _met(value >= 0.93)])
    for dataset in sorted(d for d in main if d.startswith("smd-")):
        mine = cell(dataset, default)
        for other in ("hst", parse("deep-river").key):
            ref = cell(dataset, other)
            if mine and ref:
                goal = f"{dataset} ROC-AUC above {parse(other).label()}"
                figure = f"{_f(mine['roc_auc'])} vs {_f(ref['roc_auc'])}"
                rows.append([goal, figure, _met(mine["roc_auc"] > ref["roc_auc"])])
    _table(["target", "measured", ""], rows)


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def _compare(dataset: str, r1: dict, r32: dict) -> list[str]:
    if dataset == "nab":
        a, b = r1["nab"][CHOSEN]["standard"], r32["nab"][CHOSEN]["standard"]
        return ["NAB standard", _f(a, 1), _f(b, 1), f"{b - a:+.1f}"]
    if dataset.startswith("smd"):
        a, b = r1["roc_auc"], r32["roc_auc"]
        return ["ROC-AUC", _f(a), _f(b), f"{b - a:+.4f}"]
    a, b = r1["rolling_roc_auc"], r32["rolling_roc_auc"]
    c, d = r1["roc_auc"], r32["roc_auc"]
    both = "RollingROCAUC / ROC-AUC"
    return [both, f"{_f(a)} / {_f(c)}", f"{_f(b)} / {_f(d)}", f"{_diff(a, b)} / {_diff(c, d)}"]


def _diff(a: float, b: float) -> str:
    return "–" if math.isnan(a) or math.isnan(b) else f"{b - a:+.4f}"


def print_tables(
    records: list[dict], data: Path, keep: Callable[[dict], bool], default: str
) -> None:
    """The main tables hold the cells ``keep`` accepts; the others are listed after them."""
    by_dataset: dict[str, list[dict]] = {}
    for r in records:
        by_dataset.setdefault(r["dataset"], []).append(r)
    main = {d: [r for r in rs if keep(r)] for d, rs in by_dataset.items()}
    other = {d: [r for r in rs if not keep(r)] for d, rs in by_dataset.items()}
    smd = sorted(d for d in by_dataset if d.startswith("smd-"))
    for group in (main, other):
        if group is other:
            print("## Other runs (tuning variants, other caps)\n")
        if group.get("nab"):
            nab_table(group["nab"], data)
        for d in ("creditcard", "http", "smtp"):
            if group.get(d):
                metric_table(d, group[d], STREAM_COLUMNS)
        for d in smd:
            if group.get(d):
                metric_table(d, group[d], SMD_COLUMNS)
        if group is main and smd:
            smd_summary(group, smd)
    block_vs_exact(by_dataset)
    targets(main, default)
