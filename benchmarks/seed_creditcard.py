"""The seed's CreditCard run: first 5,000 rows, prequential RollingROCAUC(5000), three detectors.

    python benchmarks/seed_creditcard.py [DATA_DIR]

streamad's RollingDetector and deep-river's RollingAutoencoder (the same Sutskever module and
initial weights, StandardScaler, SGD lr 0.005, window 10) and River's HalfSpaceTrees (with its
recommended MinMaxScaler), all through the same evaluator on the same rows.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import torch
from deep_river.anomaly import RollingAutoencoder
from river import anomaly, preprocessing

from streamad import RollingDetector, prequential
from streamad.datasets import CreditCard
from streamad.modules import Sutskever


def main() -> None:
    torch.set_num_threads(1)
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    source = CreditCard(data / "creditcard" / "creditcard.csv.gz")
    torch.manual_seed(42)
    module = Sutskever(n_features=30)
    models = {
        "streamad RollingDetector (Sutskever)": preprocessing.StandardScaler()
        | RollingDetector(copy.deepcopy(module), lr=0.005),
        "deep-river RollingAutoencoder (Sutskever)": preprocessing.StandardScaler()
        | RollingAutoencoder(module=copy.deepcopy(module), lr=0.005),
        "River HalfSpaceTrees": preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42),
    }
    print("| detector | RollingROCAUC(5000) | ROC-AUC | samples/s |")
    print("|---|---|---|---|")
    for name, model in models.items():
        report = prequential(source, model, max_samples=5000, progress=False)
        m = report.metrics
        print(
            f"| {name} | {m['rolling_roc_auc']:.4f} | {m['roc_auc']:.4f} | "
            f"{report.timings['throughput']:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
