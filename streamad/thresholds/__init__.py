"""Thresholds: River anomaly filters that turn a score into an alarm, and alarm explanations.

Each filter wraps a detector (or a pipeline ending in one), as River's ``ThresholdFilter``
does: ``score_one`` returns the detector's score, ``classify(score)`` says whether it is an
alarm (strictly above ``threshold``), and ``learn_one`` lets the detector learn, unless
``protect_anomaly_detector`` is set and the sample is an alarm, then updates the threshold.
A filter scores each sample once: ``learn_one`` reuses the score of the ``score_one`` before.
While a filter warms up its ``threshold`` is None and it raises no alarm. ``update_threshold``
updates the threshold alone (``learn_one`` calls it): it leaves out scores that are not
finite, counting them in ``n_ignored``, and bounds what one huge score can do to the
statistics. ``get_state`` and ``set_state`` save and restore the threshold as plain data.

`RateThreshold` (the Monitor's default) targets a false-alarm rate, `FixedThreshold` holds
a constant, `SigmaThreshold` follows ``mean + k * std``, `QuantileThreshold` a high quantile,
`SPOTThreshold` an extreme-value tail (SPOT/DSPOT), and `PRCurveThreshold` is calibrated on
labels. `explain` breaks a score down by feature into an `Alarm`; `top_k_hit_rate` measures
such rankings against the true features. The threshold rules are pure functions:
`rank_threshold`, `threshold_from_pr_curve`, `alarm_counts`, `fit_gpd`, `pot_quantile`.
"""

from __future__ import annotations

from streamad.thresholds._gpd import fit_gpd, pot_quantile
from streamad.thresholds._rules import alarm_counts, threshold_from_pr_curve
from streamad.thresholds.alarm import Alarm, attribution, explain, top_k_hit_rate
from streamad.thresholds.fixed import FixedThreshold
from streamad.thresholds.pr_curve import PRCurveThreshold
from streamad.thresholds.quantile import QuantileThreshold
from streamad.thresholds.rate import RateThreshold, rank_threshold
from streamad.thresholds.sigma import SigmaThreshold
from streamad.thresholds.spot import SPOTThreshold

__all__ = [
    "Alarm",
    "FixedThreshold",
    "PRCurveThreshold",
    "QuantileThreshold",
    "RateThreshold",
    "SPOTThreshold",
    "SigmaThreshold",
    "alarm_counts",
    "attribution",
    "explain",
    "fit_gpd",
    "pot_quantile",
    "rank_threshold",
    "threshold_from_pr_curve",
    "top_k_hit_rate",
]
