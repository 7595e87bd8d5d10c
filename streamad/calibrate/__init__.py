"""Calibration: a raw anomaly score in, a number in [0, 1] that a person can read out.

A reconstruction error means little by itself (is 0.8 a lot?). A calibrator turns it into a
statement about this stream's own history:

- :class:`Percentile` (the :class:`~streamad.Monitor`'s default): the share of the recent
  scores the monitor learned from (every trusted sample, alarms included) that this score
  exceeds. 0.999 reads "higher than 99.9% of the last
  ``window`` scores": a rank, not a probability that the sample is an anomaly.
- :class:`Likelihood`: HTM's anomaly likelihood (Ahmad et al. 2017): how improbable the
  average of the last few scores is under a Gaussian fitted to a long history of averages,
  with HTM's run filter and, for univariate streams, its range rule (both options).

Neither is a probability of anomaly: an autoencoder's error is not a likelihood of the data,
and these maps only say how unusual a score is *for this stream so far*. The maths are pure
functions (:func:`percentile_rank`, :func:`gaussian_tail`, :func:`outside_range`); the classes
keep the state and share one small interface: ``calibrate(score, x) -> float | None`` (no
state change; None while warming up) and ``learn(score, x)``, plus ``get_state``/``set_state``
as plain data.
"""

from __future__ import annotations

from streamad.calibrate.likelihood import Likelihood
from streamad.calibrate.maths import gaussian_tail, outside_range, percentile_rank
from streamad.calibrate.percentile import Percentile

__all__ = ["Likelihood", "Percentile", "gaussian_tail", "outside_range", "percentile_rank"]
