"""The signal with its alarms, each on the feature to blame, over the score and the threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from streamad.plot import _figure, _marks
from streamad.plot._figure import SavePath
from streamad.plot._marks import Blame

__all__ = ["signal_with_alarms"]

_CROSS: dict[str, Any] = {"marker": "x", "color": "red", "s": 36, "linewidths": 1.5, "zorder": 4}
_SPAN: dict[str, Any] = {"color": "orange", "alpha": 0.25, "lw": 0, "zorder": 0}
_OUTSIDE: dict[str, Any] = {
    "loc": "upper left",
    "bbox_to_anchor": (1.005, 1.0),
    "fontsize": 8,
    "title_fontsize": 8,
    "frameon": False,
}
MANY = 5  # lines drawn when the features are more than max_lines: the most to blame
HEAT_ROWS = 12  # features in the heatmap of blame
HEAT_BINS = 150  # its time bins
MIN_SPAN = 0.003  # a labelled run is drawn at least this share of the x range wide


def _names(features: Sequence[str] | None, k: int, one_d: bool) -> list[str]:
    if features is None:
        return ["value"] if one_d else [f"feature {j}" for j in range(k)]
    if len(features) != k:
        raise ValueError(f"features names {len(features)} columns but values has {k}")
    return [str(name) for name in features]


def _drawn(matrix: NDArray, names: list[str], blame: Blame, max_lines: int) -> list[int]:
    """The columns drawn: all of them, or the most to blame (then the most varied)."""
    k = matrix.shape[1]
    if k <= max_lines:
        return list(range(k))
    index = {name: j for j, name in enumerate(names)}
    chosen = [index[f] for f in _marks.most_blamed(blame, k) if f in index][: min(MANY, max_lines)]
    with np.errstate(all="ignore"):
        spread = np.nan_to_num(np.nanstd(matrix, axis=0), nan=-1.0)
    for j in np.argsort(-spread, kind="stable").tolist():
        if len(chosen) >= min(MANY, max_lines):
            break
        if j not in chosen:
            chosen.append(j)
    return chosen


def _spans(axes: Any, labels: NDArray, x: NDArray, legend: bool) -> None:
    """Each run of labelled points as one shaded span, at least ``MIN_SPAN`` of the axis wide."""
    step = float(np.median(np.diff(x))) if len(x) > 1 else 1.0
    least = MIN_SPAN * (float(x[-1] - x[0]) + step)
    for i, (start, end) in enumerate(_marks.segments(labels)):
        left, right = float(x[start]), float(x[end]) if end < len(x) else float(x[-1]) + step
        middle, width = (left + right) / 2, max(right - left, least)
        label = "labelled anomaly" if legend and i == 0 else "_nolegend_"
        axes.axvspan(middle - width / 2, middle + width / 2, label=label, **_SPAN)


def _heatmap(axes: Any, blame: Blame, x: NDArray, n: int) -> None:
    """Features (the most to blame) by time bins, coloured by the alarms' shares summed."""
    from matplotlib import colormaps, colors

    names = _marks.most_blamed(blame, HEAT_ROWS)
    bins = min(HEAT_BINS, n)
    matrix = np.ma.masked_equal(_marks.blame_matrix(blame, names, n, bins), 0.0)
    step = float(x[1] - x[0]) if n > 1 else 1.0
    edges = np.interp(np.linspace(0, n, bins + 1), np.arange(n + 1), np.r_[x, x[-1] + step])
    scale = colors.PowerNorm(0.5, vmin=0.0, vmax=max(float(matrix.max()), 1e-9))
    cmap = colormaps["Reds"].with_extremes(bad="white")
    mesh = axes.pcolormesh(edges, np.arange(len(names) + 1), matrix, cmap=cmap, norm=scale)
    axes.set_yticks(np.arange(len(names)) + 0.5, names, fontsize=8)
    axes.set_ylim(len(names), 0)
    axes.set_ylabel("feature to blame")
    axes.set_title(
        "blame at alarms: each alarm's shares of its error, summed per time bin",
        loc="left",
        fontsize=9,
    )
    bar = axes.figure.colorbar(mesh, cax=axes.inset_axes((1.01, 0.0, 0.012, 1.0)))
    bar.set_label("alarms", fontsize=8)
    bar.ax.tick_params(labelsize=8)


def _score_scale(axes: Any, score: NDArray) -> None:
    """A log axis when a few scores dwarf the usual ones (spikes hundreds of times the median)."""
    finite = score[np.isfinite(score)]
    positive = finite[finite > 0]
    whole = len(positive) > 0 and len(positive) == len(finite)
    if whole and float(positive.max()) > 30 * float(np.median(positive)):
        axes.set_yscale("log")
        axes.set_ylabel("score (log scale)")


def signal_with_alarms(
    values: ArrayLike,
    alarms: ArrayLike,
    scores: ArrayLike | None = None,
    thresholds: ArrayLike | None = None,
    labels: ArrayLike | None = None,
    path: SavePath = None,
    *,
    features: Sequence[str] | None = None,
    times: Sequence[Any] | None = None,
    blame: Blame | None = None,
    title: str | None = None,
    max_lines: int = 8,
    start: int = 0,
) -> Any:
    """The signal with its alarms over the score against the threshold.

    Top panel: one line per feature, named in the legend; a red cross at each alarm, on the
    line of the feature most to blame (``blame``) at its value; alarms with none to blame (or
    whose feature is not drawn) as red ticks along the top; each run of labelled anomalies as
    one shaded span. With more than ``max_lines`` features, only the five most to blame are
    drawn, and a heatmap shows which features the alarms blame over time. Bottom panel, when
    ``scores`` are given: the score, the threshold (gaps where it is None: warm-up) and the
    alarms. The x axis is the time when ``times`` are times, else the sample's position.

    Parameters
    ----------
    values
        The signal: one value per point, or one row of features per point.
    alarms, scores, thresholds, labels
        One per point; ``thresholds`` may hold None (warm-up), ``labels`` are 0/1.
    path
        Where to save the figure (PNG), if anywhere.
    features
        The names of the columns of ``values``.
    times
        One time per point (ISO text, datetimes): a date axis.
    blame
        For alarmed points (by position in the arrays): ``(feature, share)`` pairs, most to
        blame first, as in :attr:`streamad.thresholds.Alarm.attribution`.
    title
        The title (default: the number of alarms).
    max_lines
        Most lines drawn; more features show the most to blame and the heatmap.
    start
        The stream position of the first point (the x axis counts samples from it).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.plot import signal_with_alarms
    >>> t = np.arange(200)
    >>> values = np.c_[np.sin(t / 10), np.cos(t / 10)]
    >>> values[50, 1] += 3
    >>> figure = signal_with_alarms(values, t == 50, features=["sin", "cos"],
    ...                             blame={50: [("cos", 0.9), ("sin", 0.1)]})
    >>> top = figure.axes[0]
    >>> [text.get_text() for text in top.get_legend().get_texts()]
    ['sin', 'cos', 'alarm, on the feature to blame']
    >>> top.collections[0].get_offsets().round(3).tolist()  # on cos, at its value
    [[50.0, 3.284]]
    """
    signal = _figure.series(values, None, "values")
    n = len(signal)
    alarm = _figure.series(alarms, n, "alarms").astype(bool)
    matrix = signal[:, None] if signal.ndim == 1 else signal
    names = _names(features, matrix.shape[1], signal.ndim == 1)
    blamed: Blame = {} if blame is None else blame
    drawn = _drawn(matrix, names, blamed, max_lines)
    heat = matrix.shape[1] > max_lines and any(pairs for pairs in blamed.values())
    stamps = _marks.datetimes(times, n)
    if stamps is not None:
        from matplotlib import dates

        x = np.asarray(dates.date2num(stamps), dtype=float)
    else:
        x = start + np.arange(n, dtype=float)
    heights = [3.2] + ([0.6 + 0.16 * HEAT_ROWS] if heat else [])
    heights += [2.2] if scores is not None else []
    figure, axes = _figure.figure(len(heights), (11.0, sum(heights) + 0.6), True, heights)
    top = axes[0]
    many = len(drawn) < matrix.shape[1]
    for j in drawn:
        top.plot(x, matrix[:, j], lw=0.8 if len(drawn) > 2 else 1.0, label=names[j])
    truth = None if labels is None else _figure.series(labels, n, "labels").astype(bool)
    if truth is not None:
        _spans(top, truth, x, legend=True)
    points = np.flatnonzero(alarm)
    columns = _marks.to_blame(blamed, alarm, names)
    on_line = np.isin(columns, drawn)
    one = matrix.shape[1] == 1
    top.scatter(
        x[points[on_line]],
        matrix[points[on_line], columns[on_line]],
        label="alarm" if one else "alarm, on the feature to blame",
        **_CROSS,
    )
    if not on_line.all():
        off = points[~on_line]
        what = "alarm, on a feature not drawn" if many else "alarm, no feature to blame"
        top.plot(
            x[off],
            np.full(len(off), 0.97),
            "|",
            color="red",
            ms=12,
            mew=1.5,
            transform=top.get_xaxis_transform(),
            label=what,
        )
    top.set(ylabel="value", title=title or f"{int(alarm.sum())} alarms")
    drawn_of = f"{len(drawn)} of {matrix.shape[1]} features: the most to blame" if many else None
    top.legend(title=drawn_of, **_OUTSIDE)
    if heat:
        _heatmap(axes[1], blamed, x, n)
    if scores is not None:
        score = _figure.series(scores, n, "scores")
        bottom = axes[-1]
        if truth is not None:
            _spans(bottom, truth, x, legend=False)
        bottom.plot(x, score, lw=1, label="score")
        if thresholds is not None:
            limit = _figure.series(thresholds, n, "thresholds")
            bottom.plot(x, limit, "--", color="black", label="threshold")
        bottom.scatter(x[alarm], score[alarm], **_CROSS)
        bottom.set(ylabel="score")
        _score_scale(bottom, score)
        bottom.legend(**_OUTSIDE)
    if stamps is not None:
        from matplotlib import dates

        locator = dates.AutoDateLocator()
        axes[-1].xaxis.set_major_locator(locator)
        axes[-1].xaxis.set_major_formatter(dates.ConciseDateFormatter(locator, show_offset=False))
        first, last = (
            np.datetime_as_string(t, unit="m").replace("T", " ") for t in stamps[[0, -1]]
        )
        axes[-1].set_xlabel(f"time ({first} to {last})")
    else:
        axes[-1].set_xlabel("sample")
    if n > 1:
        top.set_xlim(x[0], x[-1])
    return _figure.done(figure, path)
