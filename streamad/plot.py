"""Figures of a detector's run: signal and alarms, score distributions, ROC and PR curves.

Each function returns a matplotlib ``Figure`` (drawn by the Agg canvas, outside pyplot: no
window opens and no global state changes) and saves it to ``path`` when one is given.
matplotlib is imported inside the functions, so ``import streamad`` does not need it
(``pip install streamad[plot]``). The curves themselves are pure numpy: `roc_points`,
`pr_points`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from streamad.metrics.events import confusion, pr_auc, roc_auc
from streamad.thresholds import alarm_counts

__all__ = [
    "confusion_matrix",
    "pr_curve",
    "pr_points",
    "roc_curve",
    "roc_points",
    "score_distributions",
    "signal_with_alarms",
]

SavePath = str | os.PathLike[str] | None
_CROSS: dict[str, Any] = {"marker": "x", "color": "red", "zorder": 4}
_RING: dict[str, Any] = {"s": 80, "facecolors": "none", "edgecolors": "orange", "zorder": 3}


def roc_points(scores: ArrayLike, labels: ArrayLike) -> tuple[NDArray, NDArray]:
    """False- and true-positive rates of every threshold, from (0, 0) to (1, 1).

    Examples
    --------
    >>> fpr, tpr = roc_points([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    _, tp, fp = alarm_counts(scores, labels)
    n_pos, n_neg = int(tp[-1]), int(fp[-1])
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the ROC curve needs both normal and anomalous labels")
    return np.r_[0.0, fp / n_neg], np.r_[0.0, tp / n_pos]


def pr_points(scores: ArrayLike, labels: ArrayLike) -> tuple[NDArray, NDArray]:
    """Recall and precision of every threshold, highest threshold first, from recall 0.

    Examples
    --------
    >>> recall, precision = pr_points([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> recall.tolist(), precision.round(3).tolist()
    ([0.0, 0.5, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.667, 0.5])
    """
    _, tp, fp = alarm_counts(scores, labels)
    if tp[-1] == 0:
        raise ValueError("the precision-recall curve needs at least one anomalous label")
    return np.r_[0.0, tp / tp[-1]], np.r_[1.0, tp / (tp + fp)]


def _figure(rows: int = 1, size: tuple[float, float] = (6.0, 4.5), sharex: bool = False) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, 1, sharex=sharex, squeeze=False)[:, 0]


def _done(figure: Any, path: SavePath) -> Any:
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _series(values: Any, n: int | None, name: str) -> NDArray[np.float64]:
    """A float array (None becomes NaN) of ``n`` points, or a clear error."""
    array = np.array([np.nan if v is None else v for v in np.asarray(values, dtype=object).ravel()])
    array = array.astype(float).reshape(np.shape(values))
    if n is not None and len(array) != n:
        raise ValueError(f"{name} has {len(array)} points but values has {n}")
    return array


def signal_with_alarms(
    values: ArrayLike,
    alarms: ArrayLike,
    scores: ArrayLike | None = None,
    thresholds: ArrayLike | None = None,
    labels: ArrayLike | None = None,
    path: SavePath = None,
) -> Any:
    """The signal with its alarms (and true anomalies) over the score against the threshold.

    Top panel: the signal (one line per feature when ``values`` is two-dimensional), red
    crosses at alarms, orange rings at labelled anomalies. Bottom panel, when ``scores`` are
    given: the score, the threshold (gaps where it is None: warm-up) and the alarms.

    Examples
    --------
    >>> import numpy as np
    >>> values = np.sin(np.arange(200) / 10)
    >>> values[50] += 3
    >>> scores = np.abs(np.diff(values, prepend=0.0))
    >>> figure = signal_with_alarms(values, scores > 1, scores, np.full(200, 1.0))
    >>> len(figure.axes)
    2
    """
    signal = _series(values, None, "values")
    n = len(signal)
    alarm = _series(alarms, n, "alarms").astype(bool)
    rows = 1 if scores is None else 2
    figure, axes = _figure(rows, (10.0, 3.0 * rows + 0.5), sharex=True)
    top, t = axes[0], np.arange(n)
    top.plot(t, signal, lw=1)
    marked = signal if signal.ndim == 1 else np.nanmax(signal, axis=1)
    if labels is not None:
        truth = _series(labels, n, "labels").astype(bool)
        top.scatter(t[truth], marked[truth], label="labelled anomaly", **_RING)
    top.scatter(t[alarm], marked[alarm], label="alarm", **_CROSS)
    top.set(ylabel="value", title=f"{int(alarm.sum())} alarms")
    top.legend(loc="upper right")
    if scores is not None:
        score = _series(scores, n, "scores")
        bottom = axes[1]
        bottom.plot(t, score, lw=1, label="score")
        if thresholds is not None:
            bottom.plot(
                t, _series(thresholds, n, "thresholds"), "--", color="black", label="threshold"
            )
        bottom.scatter(t[alarm], score[alarm], **_CROSS)
        bottom.set(ylabel="score (reconstruction error)")
        bottom.legend(loc="upper right")
    axes[-1].set_xlabel("sample")
    return _done(figure, path)


def score_distributions(
    scores: ArrayLike, labels: ArrayLike, bins: int = 50, path: SavePath = None
) -> Any:
    """Histograms (densities over shared bins) of the scores of normal and anomalous points.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(42)
    >>> scores = np.r_[rng.normal(0, 1, 500), rng.normal(4, 1, 20)]
    >>> labels = np.r_[np.zeros(500), np.ones(20)]
    >>> figure = score_distributions(scores, labels)
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['normal (500)', 'anomalous (20)']
    """
    score = _series(scores, None, "scores")
    truth = _series(labels, len(score), "labels").astype(bool)
    edges = np.histogram_bin_edges(score[np.isfinite(score)], bins=bins)
    figure, axes = _figure()
    for mask, name, color in ((~truth, "normal", "tab:blue"), (truth, "anomalous", "tab:red")):
        if mask.any():
            axes[0].hist(
                score[mask],
                bins=edges,
                density=True,
                alpha=0.5,
                color=color,
                label=f"{name} ({int(mask.sum())})",
            )
    axes[0].set(xlabel="score", ylabel="density", title="score distributions")
    axes[0].legend()
    return _done(figure, path)


def roc_curve(scores: ArrayLike, labels: ArrayLike, path: SavePath = None) -> Any:
    """The ROC curve, with its area, against the diagonal of a random score.

    Examples
    --------
    >>> figure = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['ROC-AUC 0.750', 'random']
    """
    fpr, tpr = roc_points(scores, labels)
    figure, axes = _figure(size=(5.0, 5.0))
    axes[0].plot(fpr, tpr, lw=2, label=f"ROC-AUC {roc_auc(labels, scores):.3f}")
    axes[0].plot([0, 1], [0, 1], ":", color="grey", label="random")
    axes[0].set(
        xlabel="false-positive rate",
        ylabel="true-positive rate",
        title="ROC curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    axes[0].legend(loc="lower right")
    return _done(figure, path)


def pr_curve(scores: ArrayLike, labels: ArrayLike, path: SavePath = None) -> Any:
    """The precision-recall curve, with its average precision, against the anomaly rate.

    Examples
    --------
    >>> figure = pr_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['PR-AUC 0.833', 'anomaly rate 0.500']
    """
    recall, precision = pr_points(scores, labels)
    rate = float(np.mean(_series(labels, None, "labels")))
    figure, axes = _figure(size=(5.0, 5.0))
    axes[0].step(
        recall, precision, where="post", lw=2, label=f"PR-AUC {pr_auc(labels, scores):.3f}"
    )
    axes[0].axhline(rate, ls=":", color="grey", label=f"anomaly rate {rate:.3f}")
    axes[0].set(
        xlabel="recall",
        ylabel="precision",
        title="precision-recall curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    axes[0].legend(loc="lower left")
    return _done(figure, path)


def confusion_matrix(labels: ArrayLike, alarms: ArrayLike, path: SavePath = None) -> Any:
    """The 2 x 2 counts of labels (rows) against alarms (columns).

    Examples
    --------
    >>> figure = confusion_matrix([0, 1, 1, 0, 0], [0, 1, 0, 1, 0])
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['2', '1', '1', '1']
    """
    counts = confusion(labels, alarms)
    table = np.array([[counts.tn, counts.fp], [counts.fn, counts.tp]])
    figure, axes = _figure(size=(4.5, 4.0))
    axes[0].imshow(table, cmap="Blues")
    for (row, col), count in np.ndenumerate(table):
        dark = count > table.max() / 2
        axes[0].text(
            col,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if dark else "black",
            fontsize=14,
        )
    axes[0].set(
        xticks=[0, 1],
        xticklabels=["no alarm", "alarm"],
        yticks=[0, 1],
        yticklabels=["normal", "anomaly"],
        xlabel="detector",
        ylabel="label",
        title="confusion matrix",
    )
    return _done(figure, path)
