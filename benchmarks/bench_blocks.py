"""What block mode costs in detection quality: RollingROCAUC and ROC-AUC, exact mode against blocks.

    python benchmarks/bench_blocks.py [DATA_DIR] [--rows 20000] [--blocks 1 8 32 128]

The same detector (a StandardScaler in front of the Monitor's default detector: Srivastava, lr
0.01, gradient norm clipped to 1, ``"max"`` score; or the one given by ``--module``, ``--lr``,
``--clip-grad`` and ``--score-mode``) runs prequentially with ``block_size`` 1 (exact mode) and
each block size, on the built-in sine with spikes and sensor stream with injected anomalies,
and on the first ``--rows`` rows of CreditCard, SMTP, HTTP and each SMD machine's test split
(streams of the quality benchmark; data streams are skipped with a message when absent). Prints
one markdown row per stream: each block size's RollingROCAUC(5000) and ROC-AUC and its
difference to exact mode.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import torch
from river import preprocessing

from streamad import RollingDetector, datasets, modules, prequential, synth


def streams(data: Path, rows: int) -> dict:
    found = {
        "sine with spikes": synth.SineWithSpikes(),
        "sensors, injected": synth.Inject(
            synth.SensorStream(n_features=8, n=6000, anomaly_rate=0, seed=3),
            rate=0.008,
            warm_up=1000,
            seed=3,
        ),
    }
    files = {
        "CreditCard": lambda: datasets.CreditCard(data / "creditcard" / "creditcard.csv.gz"),
        "SMTP": lambda: datasets.SMTP(data / "river_smtp" / "smtp.csv.gz"),
        "HTTP": lambda: datasets.HTTP(data / "river_http" / "kdd99_http.csv.gz"),
    }
    for machine in ("1-6", "1-7", "2-1", "2-2"):
        files[f"SMD {machine}"] = lambda m=machine: datasets.SMD(data / "smd", f"machine-{m}")
    for name, make in files.items():
        try:
            found[name] = list(itertools.islice(make(), rows))
        except FileNotFoundError as error:
            print(f"skipping {name}: {error}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default="../shared/data", type=Path)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--blocks", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--module", default="Srivastava", choices=modules.__all__)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--clip-grad", type=float, default=1.0)
    parser.add_argument("--score-mode", default="max", choices=("window", "newest", "max"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    module = getattr(modules, args.module)
    heads = [f"k={k}" for k in args.blocks]
    print(
        f"{args.module}, lr {args.lr}, clip {args.clip_grad}, {args.score_mode}; "
        "cells: RollingROCAUC / ROC-AUC (change against k=1)"
    )
    print("| stream | rows | " + " | ".join(heads) + " |")
    print("|---" * (2 + len(heads)) + "|")
    for name, stream in streams(args.data, args.rows).items():
        cells, exact = [], None
        for k in args.blocks:
            detector = RollingDetector(
                module, lr=args.lr, clip_grad=args.clip_grad, score_mode=args.score_mode
            )
            model = preprocessing.StandardScaler() | detector
            m = prequential(stream, model, block_size=k, progress=False).metrics
            pair = (m["rolling_roc_auc"], m["roc_auc"])
            exact = exact or pair
            change = f" ({pair[0] - exact[0]:+.4f} / {pair[1] - exact[1]:+.4f})" if k > 1 else ""
            cells.append(f"{pair[0]:.4f} / {pair[1]:.4f}{change}")
        n = len(stream) if isinstance(stream, list) else "all"
        print(f"| {name} | {n} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
