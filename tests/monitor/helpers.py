"""Streams and comparisons shared by the Monitor tests (tests/monitor is a package)."""

from __future__ import annotations

import numpy as np
import torch


def labelled_stream(n: int, seed: int = 0, spike_every: int = 97) -> list[tuple[dict, int]]:
    """Three smooth features with a spike on one of them every ``spike_every`` samples."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = {
            "a": float(np.sin(i / 8) + 0.05 * rng.normal()),
            "b": float(np.cos(i / 13) + 0.05 * rng.normal()),
            "c": float(0.5 + 0.05 * rng.normal()),
        }
        y = int(i % spike_every == spike_every - 1)
        if y:
            x["abc"[i % 3]] += 4.0
        out.append((x, y))
    return out


def same_state(a, b) -> bool:
    """Deep equality of two states (tensors compared exactly, NaN equal to NaN)."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
        )
    if isinstance(a, (list, tuple)):
        return (
            isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(same_state(u, v) for u, v in zip(a, b, strict=True))
        )
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b
