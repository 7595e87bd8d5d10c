"""Detection quality of the whole chain, ``streamad.Monitor``, as users run it.

    python benchmarks/bench_monitor.py ../shared/data --variant default --cells sine nab smd

runs each cell (a data set) for a Monitor variant, exact mode (score, then learn, one sample
at a time; ``--block K``: block mode, each block of K samples scored with frozen weights by
``score_many``, then learned by ``learn_many``, for every cell but NAB), caching one JSON per
(variant, cell) in ``--cache`` (default /tmp/monitor_quality),
then prints a table of everything cached. Cells:

- ``sine``: the demo stream (4 spikes); alarms at the Monitor's own threshold.
- ``creditcard``, ``smtp``, ``http``: ROC-AUC and PR-AUC of the scores (exact, rank-based).
- ``smd``: the four machines, test split, cold and warm-started on the train split
  (``Monitor.warm_start``, one pass).
- ``nab``: the 58 series, a fresh Monitor per file, its calibration's value (``Likelihood``: the
  library's HTM-style likelihood with run filter and range rule) as NAB's score, NAB's threshold
  sweep per profile; halves A (even files, where choices were tuned) and B (odd, held out).

Variants are named Monitor set-ups (:data:`VARIANTS`); ``default`` is ``Monitor()``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _quality_nab import corpus_score, windows_of
from river import drift, preprocessing

from streamad import Guard, Monitor, RollingDetector
from streamad.calibrate import Likelihood
from streamad.datasets import HTTP, SMD, SMTP, CreditCard, nab_corpus
from streamad.metrics import confusion, pr_auc, roc_auc
from streamad.modules import Cho, Stacked
from streamad.synth import SineWithSpikes
from streamad.thresholds import Alarm

MACHINES = ("machine-1-6", "machine-1-7", "machine-2-1", "machine-2-2")


class Plain:
    """``StandardScaler | RollingDetector()`` and a calibration, without the Monitor (no guard,
    no threshold, no protection): what the Monitor's parts cost, measured. Not for ``smd``."""

    def __init__(self, calibration: Callable | None = None) -> None:
        self.scaler, self.detector = preprocessing.StandardScaler(), RollingDetector()
        self.calibration = None if calibration is None else calibration()

    def process_one(self, x: dict) -> Alarm:
        self.scaler.learn_one(x)
        z = self.scaler.transform_one(x)
        score = self.detector.score_one(z)
        self.detector.learn_one(z)
        calibrated = None
        if self.calibration is not None:
            calibrated = self.calibration.calibrate(score, x)
            self.calibration.learn(score, x)
        return Alarm(score, None, False, (), calibrated)


class DriftAdapted(Monitor):
    """A Monitor coupled to River's ADWIN on the log of each learned score (issue 11's
    "adaptation"): on a detected change it raises the detector's learning rate fivefold for
    200 samples (``mode="lr"``) or starts its threshold again (``mode="threshold"``)."""

    BOOST, BOOST_FOR = 5.0, 200

    def __init__(self, *args: Any, mode: str = "lr", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self._drift = drift.ADWIN(delta=0.002)
        self._boost_left = 0
        self.n_drifts = 0

    def learn_one(self, x: dict, y: Any = None) -> None:
        self._scored = scored = self._take_scored(x)
        warming = self.warming_up
        super().learn_one(x, y)
        if warming or not math.isfinite(scored.score):
            return
        detector = self.detector_
        if self._boost_left > 0:
            self._boost_left -= 1
            if self._boost_left == 0:
                detector.lr /= self.BOOST
        self._drift.update(math.log(scored.score + 1e-12))
        if self._drift.drift_detected:
            self.n_drifts += 1
            if self.mode == "threshold" and self.filter_ is not None:
                self.filter_ = self.threshold(detector)
            elif self.mode == "lr" and self._boost_left == 0:
                detector.lr *= self.BOOST
                self._boost_left = self.BOOST_FOR


class NewestZ(RollingDetector):
    """The newest row's error of each feature as a z-score against that feature's running
    mean and spread of it (over the windows learned), summed: RESEARCH.md's CreditCard lever,
    measured in the Monitor (exact mode only: the replay path gives no per-feature errors)."""

    WARMUP = 30  # windows learned before the z-scores (before: the plain newest-row error)

    def _errors(self, evaluation: Any) -> np.ndarray:
        diff = evaluation.reconstruction[-1].astype(np.float64) - evaluation.windows[-1]
        if not hasattr(self, "_z"):
            self._z = [0, np.zeros(diff.shape[1]), np.zeros(diff.shape[1])]  # n, mean, M2
        return diff * diff

    def _scores(self, evaluation: Any) -> np.ndarray:
        errors = self._errors(evaluation)
        n, mean, m2 = self._z
        self._newest_won = True
        if n < self.WARMUP:
            return errors.mean(axis=1)
        return ((errors - mean) / (np.sqrt(m2 / n) + 1e-12)).sum(axis=1)

    def _apply(self, evaluation: Any, rows: np.ndarray, *args: Any, **kwargs: Any) -> None:
        if evaluation is not None and evaluation.finite:
            for row in self._errors(evaluation):
                self._z[0] += 1
                delta = row - self._z[1]
                self._z[1] += delta / self._z[0]
                self._z[2] += delta * (row - self._z[1])
        super()._apply(evaluation, rows, *args, **kwargs)


#: Named Monitor set-ups; each takes keyword arguments for the Monitor (NAB sets calibration).
VARIANTS: dict[str, Callable[..., Monitor]] = {
    "default": Monitor,
    "srivastava-window": lambda **kw: Monitor(RollingDetector(clip_grad=1.0), **kw),
    "stacked-lr0.1": lambda **kw: Monitor(
        RollingDetector(Stacked, lr=0.1, clip_grad=1.0, score_mode="max"), **kw
    ),
    "srivastava-max": lambda **kw: Monitor(RollingDetector(clip_grad=1.0, score_mode="max"), **kw),
    "stacked-lr0.1-no-accept": lambda **kw: Monitor(
        RollingDetector(Stacked, lr=0.1, clip_grad=1.0, score_mode="max"), accept_after=None, **kw
    ),
    "srivastava-window-noclip": lambda **kw: Monitor(RollingDetector(), **kw),
    "window-noclip-noprot-noguardclip": lambda **kw: Monitor(
        RollingDetector(), protect=False, guard=Guard(clip_sigma=float("inf")), **kw
    ),
    "window-noclip-noguardclip": lambda **kw: Monitor(
        RollingDetector(), guard=Guard(clip_sigma=float("inf")), **kw
    ),
    "guard1e3": lambda **kw: Monitor(guard=Guard(clip_sigma=1e3), **kw),
    "guard1e4": lambda **kw: Monitor(guard=Guard(clip_sigma=1e4), **kw),
    "cho-max": lambda **kw: Monitor(RollingDetector(Cho, clip_grad=1.0, score_mode="max"), **kw),
    "stacked-window": lambda **kw: Monitor(RollingDetector(Stacked, lr=0.1, clip_grad=1.0), **kw),
    "no-protection": lambda **kw: Monitor(protect=False, **kw),
    "protect-learning": lambda **kw: Monitor(protect="learning", **kw),
    "clip10": lambda **kw: Monitor(guard=Guard(clip_sigma=10.0), **kw),
    "plain": Plain,
    "adwin-lr": DriftAdapted,
    "adwin-threshold": lambda **kw: DriftAdapted(mode="threshold", **kw),
    "lr0.03": lambda **kw: Monitor(RollingDetector(lr=0.03, clip_grad=1.0, score_mode="max"), **kw),
    "newest": lambda **kw: Monitor(RollingDetector(clip_grad=1.0, score_mode="newest"), **kw),
    "newest-z": lambda **kw: Monitor(NewestZ(clip_grad=1.0, score_mode="newest"), **kw),
    "newest-z-noprot": lambda **kw: Monitor(
        NewestZ(clip_grad=1.0, score_mode="newest"), protect=False, **kw
    ),
}
STREAMS = {
    "creditcard": lambda root: CreditCard(root / "creditcard" / "creditcard.csv.gz"),
    "smtp": lambda root: SMTP(root / "river_smtp" / "smtp.csv.gz"),
    "http": lambda root: HTTP(root / "river_http" / "kdd99_http.csv.gz"),
}


Make = Callable[..., Monitor]


def _run(
    monitor: Monitor, source: Any, calibrated: bool = False, block: int = 1
) -> tuple[np.ndarray, ...]:
    """Scores (or calibrated values), labels and alarms of ``source``, exact mode or blocks."""
    if block > 1 and not calibrated:
        return _run_blocks(monitor, source, block)
    scores, labels, alarms = [], [], []
    for x, y in source:
        alarm = monitor.process_one(x)
        value = alarm.calibrated if calibrated else alarm.score
        scores.append(0.0 if value is None else value)
        labels.append(int(y))
        alarms.append(alarm.is_alarm)
    return np.array(scores), np.array(labels), np.array(alarms)


def _run_blocks(monitor: Monitor, source: Any, size: int) -> tuple[np.ndarray, ...]:
    """Block mode: each block scored with frozen weights, then learned in one step."""
    scores, labels, alarms = [], [], []
    samples = iter(source)
    while block := list(itertools.islice(samples, size)):
        xs = [x for x, _ in block]
        values = monitor.score_many(xs)
        alarms.extend(monitor.classify(v) for v in values)
        monitor.learn_many(xs)
        scores.extend(values)
        labels.extend(int(y) for _, y in block)
    return np.array(scores), np.array(labels), np.array(alarms)


def sine(root: Path, make: Make, block: int = 1) -> dict:
    scores, labels, alarms = _run(make(), SineWithSpikes(), block=block)
    c = confusion(labels, alarms)
    return {"tp": c.tp, "fp": c.fp, "fn": c.fn, "roc_auc": roc_auc(labels, scores)}


def stream(name: str) -> Callable[..., dict]:
    def run(root: Path, make: Make, block: int = 1) -> dict:
        scores, labels, alarms = _run(make(), STREAMS[name](root), block=block)
        return {
            "n": len(labels),
            "roc_auc": roc_auc(labels, scores),
            "pr_auc": pr_auc(labels, scores),
            "alarms": int(alarms.sum()),
            "true_alarms": int((alarms & (labels == 1)).sum()),
        }

    return run


def smd(root: Path, make: Make, block: int = 1) -> dict:
    out: dict[str, Any] = {}
    for machine in MACHINES:
        for start in ("cold", "warm"):
            monitor = make()
            if start == "warm":
                monitor.warm_start(SMD(root / "smd", machine, "train"))
            scores, labels, _ = _run(monitor, SMD(root / "smd", machine), block=block)
            out[f"{machine}/{start}"] = [roc_auc(labels, scores), pr_auc(labels, scores)]
    return out


def nab(root: Path, make: Make, block: int = 1) -> dict:
    """NAB in exact mode always (``block`` is not used: NAB's scores are calibrated values)."""
    corpus = nab_corpus(root / "nab")
    scores, windows = [], []
    for series in corpus:
        monitor = make(calibration=Likelihood)
        values, _, _ = _run(monitor, series, calibrated=True)
        scores.append(values)
        windows.append(windows_of(series, len(values)))
    out = corpus_score(scores, windows)
    for half, start in (("a", 0), ("b", 1)):
        out[f"standard_{half}"] = corpus_score(scores[start::2], windows[start::2])["standard"]
    return out


CELLS = {"sine": sine, "nab": nab, "smd": smd, **{name: stream(name) for name in STREAMS}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--variant", default="default", choices=sorted(VARIANTS))
    parser.add_argument("--cells", nargs="*", default=[], choices=sorted(CELLS))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/monitor_quality"))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--block", type=int, default=1, help="block mode, k samples a block")
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.cache.mkdir(parents=True, exist_ok=True)
    for cell in args.cells:
        name = args.variant if args.block == 1 else f"{args.variant}-block{args.block}"
        path = args.cache / f"{name}--{cell}.json"
        if path.exists() and not args.force:
            continue
        start = time.perf_counter()
        result = CELLS[cell](args.data.resolve(), VARIANTS[args.variant], args.block)
        result["wall_s"] = time.perf_counter() - start
        path.write_text(json.dumps(result, indent=1, default=float))
        print(f"{name} {cell}: {json.dumps(result, default=float)}", flush=True)
    for path in sorted(args.cache.glob("*.json")):
        print(path.stem, path.read_text().replace("\n", ""))


if __name__ == "__main__":
    main()
