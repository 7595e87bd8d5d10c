"""Attribution on SMD: do the features blamed by the detector match the labelled dimensions?

    python benchmarks/smd_attribution.py [DATA_DIR]

For each of the four SMD machines, the test split is replayed prequentially (score, then learn)
through StandardScaler | RollingDetector; at every labelled anomalous row, the features are ranked
by their share of the reconstruction error, and HitRate@100% / @150% (OmniAnomaly) is computed
against interpretation_label.txt. A random ranking's expected hit rate is given for reference.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import torch
from river import preprocessing

from streamad import RollingDetector
from streamad.datasets import SMD
from streamad.datasets.smd import interpretation
from streamad.metrics import roc_auc
from streamad.modules import Stacked
from streamad.thresholds.alarm import attribution, top_k_hit_rate

MACHINES = ["machine-1-6", "machine-1-7", "machine-2-1", "machine-2-2"]


def run(root: Path, machine: str) -> dict[str, float]:
    truth: dict[int, set[str]] = {}
    for start, end, features in interpretation(root, machine):
        for row in range(start, end):
            truth[row] = set(features)
    model = preprocessing.StandardScaler() | RollingDetector(
        Stacked, window_size=10, lr=0.01, encoder_sizes=(32, 16), seed=0
    )
    detector = model["RollingDetector"]
    rankings, dims, scores, labels = [], [], [], []
    n_features = 0
    for i, (x, y) in enumerate(SMD(root, machine)):
        n_features = len(x)
        scores.append(model.score_one(x))
        labels.append(y)
        if i in truth:
            rankings.append([f for f, _ in attribution(detector.feature_errors)])
            dims.append(truth[i])
        model.learn_one(x)
    chance = {
        p: float(np.mean([math.floor(p * len(g) / 100) / n_features for g in dims]))
        for p in (100, 150)
    }
    return {
        "ROC-AUC": roc_auc(np.array(labels), np.array(scores)),
        "HitRate@100%": top_k_hit_rate(rankings, dims, p=100),
        "HitRate@150%": top_k_hit_rate(rankings, dims, p=150),
        "chance@100%": chance[100],
        "chance@150%": chance[150],
    }


def main() -> None:
    torch.set_num_threads(1)
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data") / "smd"
    print("| machine | ROC-AUC | HitRate@100% (chance) | HitRate@150% (chance) |")
    print("|---|---|---|---|")
    for machine in MACHINES:
        r = run(root, machine)
        print(
            f"| {machine} | {r['ROC-AUC']:.4f} | {r['HitRate@100%']:.3f} ({r['chance@100%']:.3f}) "
            f"| {r['HitRate@150%']:.3f} ({r['chance@150%']:.3f}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
