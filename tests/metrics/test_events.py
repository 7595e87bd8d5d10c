"""Point and event metrics on hand-computed cases, and against scikit-learn where installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamad.metrics import (
    Confusion,
    best_f1,
    confusion,
    detection_delays,
    event_recall,
    f1_score,
    point_adjust,
    point_adjusted_f1,
    pr_auc,
    roc_auc,
    segments,
)

Y = [0, 1, 1, 0, 0, 1, 1, 1, 0, 1]
ALARMS = [1, 0, 0, 0, 0, 0, 1, 0, 0, 1]


def test_roc_auc_counts_ties_as_half() -> None:
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.4, 0.8]) == pytest.approx(0.875)
    assert roc_auc([1, 1, 0, 0], [0.1, 0.4, 0.4, 0.8]) == pytest.approx(0.125)


def test_pr_auc_and_best_f1_by_hand() -> None:
    y, s = [1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.2, 0.1]
    assert pr_auc(y, s) == pytest.approx((1 + 2 / 3) / 2)
    f1, threshold = best_f1(y, s)
    assert (f1, threshold) == (pytest.approx(0.8), 0.7)
    assert best_f1([0, 1, 1], [0.5, 0.9, 0.9]) == (1.0, 0.9)


def test_one_class_gives_nan() -> None:
    assert math.isnan(roc_auc([0, 0, 0], [0.1, 0.2, 0.3]))
    assert math.isnan(roc_auc([1, 1], [0.1, 0.2]))
    assert math.isnan(pr_auc([0, 0], [0.1, 0.2]))
    assert pr_auc([1, 1], [0.1, 0.2]) == 1.0
    assert all(math.isnan(v) for v in best_f1([0, 0], [0.1, 0.2]))
    assert math.isnan(f1_score([0, 0], [1, 0]))
    assert math.isnan(event_recall([0, 0], [1, 0]))
    assert detection_delays([0, 0], [1, 0]) == []


def test_confusion_and_f1() -> None:
    assert confusion(Y, ALARMS) == Confusion(tn=3, fp=1, fn=4, tp=2)
    assert f1_score(Y, ALARMS) == pytest.approx(4 / 9)
    assert confusion([True, False], [True, True]).fp == 1


def test_segments_and_events() -> None:
    assert segments(Y) == [(1, 3), (5, 8), (9, 10)]
    assert segments([0, 0]) == []
    assert segments([1, 1]) == [(0, 2)]
    assert detection_delays(Y, ALARMS) == [None, 1, 0]
    assert event_recall(Y, ALARMS) == pytest.approx(2 / 3)


def test_point_adjust_fills_detected_events_only() -> None:
    adjusted = point_adjust(Y, ALARMS)
    assert adjusted.astype(int).tolist() == [1, 0, 0, 0, 0, 1, 1, 1, 0, 1]
    # tp = 4 (event 2 whole, event 3), fp = 1, fn = 2 (event 1)
    assert point_adjusted_f1(Y, ALARMS) == pytest.approx(8 / 11)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="points"):
        roc_auc([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="0/1"):
        confusion([0, 2], [0, 1])
    with pytest.raises(ValueError, match="alarms"):
        point_adjust([0, 1], [0.5, 1])
    with pytest.raises(ValueError, match="NaN"):
        pr_auc([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="one-dimensional"):
        segments([[0, 1]])


def test_agrees_with_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = rng.random(300) < 0.2
        scores = np.round(rng.random(300) + 0.3 * y, 1)  # coarse: many ties
        assert roc_auc(y, scores) == pytest.approx(metrics.roc_auc_score(y, scores))
        assert pr_auc(y, scores) == pytest.approx(metrics.average_precision_score(y, scores))
        alarms = scores >= 0.8
        assert f1_score(y, alarms) == pytest.approx(metrics.f1_score(y, alarms))
        assert tuple(confusion(y, alarms)) == tuple(metrics.confusion_matrix(y, alarms).ravel())
        precision, recall, _ = metrics.precision_recall_curve(y, scores)
        f1 = np.max(2 * precision * recall / np.maximum(precision + recall, 1e-300))
        assert best_f1(y, scores)[0] == pytest.approx(f1)
