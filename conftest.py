"""Settings for the whole test run, doctests included."""

from __future__ import annotations

import importlib.util

import torch

# Ray is an optional extra: without it, the modules that import it are not collected for doctests.
if importlib.util.find_spec("ray") is None:
    collect_ignore = [
        "streamad/ray.py",
        "streamad/distributed/sharded.py",
        "streamad/distributed/replay.py",
    ]

# One torch thread: the test machines have two shared cores, and torch's second thread makes
# small LSTM steps up to ten times slower when the other core is busy.
torch.set_num_threads(1)
