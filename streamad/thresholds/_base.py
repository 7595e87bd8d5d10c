"""What every streamad threshold filter shares: score once, learn, then update the threshold."""

from __future__ import annotations

import abc
import math
from typing import Any, ClassVar

from river import anomaly, compose

from streamad.thresholds._state import dump, load


class ScoreFilter(anomaly.base.AnomalyFilter):
    """A River ``AnomalyFilter`` that scores each sample once and updates its threshold after.

    ``score_one`` asks the detector and remembers the sample and its score; ``learn_one`` of an
    equal sample reuses that score instead of scoring again (River's ``AnomalyFilter.learn_one``
    would score twice). It then lets the detector learn, unless ``protect_anomaly_detector``
    is set and the score is an alarm, and only then updates the threshold with the score
    (``update_threshold``). A protected detector that keeps a window (one with ``skip_one``, such as
    :class:`~streamad.RollingDetector`) still slides it over the alarmed sample, so the next
    window has no gap. ``classify`` reads the threshold and changes nothing. The remembered score is
    used once, by the next ``learn_one``; it assumes the detector learns only through the filter.

    ``update_threshold`` leaves out a score that is not finite (NaN, an infinity: a broken
    detector's), counting it in ``n_ignored``; ``classify`` calls a NaN score no alarm and an
    infinite one an alarm once there is a threshold. Each filter bounds what one huge finite
    score can do to its statistics (its docstring says how). ``get_state`` and ``set_state``
    save and restore the threshold's statistics, never the detector's, as plain data.

    Subclasses implement ``classify``, ``_update`` and a ``threshold`` (None while warming up),
    and name in ``_state_attributes`` the attributes that hold the threshold's statistics.
    """

    _state_attributes: ClassVar[tuple[str, ...]] = ("n_ignored",)

    def __init__(self, anomaly_detector: Any, protect_anomaly_detector: bool = True) -> None:
        super().__init__(
            anomaly_detector=anomaly_detector, protect_anomaly_detector=protect_anomaly_detector
        )
        self._memo: tuple[dict, float] | None = None
        self.n_ignored = 0  # scores left out of the threshold: NaN or infinite

    @abc.abstractmethod
    def _update(self, score: float, y: Any) -> None:
        """Update the threshold with a finite score (and its label, if any), bounded first."""

    def update_threshold(self, score: float, y: Any = None) -> None:
        """Update the threshold with one score (and its label), without touching the detector.

        A score that is not finite is left out and counted in ``n_ignored``; a finite one is
        bounded (each filter's docstring says how) before it enters the statistics.
        """
        score = float(score)
        if math.isfinite(score):
            self._update(score, y)
        else:
            self.n_ignored += 1

    def get_state(self) -> dict:
        """The threshold's statistics and counters as plain data (no detector state).

        Nested dicts and lists of ints, floats, strings, bools and None, so JSON can hold them;
        floats round-trip exactly (NaN and infinities are written as strings).
        """
        return {name: dump(getattr(self, name)) for name in self._state_attributes}

    def set_state(self, state: dict) -> None:
        """Restore ``get_state()`` of a filter built with the same parameters as this one.

        Afterwards ``threshold``, ``classify`` and ``update_threshold`` behave bit for bit as
        they did on the filter saved.
        """
        if set(state) != set(self._state_attributes):
            raise ValueError(
                f"{type(self).__name__} state must have the keys {sorted(self._state_attributes)}"
                f", not {sorted(state)}"
            )
        for name in self._state_attributes:
            setattr(self, name, load(getattr(self, name), state[name]))

    def score_one(self, x: dict, **kwargs: Any) -> float:
        """The detector's score of ``x``, remembered for the ``learn_one`` that follows."""
        score = float(self.anomaly_detector.score_one(x, **kwargs))
        self._memo = (dict(x), score)
        return score

    def _score_to_learn(self, x: dict) -> float:
        memo, self._memo = self._memo, None
        if memo is not None and memo[0] == dict(x):
            return memo[1]
        return float(self.anomaly_detector.score_one(x))

    def learn_one(self, x: dict, y: Any = None, **learn_kwargs: Any) -> None:
        """Let the detector learn ``x`` (unless protected from an alarm), then update the threshold.

        ``y`` is the sample's label; only filters calibrated on labels use it, and the detector
        never sees it.
        """
        score = self._score_to_learn(x)
        if not (self.protect_anomaly_detector and self.classify(score)):
            self.anomaly_detector.learn_one(x, **learn_kwargs)
        else:
            skip_one(self.anomaly_detector, x)
        self.update_threshold(score, y)


def skip_one(model: Any, x: dict) -> None:
    """Slide ``model``'s window over ``x`` without learning, if it keeps one.

    ``model`` is a detector or a River pipeline ending in one; a pipeline's transformers
    transform ``x`` without learning it, as they do not learn a protected sample either.
    """
    if isinstance(model, compose.Pipeline):
        *head, last = model.steps.values()
        if callable(getattr(last, "skip_one", None)):
            for step in head:
                x = step.transform_one(x)
            last.skip_one(x)
    elif callable(getattr(model, "skip_one", None)):
        model.skip_one(x)


def check_int(name: str, value: Any, minimum: int, allow_none: bool = False) -> None:
    """``ValueError`` unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        none = "None or " if allow_none else ""
        raise ValueError(f"{name} must be {none}an int >= {minimum}, not {value!r}")
