"""PRCurveThreshold: calibrated on a labelled prefix, then fixed."""

from __future__ import annotations

import pytest
from river import preprocessing

from streamad.thresholds import PRCurveThreshold

SCORES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
LABELS = [0, 0, 1, 0, 1, 1]


def calibrate(model, scores=SCORES, labels=LABELS):
    for s, y in zip(scores, labels, strict=True):
        model.classify(model.score_one({"v": s}))
        model.learn_one({"v": s}, y)


RULES = [("precision_equals_recall", 0.35), ("best_f1", 0.25)]


@pytest.mark.parametrize(("rule", "expected"), RULES)
def test_threshold_fixed_after_calibration(rule, expected, value):
    model = PRCurveThreshold(value(), n_calibration=6, rule=rule)
    calibrate(model, SCORES[:5], LABELS[:5])
    assert model.threshold is None
    calibrate(model, SCORES[5:], LABELS[5:])
    assert model.threshold == pytest.approx(expected)
    calibrate(model, [9.0, 9.0], [0, 0])  # later labels change nothing
    assert model.threshold == pytest.approx(expected)
    assert model.classify(expected + 0.01) and not model.classify(expected - 0.01)


def test_unlabelled_samples_are_not_calibration_samples(value):
    model = PRCurveThreshold(value(), n_calibration=6)
    calibrate(model, [5.0, 5.0, 5.0], [None, None, None])
    calibrate(model)
    assert model.threshold == pytest.approx(0.35)


def test_no_anomaly_in_the_prefix_warns_and_waits(value):
    model = PRCurveThreshold(value(), n_calibration=3)
    with pytest.warns(UserWarning, match="no anomaly"):
        calibrate(model, [0.1, 0.2, 0.3], [0, 0, 0])
    assert model.threshold is None
    calibrate(model, [0.9], [1])
    assert model.threshold == pytest.approx(0.6)  # one alarm for one anomaly: between 0.9, 0.3


def test_bad_label_is_refused(value):
    model = PRCurveThreshold(value(), n_calibration=3)
    with pytest.raises(ValueError, match="label y"):
        model.learn_one({"v": 1.0}, 2)


def test_labels_reach_the_filter_through_a_pipeline(value):
    model = preprocessing.StandardScaler() | PRCurveThreshold(value(), n_calibration=6)
    for s, y in zip(SCORES, LABELS, strict=True):
        model.score_one({"v": s})
        model.learn_one({"v": s}, y)
    assert model[-1].threshold is not None
