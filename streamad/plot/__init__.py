"""Figures of a detector's run: signal and alarms, score distributions, ROC and PR curves.

Each function returns a matplotlib ``Figure`` (drawn by the Agg canvas, outside pyplot: no
window opens and no global state changes) and saves it to ``path`` when one is given.
matplotlib is imported inside the functions, so ``import streamad`` does not need it
(``pip install streamad[plot]``). The curves themselves are pure numpy: `roc_points`,
`pr_points`. `signal_with_alarms` marks each alarm on the feature to blame.
"""

from __future__ import annotations

from streamad.plot.curves import (
    confusion_matrix,
    pr_curve,
    pr_points,
    roc_curve,
    roc_points,
    score_distributions,
)
from streamad.plot.signal import signal_with_alarms

__all__ = [
    "confusion_matrix",
    "pr_curve",
    "pr_points",
    "roc_curve",
    "roc_points",
    "score_distributions",
    "signal_with_alarms",
]
