"""The figures render to readable PNG files; matplotlib stays optional."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from streamad import plot

MIN_BYTES = 10_000  # an empty 1-axis figure is about 5 KB


@pytest.fixture(scope="module")
def run():
    rng = np.random.default_rng(0)
    n = 1000
    values = np.sin(np.arange(n) / 40) * 5 + rng.normal(0, 0.1, n)
    labels = np.zeros(n, dtype=int)
    labels[[100, 300, 700, 900]] = 1
    values[labels == 1] += 8
    scores = np.abs(np.diff(values, prepend=0.0)) + rng.exponential(0.05, n)
    thresholds = [None] * 30 + [1.0] * (n - 30)
    alarms = np.array([t is not None and s > t for s, t in zip(scores, thresholds, strict=True)])
    return values, labels, scores, thresholds, alarms


def check_png(path):
    assert path.exists()
    assert path.stat().st_size > MIN_BYTES
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_signal_with_alarms_two_panels(run, tmp_path):
    values, labels, scores, thresholds, alarms = run
    path = tmp_path / "signal.png"
    figure = plot.signal_with_alarms(values, alarms, scores, thresholds, labels, path=path)
    check_png(path)
    top, bottom = figure.axes
    assert top.get_title() == f"{alarms.sum()} alarms"
    assert [t.get_text() for t in bottom.get_legend().get_texts()] == ["score", "threshold"]


def test_signal_alone_is_one_panel_and_several_features_work(run, tmp_path):
    values, labels, _, _, alarms = run
    figure = plot.signal_with_alarms(np.c_[values, -values], alarms, path=tmp_path / "s.png")
    assert len(figure.axes) == 1
    assert len(figure.axes[0].lines) == 2
    check_png(tmp_path / "s.png")


@pytest.mark.parametrize("name", ["score_distributions", "roc_curve", "pr_curve"])
def test_score_figures(name, run, tmp_path):
    _, labels, scores, _, _ = run
    path = tmp_path / f"{name}.png"
    getattr(plot, name)(scores, labels, path=path)
    check_png(path)


def test_confusion_matrix(run, tmp_path):
    _, labels, _, _, alarms = run
    path = tmp_path / "confusion.png"
    figure = plot.confusion_matrix(labels, alarms, path=path)
    check_png(path)
    texts = [int(t.get_text()) for t in figure.axes[0].texts]
    assert sum(texts) == len(labels) and texts[3] == (alarms & (labels == 1)).sum()


def test_mismatched_lengths_are_refused(run):
    values, labels, scores, _, alarms = run
    with pytest.raises(ValueError, match="alarms has 999 points"):
        plot.signal_with_alarms(values, alarms[:-1])
    with pytest.raises(ValueError, match="scores has 10 points"):
        plot.signal_with_alarms(values, alarms, scores[:10])


def test_curves_need_both_classes():
    with pytest.raises(ValueError, match="both normal and anomalous"):
        plot.roc_points([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match="at least one anomalous"):
        plot.pr_points([0.1, 0.2], [0, 0])


def test_curve_ends():
    fpr, tpr = plot.roc_points([0.3, 0.1, 0.9, 0.5], [0, 0, 1, 1])
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    recall, precision = plot.pr_points([0.3, 0.1, 0.9, 0.5], [0, 0, 1, 1])
    assert recall[-1] == 1 and precision[-1] == 0.5


def test_importing_streamad_needs_no_matplotlib():
    code = "import sys, streamad, streamad.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
