"""Likelihood: HTM's anomaly likelihood of a score stream, with its run filter and range rule."""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from streamad.calibrate.maths import gaussian_tail, outside_range

__all__ = ["Likelihood"]


class Likelihood:
    """How improbable the recent average score is under a Gaussian of a long history, in [0, 1].

    The average of the last ``short`` scores is compared with the mean and standard deviation
    of the last ``history`` such averages (:func:`~streamad.calibrate.gaussian_tail`), as HTM's
    anomaly likelihood does. Alone it is a poor detector for an LSTM's error, which is
    heavy-tailed and stays high for a run of samples while the model adapts (each sample of
    such a run is then a false positive), so two of HTM's rules are offered:

    - ``run_filter``: only the first value of a run above ``peak`` keeps it; the rest of the
      run is lowered to ``1 - 10 * (1 - peak)`` (0.9999 for the default 0.99999);
    - ``range_rule`` (univariate streams): 1.0 when the sample's value lies more than 5% of the
      range seen so far outside that range (:func:`~streamad.calibrate.outside_range`).

    ``calibrate`` gives None until ``warmup`` averages are learned.

    Parameters
    ----------
    history
        Averages the Gaussian is fitted to (HTM: 8,640).
    short
        Scores averaged (HTM: 10).
    warmup
        Averages learned before a value is given.
    run_filter
        Keep only the first of each run of values above ``peak``.
    peak
        The level a run must pass.
    range_rule
        Apply the range rule to a one-feature sample ``x``.

    Examples
    --------
    >>> from streamad.calibrate import Likelihood
    >>> calibration = Likelihood(history=500, warmup=50)
    >>> for i in range(400):
    ...     calibration.learn(1.0 + 0.1 * (i % 7), {"value": float(i % 7)})
    >>> round(calibration.calibrate(1.3, {"value": 3.0}), 3)
    0.525
    >>> calibration.calibrate(1.3, {"value": 9.0})  # outside the range 0..6, by more than 5%
    1.0
    """

    def __init__(
        self,
        history: int = 8640,
        short: int = 10,
        warmup: int = 300,
        run_filter: bool = True,
        peak: float = 0.99999,
        range_rule: bool = True,
    ) -> None:
        for name, value in (("history", history), ("short", short), ("warmup", warmup)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, not {value!r}")
        if not 0 < peak < 1:
            raise ValueError(f"peak must be in (0, 1), not {peak!r}")
        self.history = history
        self.short = short
        self.warmup = warmup
        self.run_filter = run_filter
        self.peak = peak
        self.range_rule = range_rule
        self._recent: deque[float] = deque(maxlen=short)
        self._averages: deque[float] = deque()
        self._sum = 0.0
        self._sum_sq = 0.0
        self._in_run = False
        self._low = math.inf
        self._high = -math.inf

    def _average(self, score: float) -> float:
        window = list(self._recent)[-(self.short - 1) :] if self.short > 1 else []
        return (sum(window) + score) / (len(window) + 1)

    def _likelihood(self, score: float) -> float:
        n = len(self._averages)
        mean = self._sum / n
        std = math.sqrt(max(self._sum_sq / n - mean * mean, 0.0))
        return gaussian_tail(self._average(score), mean, std)

    def _value(self, x: Any) -> float | None:
        if not self.range_rule or not isinstance(x, dict) or len(x) != 1:
            return None
        (value,) = x.values()
        return float(value)

    def calibrate(self, score: float, x: Any = None) -> float | None:
        """The likelihood of ``score`` after the scores learned (None while warming up)."""
        if len(self._averages) < self.warmup or not math.isfinite(score):
            return None
        value = self._value(x)
        known = value is not None and self._low <= self._high
        if known and outside_range(value, self._low, self._high):  # type: ignore[arg-type]
            return 1.0
        likelihood = self._likelihood(score)
        if self.run_filter and likelihood >= self.peak and self._in_run:
            return 1 - 10 * (1 - self.peak)
        return likelihood

    def learn(self, score: float, x: Any = None) -> None:
        """Learn ``score`` (and the value of a one-feature ``x``, for the range rule).

        A score that is not finite (NaN: a sample the monitor does not learn from) leaves the
        likelihood's history alone but its value still widens the range seen.
        """
        value = self._value(x)
        if value is not None:
            self._low, self._high = min(self._low, value), max(self._high, value)
        if not math.isfinite(score):
            return
        if len(self._averages) >= self.warmup:
            self._in_run = self._likelihood(score) >= self.peak
        average = self._average(score)
        self._recent.append(score)
        self._averages.append(average)
        self._sum += average
        self._sum_sq += average * average
        if len(self._averages) > self.history:
            old = self._averages.popleft()
            self._sum -= old
            self._sum_sq -= old * old

    def get_state(self) -> dict[str, Any]:
        return {
            "recent": list(self._recent),
            "averages": list(self._averages),
            "sums": [self._sum, self._sum_sq],
            "in_run": self._in_run,
            "range": [self._low, self._high],
        }

    def set_state(self, state: dict[str, Any]) -> None:
        self._recent = deque((float(v) for v in state["recent"]), maxlen=self.short)
        self._averages = deque(float(v) for v in state["averages"])
        self._sum, self._sum_sq = (float(v) for v in state["sums"])
        self._in_run = bool(state["in_run"])
        self._low, self._high = (float(v) for v in state["range"])
