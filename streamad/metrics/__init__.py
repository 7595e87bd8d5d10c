"""Metrics for anomaly detection: the NAB scorer and point/event metrics over label arrays."""

from streamad.metrics.alarms import event_precision, false_alarms_per_1000
from streamad.metrics.events import (
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
from streamad.metrics.nab import (
    REWARD_LOW_FN_RATE,
    REWARD_LOW_FP_RATE,
    STANDARD,
    FileScore,
    Profile,
    normalised_score,
    probation_length,
    scaled_sigmoid,
    score_file,
)
from streamad.metrics.nab_corpus import (
    ThresholdScore,
    ThresholdSweep,
    optimise_threshold,
    score_corpus,
    sweep_thresholds,
)
from streamad.metrics.nab_files import NabResult, read_nab_results
from streamad.metrics.nab_windows import check_windows, windows_from_labels, windows_from_limits

__all__ = [
    "REWARD_LOW_FN_RATE",
    "REWARD_LOW_FP_RATE",
    "STANDARD",
    "Confusion",
    "FileScore",
    "NabResult",
    "Profile",
    "ThresholdScore",
    "ThresholdSweep",
    "best_f1",
    "check_windows",
    "confusion",
    "detection_delays",
    "event_precision",
    "event_recall",
    "f1_score",
    "false_alarms_per_1000",
    "normalised_score",
    "optimise_threshold",
    "point_adjust",
    "point_adjusted_f1",
    "pr_auc",
    "probation_length",
    "read_nab_results",
    "roc_auc",
    "scaled_sigmoid",
    "score_corpus",
    "score_file",
    "segments",
    "sweep_thresholds",
    "windows_from_labels",
    "windows_from_limits",
]
