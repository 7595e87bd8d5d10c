"""What every figure shares: an Agg figure outside pyplot, saving, and checked input arrays."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["SavePath", "done", "figure", "series"]

SavePath = str | os.PathLike[str] | None


def figure(
    rows: int = 1,
    size: tuple[float, float] = (6.0, 4.5),
    sharex: bool = False,
    heights: Sequence[float] | None = None,
) -> Any:
    """A constrained-layout figure drawn by the Agg canvas, and its axes in one column."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    made = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(made)
    grid = None if heights is None else {"height_ratios": list(heights)}
    return made, made.subplots(rows, 1, sharex=sharex, squeeze=False, gridspec_kw=grid)[:, 0]


def done(made: Any, path: SavePath) -> Any:
    if path is not None:
        made.savefig(path, dpi=120)
    return made


def series(values: Any, n: int | None, name: str) -> NDArray[np.float64]:
    """A float array (None becomes NaN) of ``n`` points, or a clear error."""
    array = np.array([np.nan if v is None else v for v in np.asarray(values, dtype=object).ravel()])
    array = array.astype(float).reshape(np.shape(values))
    if n is not None and len(array) != n:
        raise ValueError(f"{name} has {len(array)} points but values has {n}")
    return array
