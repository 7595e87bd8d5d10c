"""The pure threshold rules."""

from __future__ import annotations

import numpy as np
import pytest

from streamad.thresholds import alarm_counts, threshold_from_pr_curve
from streamad.thresholds._rules import exceeds


def test_precision_equals_recall_alarms_as_many_points_as_anomalies():
    rng = np.random.default_rng(0)
    scores = rng.random(500)
    labels = (scores + rng.normal(0, 0.2, 500) > 0.9).astype(int)
    threshold = threshold_from_pr_curve(scores, labels)
    assert (scores > threshold).sum() == labels.sum()


def test_best_f1_is_the_best_point():
    rng = np.random.default_rng(1)
    scores = rng.random(300)
    labels = (scores + rng.normal(0, 0.3, 300) > 1.0).astype(int)
    threshold = threshold_from_pr_curve(scores, labels, rule="best_f1")

    def f1(t):
        alarms = scores > t
        tp = (alarms & (labels == 1)).sum()
        return 2 * tp / (alarms.sum() + labels.sum())

    assert f1(threshold) == pytest.approx(max(f1(t - 1e-12) for t in scores))


def test_ties_and_the_all_alarm_point():
    # tied scores move together; alarming everything puts the threshold below the lowest score
    assert threshold_from_pr_curve([0.5, 0.5, 0.2], [1, 0, 0]) == pytest.approx(0.35)
    assert threshold_from_pr_curve([0.4, 0.4], [1, 1]) < 0.4
    assert threshold_from_pr_curve([0.0, 0.0], [1, 1]) < 0.0


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([0.1, 0.2], [0, 0], "no anomaly"),
        ([0.1, 0.2], [0, 1, 1], "2 scores but 3 labels"),
        ([0.1, float("nan")], [0, 1], "finite"),
        ([0.1, 0.2], [0, 2], "0/1"),
        ([], [], "empty"),
    ],
)
def test_bad_input_is_refused(scores, labels, message):
    with pytest.raises(ValueError, match=message):
        threshold_from_pr_curve(scores, labels)


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="rule"):
        threshold_from_pr_curve([0.1, 0.2], [0, 1], rule="f2")


def test_alarm_counts_cover_every_distinct_score():
    thresholds, tp, fp = alarm_counts([3, 1, 2, 2], [True, False, True, False])
    assert thresholds.tolist() == [3, 2, 1]
    assert tp.tolist() == [1, 2, 2] and fp.tolist() == [0, 1, 2]


def test_exceeds_is_strict_and_none_never_alarms():
    assert exceeds(1.0 + 1e-12, 1.0) and not exceeds(1.0, 1.0) and not exceeds(1e300, None)
