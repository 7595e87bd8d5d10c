"""The figures render to readable PNG files and hold the artists a reader needs: a legend
naming the features, each alarm on the feature to blame, labelled runs as shaded spans, a time
axis when there are times, a heatmap of blame for many features. matplotlib stays optional."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from streamad import plot
from streamad.plot import _marks

pytest.importorskip("matplotlib")

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
    assert legend(top) == ["value", "labelled anomaly", "alarm"]
    assert markers(top)[:, 1].tolist() == values[alarms].tolist()


def test_signal_alone_is_one_panel_and_several_features_work(run, tmp_path):
    values, labels, _, _, alarms = run
    figure = plot.signal_with_alarms(np.c_[values, -values], alarms, path=tmp_path / "s.png")
    assert len(figure.axes) == 1
    lines = [line.get_label() for line in figure.axes[0].lines]
    assert lines == ["feature 0", "feature 1", "alarm, no feature to blame"]
    check_png(tmp_path / "s.png")


def legend(axes):
    return [text.get_text() for text in axes.get_legend().get_texts()]


def markers(axes):
    """The alarm crosses of a panel: x and y of each."""
    (crosses,) = [c for c in axes.collections if c.get_label().startswith("alarm")]
    return np.asarray(crosses.get_offsets())


@pytest.fixture(scope="module")
def servers():
    """Three server metrics on different scales; each alarm blames one of them."""
    rng = np.random.default_rng(1)
    n = 600
    values = np.c_[
        50 + 5 * np.sin(np.arange(n) / 30), 20 + rng.normal(0, 1, n), 5 + rng.normal(0, 0.2, n)
    ]
    blame = {120: [("disk_io", 0.8), ("cpu", 0.15), ("mem", 0.05)], 400: [("cpu", 0.9)]}
    values[120, 2] += 10
    values[400, 0] += 30
    alarms = np.zeros(n, bool)
    alarms[[120, 400, 500]] = True  # 500: no attribution
    labels = np.zeros(n, int)
    labels[[118, 119, 120, 121, 400, 450]] = 1  # three runs
    return values, alarms, labels, blame, ["cpu", "mem", "disk_io"]


def test_the_legend_names_the_features(servers):
    values, alarms, labels, blame, names = servers
    figure = plot.signal_with_alarms(values, alarms, labels=labels, features=names, blame=blame)
    assert legend(figure.axes[0])[:3] == names
    assert "labelled anomaly" in legend(figure.axes[0])


def test_each_alarm_is_marked_on_the_feature_to_blame_at_its_value(servers):
    values, alarms, labels, blame, names = servers
    figure = plot.signal_with_alarms(
        values, alarms, labels=labels, features=names, blame=blame, start=1000
    )
    top = figure.axes[0]
    xy = markers(top)
    assert xy[:, 0].tolist() == [1120, 1400]  # positions in the stream
    assert xy[:, 1].tolist() == [values[120, 2], values[400, 0]]  # disk_io, then cpu
    (ticks,) = [line for line in top.lines if line.get_label() == "alarm, no feature to blame"]
    assert ticks.get_xdata().tolist() == [1500]  # the alarm without attribution, along the top


def test_label_runs_are_shaded_spans_not_rings(servers):
    values, alarms, labels, blame, names = servers
    figure = plot.signal_with_alarms(
        values, alarms, np.ones(600), labels=labels, features=names, blame=blame
    )
    top, bottom = figure.axes
    assert len(_marks.segments(labels)) == 3
    assert len(top.patches) == 3 and len(bottom.patches) == 3
    assert [c.get_label() for c in top.collections] == ["alarm, on the feature to blame"]


def test_times_give_a_date_axis(servers, tmp_path):
    from matplotlib import dates

    values, alarms, labels, blame, names = servers
    times = [dt.datetime(2014, 2, 1) + dt.timedelta(minutes=5 * i) for i in range(600)]
    figure = plot.signal_with_alarms(
        values,
        alarms,
        np.ones(600),
        labels=labels,
        features=names,
        blame=blame,
        times=times,
        path=tmp_path / "t.png",
    )
    check_png(tmp_path / "t.png")
    bottom = figure.axes[-1]
    assert isinstance(bottom.xaxis.get_major_formatter(), dates.ConciseDateFormatter)
    assert bottom.get_xlabel() == "time (2014-02-01 00:00 to 2014-02-03 01:55)"
    assert markers(figure.axes[0])[0, 0] == pytest.approx(dates.date2num(times[120]))
    untimed = plot.signal_with_alarms(values, alarms, times=[f"{i}" for i in range(600)])
    assert untimed.axes[-1].get_xlabel() == "sample"


def test_many_features_draw_the_most_to_blame_and_a_heatmap(tmp_path):
    rng = np.random.default_rng(2)
    n, k = 800, 38
    values = rng.uniform(0, 1, (n, k))
    names = [f"dim_{j}" for j in range(k)]
    alarms = np.zeros(n, bool)
    blame = {}
    for i, j in [(100, 3), (101, 3), (400, 17), (600, 30), (601, 3)]:
        alarms[i] = True
        blame[i] = [(f"dim_{j}", 0.7), ("dim_0", 0.2), ("dim_1", 0.1)]
    path = tmp_path / "many.png"
    figure = plot.signal_with_alarms(
        values, alarms, rng.uniform(0, 1, n), features=names, blame=blame, path=path
    )
    check_png(path)
    top, heat = figure.axes[:2]
    ranked = ["dim_3", "dim_0", "dim_17", "dim_30", "dim_1"]  # by summed shares
    assert legend(top)[:5] == ranked and len(top.lines) == 5
    assert top.get_legend().get_title().get_text() == "5 of 38 features: the most to blame"
    (mesh,) = heat.collections
    assert mesh.get_array().shape == (5, 150)  # the blamed features by time bins
    assert [t.get_text() for t in heat.get_yticklabels()] == ranked
    xy = markers(top)
    assert xy[:, 1].tolist() == [
        values[i, j] for i, j in [(100, 3), (101, 3), (400, 17), (600, 30), (601, 3)]
    ]


def test_few_features_have_no_heatmap(servers):
    values, alarms, labels, blame, names = servers
    figure = plot.signal_with_alarms(values, alarms, np.ones(600), features=names, blame=blame)
    assert len(figure.axes) == 2


def test_report_plot_names_the_stream_and_marks_the_blamed_features(tmp_path):
    from streamad import Monitor, RollingDetector
    from streamad.evaluate import prequential

    t = np.arange(500)
    rows = np.c_[np.sin(t / 20), np.cos(t / 15), np.sin(t / 30 + 1)] * 2
    rows[300, 1] += 12
    stream = [
        (dict(zip("abc", map(float, row), strict=True)), int(i == 300))
        for i, row in enumerate(rows)
    ]
    times = [f"2014-02-01 {i // 60:02d}:{i % 60:02d}:00" for i in range(500)]
    monitor = Monitor(RollingDetector(window_size=8, hidden_size=8, clip_grad=1.0))
    report = prequential(stream, monitor, timestamps=times, store_values=True)
    alarm = next(a for a in report.alarm_list if a.index == 300)
    figure = report.plot(tmp_path / "report.png")
    check_png(tmp_path / "report.png")
    top = figure.axes[0]
    assert top.get_title().startswith(report.source)
    assert legend(top)[:3] == ["a", "b", "c"]
    xy = markers(top)
    blamed = [rows[a.index, "abc".index(a.feature)] for a in report.alarm_list]
    assert xy[:, 1].tolist() == blamed and alarm.feature == "b"
    assert len(top.patches) == 1  # the one labelled sample, as a span


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
