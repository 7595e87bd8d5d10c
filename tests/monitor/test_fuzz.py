"""A fuzzed stream: 10% bad values of every kind, then a clean, labelled tail."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import torch

from streamad import Monitor
from streamad.metrics import roc_auc
from tests.monitor.helpers import labelled_stream

#: every kind of bad value; the first ones are imputed or clipped, the rest rejected
BAD = [math.nan, None, math.inf, -math.inf, "missing", 1e300, 1e6, 1e19, 1e30, -1e12]
REJECTED = ["text", 1 + 1j, Decimal("2.5"), [1.0], {"nested": 1.0}]


def fuzz(stream: list, rate: float, seed: int = 7) -> list:
    rng = random.Random(seed)
    out = []
    for x, y in stream:
        x = dict(x)
        for name in list(x):
            if rng.random() < rate:
                bad = rng.choice(BAD + REJECTED)
                if bad == "missing":
                    del x[name]
                else:
                    x[name] = bad
        if rng.random() < rate / 10:
            x[0] = 1.0  # a feature name that is not a string
        out.append((x, y))
    return out


def finite(state) -> bool:
    if isinstance(state, torch.Tensor):
        return not state.is_floating_point() or bool(torch.isfinite(state).all())
    if isinstance(state, dict):
        return all(finite(v) for v in state.values())
    if isinstance(state, (list, tuple)):
        return all(finite(v) for v in state)
    return not isinstance(state, float) or math.isfinite(state)


def tail_auc(stream: list, n_head: int) -> tuple[float, Monitor, int]:
    """ROC-AUC (exact, rank-based) of the scores of the tail; rejected samples are skipped."""
    monitor, labels, scores, rejected = Monitor(), [], [], 0
    for i, (x, y) in enumerate(stream):
        try:
            score = monitor.process_one(x, y).score
        except TypeError:
            rejected += 1
            continue
        if i >= n_head:
            labels.append(y)
            scores.append(score)
    return roc_auc(labels, scores), monitor, rejected


def test_fuzzed_stream_leaves_finite_state_and_the_clean_tail_unharmed():
    stream = labelled_stream(12_000, seed=11)
    clean_auc, _, _ = tail_auc(stream, 10_000)
    head = fuzz(stream[:10_000], rate=0.1)
    fuzzed_auc, monitor, rejected = tail_auc(head + stream[10_000:], 10_000)
    assert rejected > 1000  # non-numbers and non-string names are refused, sample by sample
    assert monitor.guard_.n_imputed > 1000 and monitor.guard_.n_clipped > 100
    assert finite(monitor.get_state())
    assert clean_auc > 0.9
    assert abs(clean_auc - fuzzed_auc) <= 0.02, (clean_auc, fuzzed_auc)
