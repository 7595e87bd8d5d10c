"""Figures of a score against labels: distributions, ROC and PR curves, the confusion matrix.

The curves themselves are pure numpy: `roc_points`, `pr_points`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from streamad.metrics.events import confusion, pr_auc, roc_auc
from streamad.plot import _figure
from streamad.plot._figure import SavePath
from streamad.thresholds import alarm_counts

__all__ = [
    "confusion_matrix",
    "pr_curve",
    "pr_points",
    "roc_curve",
    "roc_points",
    "score_distributions",
]


def roc_points(scores: ArrayLike, labels: ArrayLike) -> tuple[NDArray, NDArray]:
    """False- and true-positive rates of every threshold, from (0, 0) to (1, 1).

    Examples
    --------
    >>> from streamad.plot import roc_points
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
    >>> from streamad.plot import pr_points
    >>> recall, precision = pr_points([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> recall.tolist(), precision.round(3).tolist()
    ([0.0, 0.5, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.667, 0.5])
    """
    _, tp, fp = alarm_counts(scores, labels)
    if tp[-1] == 0:
        raise ValueError("the precision-recall curve needs at least one anomalous label")
    return np.r_[0.0, tp / tp[-1]], np.r_[1.0, tp / (tp + fp)]


def score_distributions(
    scores: ArrayLike, labels: ArrayLike, bins: int = 50, path: SavePath = None
) -> Any:
    """Histograms (densities over shared bins) of the scores of normal and anomalous points.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.plot import score_distributions
    >>> rng = np.random.default_rng(42)
    >>> scores = np.r_[rng.normal(0, 1, 500), rng.normal(4, 1, 20)]
    >>> labels = np.r_[np.zeros(500), np.ones(20)]
    >>> figure = score_distributions(scores, labels)
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['normal (500)', 'anomalous (20)']
    """
    score = _figure.series(scores, None, "scores")
    truth = _figure.series(labels, len(score), "labels").astype(bool)
    edges = np.histogram_bin_edges(score[np.isfinite(score)], bins=bins)
    figure, axes = _figure.figure()
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
    return _figure.done(figure, path)


def roc_curve(scores: ArrayLike, labels: ArrayLike, path: SavePath = None) -> Any:
    """The ROC curve, with its area, against the diagonal of a random score.

    Examples
    --------
    >>> from streamad.plot import roc_curve
    >>> figure = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['ROC-AUC 0.750', 'random']
    """
    fpr, tpr = roc_points(scores, labels)
    figure, axes = _figure.figure(size=(5.0, 5.0))
    axes[0].plot(fpr, tpr, lw=2, label=f"ROC-AUC {roc_auc(labels, scores):.3f}")
    axes[0].plot([0, 1], [0, 1], ":", color="grey", label="random")
    _rates(axes[0], "false-positive rate", "true-positive rate", "ROC curve", "lower right")
    return _figure.done(figure, path)


def pr_curve(scores: ArrayLike, labels: ArrayLike, path: SavePath = None) -> Any:
    """The precision-recall curve, with its average precision, against the anomaly rate.

    Examples
    --------
    >>> from streamad.plot import pr_curve
    >>> figure = pr_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['PR-AUC 0.833', 'anomaly rate 0.500']
    """
    recall, precision = pr_points(scores, labels)
    rate = float(np.mean(_figure.series(labels, None, "labels")))
    figure, axes = _figure.figure(size=(5.0, 5.0))
    axes[0].step(
        recall, precision, where="post", lw=2, label=f"PR-AUC {pr_auc(labels, scores):.3f}"
    )
    axes[0].axhline(rate, ls=":", color="grey", label=f"anomaly rate {rate:.3f}")
    _rates(axes[0], "recall", "precision", "precision-recall curve", "lower left")
    return _figure.done(figure, path)


def _rates(axes: Any, xlabel: str, ylabel: str, title: str, legend: str) -> None:
    """Labels, the unit square (a little headroom above 1) and the legend of a rate curve."""
    axes.set(xlabel=xlabel, ylabel=ylabel, title=title, xlim=(0, 1), ylim=(0, 1.01))
    axes.legend(loc=legend)


def confusion_matrix(labels: ArrayLike, alarms: ArrayLike, path: SavePath = None) -> Any:
    """The 2 x 2 counts of labels (rows) against alarms (columns).

    Examples
    --------
    >>> from streamad.plot import confusion_matrix
    >>> figure = confusion_matrix([0, 1, 1, 0, 0], [0, 1, 0, 1, 0])
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['2', '1', '1', '1']
    """
    counts = confusion(labels, alarms)
    table = np.array([[counts.tn, counts.fp], [counts.fn, counts.tp]])
    figure, axes = _figure.figure(size=(4.5, 4.0))
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
    return _figure.done(figure, path)
