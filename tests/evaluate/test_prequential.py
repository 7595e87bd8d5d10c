"""The prequential loop: order of calls, metrics, block mode, baselines, storage, reports."""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from river import anomaly, preprocessing

from streamad import Monitor, RollingDetector
from streamad.evaluate import Report, prequential
from streamad.synth import SineWithSpikes
from streamad.thresholds import FixedThreshold, SigmaThreshold

# A short labelled stream: values with two anomalous events, the second two samples long.
VALUES = [0.1, 0.3, 0.2, 5.0, 0.4, 0.2, 0.1, 0.3, 4.0, 0.7, 0.2, 0.6, 0.3, 0.1, 0.5, 0.2]
LABELS = [0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
STREAM = [({"v": v}, y) for v, y in zip(VALUES, LABELS, strict=True)]


class Spy(anomaly.base.AnomalyDetector):
    """Scores a sample by its value ``v``; records every call."""

    def __init__(self, log: list | None = None):
        self.log = [] if log is None else log

    def score_one(self, x):
        self.log.append(("score", x["v"]))
        return x["v"]

    def learn_one(self, x):
        self.log.append(("learn", x["v"]))


class BlockSpy(Spy):
    def score_many(self, X):
        self.log.append(("score_many", [x["v"] for x in X]))
        return np.array([x["v"] for x in X])

    def learn_many(self, X):
        self.log.append(("learn_many", [x["v"] for x in X]))


def _alternating(log, values):
    return log == [(kind, v) for v in values for kind in ("score", "learn")]


@pytest.mark.parametrize(
    "wrap",
    [
        lambda d: d,
        lambda d: FixedThreshold(d, threshold=10.0),
        lambda d: SigmaThreshold(d, k=2.0, warmup=2, protect_anomaly_detector=False),
        lambda d: anomaly.QuantileFilter(d, q=0.5, protect_anomaly_detector=False),
    ],
    ids=["bare", "fixed", "sigma", "river-quantile"],
)
def test_each_sample_is_scored_once_then_learned(wrap):
    spy = Spy()
    prequential(STREAM, wrap(spy))
    assert _alternating(spy.log, VALUES)


def test_a_threshold_factory_wraps_the_model_and_scores_once():
    spy = Spy()
    report = prequential(STREAM, spy, threshold=functools.partial(FixedThreshold, threshold=3.0))
    # alarmed samples (5.0 and 4.0) are scored but not learned: the filter protects the detector
    expected = [e for v in VALUES for e in [("score", v)] + ([("learn", v)] if v <= 3 else [])]
    assert spy.log == expected
    assert report.alarms.tolist() == [v > 3.0 for v in VALUES]
    assert report.thresholds.tolist() == [3.0] * len(VALUES)


def test_scalers_learn_then_transform_and_the_detector_sees_the_scaled_sample():
    spy = Spy()
    prequential(STREAM, preprocessing.StandardScaler() | spy)
    scaler, expected = preprocessing.StandardScaler(), []
    for x, _ in STREAM:
        scaler.learn_one(x)
        expected.append(scaler.transform_one(x)["v"])
    assert _alternating(spy.log, expected)


def test_sigma_filter_inside_a_pipeline_is_found():
    spy = Spy()
    report = prequential(STREAM, preprocessing.StandardScaler() | SigmaThreshold(spy, warmup=3))
    assert report.alarms is not None and np.isnan(report.thresholds[:3]).all()
    assert [kind for kind, _ in spy.log].count("score") == len(STREAM)


def test_end_metrics_match_independent_computations():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    report = prequential(STREAM, FixedThreshold(Spy(), threshold=0.55))
    m = report.metrics
    assert m["roc_auc"] == pytest.approx(sklearn_metrics.roc_auc_score(LABELS, VALUES))
    assert m["pr_auc"] == pytest.approx(sklearn_metrics.average_precision_score(LABELS, VALUES))
    assert m["rolling_roc_auc"] == pytest.approx(m["roc_auc"])  # the window covers the stream
    alarms = [v > 0.55 for v in VALUES]
    tn, fp, fn, tp = sklearn_metrics.confusion_matrix(LABELS, alarms).ravel()
    assert (m["tn"], m["fp"], m["fn"], m["tp"]) == (tn, fp, fn, tp)
    assert m["precision"] == pytest.approx(sklearn_metrics.precision_score(LABELS, alarms))
    assert m["f1"] == pytest.approx(sklearn_metrics.f1_score(LABELS, alarms))
    f1s = [sklearn_metrics.f1_score(LABELS, [v >= t for v in VALUES]) for t in VALUES]
    assert m["best_f1"] == pytest.approx(max(f1s))
    # events at 3 and 8-9; 0.7 at sample 9 alarms one sample after the second event starts
    assert m["n_events"] == 2 and m["event_recall"] == 1.0
    assert m["detection_delays"] == [0, 0]


def test_detection_delay_counts_samples_to_the_first_alarm():
    report = prequential(STREAM, FixedThreshold(Spy(), threshold=4.5))
    assert report.metrics["detection_delays"] == [0, None]
    assert report.metrics["event_recall"] == 0.5


@pytest.mark.parametrize("scaled", [False, True])
def test_block_mode_scores_are_score_many_then_learn_many(scaled):
    stream = list(SineWithSpikes(n=120, spikes=((50, 8.0),)))
    params = {"window_size": 6, "hidden_size": 4, "lr": 0.05}
    model = RollingDetector(**params)
    report = prequential(
        stream, preprocessing.StandardScaler() | model if scaled else model, block_size=16
    )
    twin, scaler, expected = RollingDetector(**params), preprocessing.StandardScaler(), []
    for start in range(0, len(stream), 16):
        block = [x for x, _ in stream[start : start + 16]]
        if scaled:
            block = [scaler.learn_one(x) or scaler.transform_one(x) for x in block]
        expected.extend(twin.score_many(block))
        twin.learn_many(block)
    np.testing.assert_allclose(report.scores, expected, rtol=1e-6)
    assert report.block_size == 16 and report.n_samples == 120


def test_block_mode_with_a_filter_leaves_protected_samples_out_of_learn_many():
    spy = BlockSpy()
    report = prequential(STREAM, FixedThreshold(spy, threshold=3.0), block_size=8)
    assert spy.log == [
        ("score_many", VALUES[:8]),
        ("learn_many", [v for v in VALUES[:8] if v <= 3]),
        ("score_many", VALUES[8:]),
        ("learn_many", [v for v in VALUES[8:] if v <= 3]),
    ]
    assert report.alarms.tolist() == [v > 3.0 for v in VALUES]


def test_block_size_one_matches_score_one_then_learn_one():
    stream = list(SineWithSpikes(n=60, spikes=((30, 8.0),)))
    report = prequential(stream, RollingDetector(window_size=5, hidden_size=4, lr=0.05))
    twin, expected = RollingDetector(window_size=5, hidden_size=4, lr=0.05), []
    for x, _ in stream:
        expected.append(twin.score_one(x))
        twin.learn_one(x)
    np.testing.assert_allclose(report.scores, expected, rtol=1e-6)


def test_baselines_run_through_the_same_function():
    from deep_river.anomaly import RollingAutoencoder

    from streamad.modules import Cho

    stream = SineWithSpikes(n=200, spikes=((120, 10.0),))
    hst = prequential(stream, preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42))
    deep = prequential(
        stream,
        preprocessing.MinMaxScaler()
        | RollingAutoencoder(module=Cho(n_features=1, hidden_size=4), window_size=5, lr=0.01),
        threshold=functools.partial(SigmaThreshold, k=2.0),
    )
    for report in (hst, deep):
        assert report.n_samples == 200 and len(report.scores) == 200
        assert 0.0 <= report.metrics["roc_auc"] <= 1.0
    assert deep.model.startswith("SigmaThreshold(anomaly_detector=MinMaxScaler() | Rolling")
    assert "n_alarms" in deep.metrics and "n_alarms" not in hst.metrics


def test_json_round_trip(tmp_path):
    report = prequential(
        SineWithSpikes(n=80, spikes=((40, 9.0),)),
        SigmaThreshold(RollingDetector(window_size=5, hidden_size=4), warmup=10),
        store_values=True,
    )
    report.to_json(tmp_path / "r.json")
    back = Report.from_json(tmp_path / "r.json")
    assert str(back) == str(report)
    for name in ("scores", "labels", "alarms", "thresholds", "values"):
        np.testing.assert_array_equal(getattr(back, name), getattr(report, name))
    assert back.labels.dtype == report.labels.dtype and back.alarms.dtype == bool
    assert back.features == ["value"] and back.values.shape == (80, 1)
    assert math.isnan(back.thresholds[0])  # warm-up: no threshold yet
    assert back.metrics.keys() == report.metrics.keys() and back.timings == report.timings


def test_bounded_storage_keeps_the_last_n():
    stream = [({"v": float(i % 7)}, int(i % 7 == 6)) for i in range(300)]
    full = prequential(stream, Spy())
    last = prequential(stream, Spy(), store_scores=100)
    assert last.n_samples == 300 and last.start == 200 and len(last.scores) == 100
    np.testing.assert_array_equal(last.scores, full.scores[200:])
    np.testing.assert_array_equal(last.labels, full.labels[200:])
    assert "cover the last 100" in str(last)
    none = prequential(stream, Spy(), store_scores=False)
    assert len(none.scores) == 0 and set(none.metrics) == {"rolling_roc_auc", "rolling_window"}
    assert "latency_p50_ms" in none.timings


def test_unlabelled_stream_has_no_label_metrics():
    stream = [(x, None) for x, _ in STREAM]
    report = prequential(stream, FixedThreshold(Spy(), threshold=3.0))
    assert report.labels is None and report.metrics == {"n_alarms": 2}
    assert "ROC" not in str(report)


def test_max_samples_and_generators():
    report = prequential((pair for pair in itertools.cycle(STREAM)), Spy(), max_samples=40)
    assert report.n_samples == 40 and report.timings["throughput"] > 0


@pytest.mark.parametrize("block_size", [0, -1, 1.5, True])
def test_bad_block_size(block_size):
    with pytest.raises(ValueError, match="block_size"):
        prequential(STREAM, Spy(), block_size=block_size)


def test_bad_arguments_get_clear_errors():
    with pytest.raises(TypeError, match="has no score_one"):
        prequential(STREAM, preprocessing.StandardScaler())
    with pytest.raises(ValueError, match="score_many and learn_many"):
        prequential(STREAM, anomaly.HalfSpaceTrees(), block_size=4)
    with pytest.raises(ValueError, match="already decides its alarms"):
        prequential(STREAM, FixedThreshold(Spy(), 1.0), threshold=SigmaThreshold)
    with pytest.raises(ValueError, match="already decides its alarms"):
        prequential(STREAM, Monitor(), threshold=SigmaThreshold)
    with pytest.raises(TypeError, match="factory"):
        prequential(STREAM, Spy(), threshold=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="store_scores"):
        prequential(STREAM, Spy(), store_scores=-5)
    with pytest.raises(TypeError, match=r"\(x, y\) pairs"):
        prequential([{"v": 1.0}], Spy())
    with pytest.raises(TypeError, match="x must be a dict"):
        prequential([([1.0], 0)], Spy())
    with pytest.raises(TypeError, match="iterable"):
        prequential(42, Spy())  # type: ignore[arg-type]


def test_progress_bar_can_be_forced(capsys):
    prequential(STREAM, Spy(), progress=True)
    assert "samples" in capsys.readouterr().err


def test_plot_writes_the_two_panel_png(tmp_path):
    pytest.importorskip("matplotlib")
    model = FixedThreshold(RollingDetector(window_size=4, hidden_size=2), threshold=1.0)
    report = prequential(SineWithSpikes(n=100, spikes=((50, 9.0),)), model, store_values=True)
    figure = report.plot(tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 0 and len(figure.axes) >= 2


def test_creditcard_first_rows_through_the_api(data_dir):
    from streamad.datasets import CreditCard

    stream = CreditCard(data_dir / "creditcard" / "creditcard.csv.gz")
    model = preprocessing.StandardScaler() | RollingDetector(window_size=10, hidden_size=8)
    report = prequential(stream, model, max_samples=700)  # frauds at rows 541 and 623
    assert report.n_samples == 700 and report.labels.sum() == 2
    assert 0.0 <= report.metrics["rolling_roc_auc"] <= 1.0
    assert report.metrics["rolling_roc_auc"] == pytest.approx(report.metrics["roc_auc"])


def test_rolling_auc_is_nan_when_its_window_holds_one_class():
    stream = [({"v": 1.0}, 1)] + [({"v": 0.01 * i}, 0) for i in range(20)]
    report = prequential(stream, Spy(), rolling_window=10)
    assert math.isnan(report.metrics["rolling_roc_auc"])  # River itself would say 0.0
    assert report.metrics["roc_auc"] == 1.0


def test_a_monitor_decides_its_own_alarms_as_its_live_loop_does():
    def monitor() -> Monitor:
        return Monitor(RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0))

    live = monitor()
    expected = [live.process_one(x, y) for x, y in SineWithSpikes()]
    report = prequential(SineWithSpikes(), monitor(), progress=False)
    assert report.alarms.tolist() == [a.is_alarm for a in expected]
    assert report.scores.tolist() == [a.score for a in expected]
    blocks = prequential(SineWithSpikes(), monitor(), block_size=8, progress=False)
    assert blocks.alarms is not None and len(blocks.alarms) == 1000
