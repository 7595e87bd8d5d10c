"""Monitor: the whole chain as one River anomaly detector — guard, scaler, detector, threshold."""

from __future__ import annotations

import copy
import functools
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from river import anomaly, preprocessing

from streamad import _monitor_state
from streamad.calibrate import Percentile
from streamad.detector import RollingDetector
from streamad.guard import Guard, Guarded
from streamad.thresholds import Alarm, SigmaThreshold, attribution

__all__ = ["Event", "Monitor"]


@dataclass(frozen=True)
class Event:
    """Something the monitor did that a user should know of.

    ``kind`` is ``"accepted"`` (a run of ``accept_after`` alarms: the monitor takes it as the
    new normal and learns it), ``"feature_reset"`` (the guard clipped a feature too long and
    starts its statistics, and the scaler's, again from its new level) or ``"trained"`` (a
    warm start on a normal history). ``index`` is the
    sample's position in the stream (from 0).
    """

    index: int
    kind: str
    message: str


#: Samples after which block mode freezes the guard and scaler over a block (before, it runs
#: them sample by sample: their first statistics change too fast to freeze).
FROZEN_AFTER = 1000


def default_detector() -> RollingDetector:
    """The detector of a default Monitor, chosen on the whole quality benchmark
    (``benchmarks/bench_monitor.py``, ``benchmarks/RESULTS.md``): the Srivastava module, SGD
    at lr 0.01 with the gradient norm clipped to 1, scored in ``"max"`` mode."""
    return RollingDetector(clip_grad=1.0, score_mode="max")


class _Scored(NamedTuple):
    x: dict
    guarded: Guarded
    z: dict
    score: float


class Monitor(anomaly.base.AnomalyDetector):
    """The whole chain, safe to feed anything: guard → scaler → detector → threshold → alarm.

    - **Front door** (:class:`~streamad.guard.Guard`): missing, None, NaN and ±inf values are
      imputed (``last_imputed``), huge values clipped (``last_clipped``), non-numbers and
      non-string feature names rejected with a ``TypeError`` before any state changes.
    - **Scaler**: River's ``StandardScaler``; it learns only values the guard has checked
      against its bounds and neither imputed nor clipped, so no value can spoil its statistics
      (a feature's first three values are not learned: nothing could check them yet).
    - **Warm-up**: the first ``guard.warmup`` samples (16 by default) teach the guard and the
      scaler only, and score 0.0 (:attr:`warming_up`). A value standardised on two or three
      values can lie hundreds of standard deviations out: its error, in the window for
      ``window_size`` samples, would hold the threshold and ``"max"`` mode's scale up for
      hundreds of samples (a default monitor then missed all six spikes of a 600-sample test
      stream).
    - **Detector**: a :class:`~streamad.RollingDetector`, with its gradient norm clipped. A
      sample with a clipped value (more than ``clip_sigma`` standard deviations out) or an
      imputed one is not learned: it enters the window as its reconstruction, as a protected
      sample does, and its score does not update the threshold (an imputed mean is no
      measurement). Imputations lasting ``accept_after`` samples in a row (50 when None) are
      learned: a feature gone for good must not freeze the detector.
    - **Threshold**: a streamad threshold filter (``classify``, ``threshold``), updated with
      every finite score; non-finite scores are ignored and huge ones bounded by the filter.
    - **Protection without lockout**: an alarmed sample is not learned (the detector's window
      takes its reconstruction instead), except while the threshold warms up, and except when
      ``accept_after`` alarms come in a row: the monitor then takes the change as the new normal
      and learns every sample until the alarms stop (an ``"accepted"`` :class:`Event`).

    ``score_one`` returns the detector's score (the reconstruction error of the window ending
    with the sample, non-negative and unbounded) and changes nothing; ``learn_one`` learns the
    very sample scored, with no second forward pass. :meth:`process_one` does both and returns
    the :class:`~streamad.thresholds.Alarm`, with each feature's share of the error.

    Parameters
    ----------
    detector
        The detector (default: :func:`default_detector`, the Srivastava LSTM autoencoder at
        lr 0.01 scored in ``"max"`` mode); any River anomaly detector
        works, one with ``skip_one``, ``feature_errors`` and ``score_many``/``learn_many`` (as
        RollingDetector has) gets protection without a window gap, attribution and block mode.
    threshold
        A threshold filter class (default :class:`~streamad.thresholds.SigmaThreshold`, mean
        + 2 std of the scores) or a ``functools.partial`` of one, e.g.
        ``partial(SigmaThreshold, k=3)``; it is given the detector. None for no alarms.
    guard
        The input policy (default ``Guard()``).
    protect
        True: an alarmed sample is kept from the detector, its weights and its window (the
        window takes the sample's reconstruction, so the next windows do not see it either).
        ``"learning"``: kept from the weights only; the next windows see the sample itself,
        which suits streams whose anomalies come in runs of rows that look normal alone (KDD99
        SMTP: ROC-AUC 0.975 against 0.817, at some cost elsewhere: ``benchmarks/RESULTS.md``).
        Samples the guard did not trust (a value imputed or clipped) enter the window the same
        way. False: alarmed samples are learned.
    accept_after
        Alarms in a row after which the monitor learns them as the new normal (None: never).
    calibration
        A calibrator class from ``streamad.calibrate`` (or a ``functools.partial`` of one)
        turning each score into a number in [0, 1] (:attr:`Alarm.calibrated`); the default,
        :class:`~streamad.calibrate.Percentile`, gives the share of the last 10,000 scores of
        samples learned that the score exceeds. None for none. It learns the scores the
        threshold learns (finite scores of trusted samples).

    Examples
    --------
    The default chain catches three of the sine demo's four spikes and raises no other alarm
    (the fourth, at sample 300, lands inside the sine's range and scores as a normal sample):

    >>> from streamad import Monitor
    >>> from streamad.metrics import confusion
    >>> from streamad.synth import SineWithSpikes
    >>> monitor = Monitor()
    >>> labels, alarms = [], []
    >>> for x, y in SineWithSpikes():
    ...     alarm = monitor.process_one(x)
    ...     labels.append(y)
    ...     alarms.append(alarm.is_alarm)
    >>> confusion(labels, alarms)
    Confusion(tn=996, fp=0, fn=1, tp=3)
    >>> print(monitor.explain())
    no alarm: score ... <= threshold ... (calibrated ...): value 100%
    """

    def __init__(
        self,
        detector: RollingDetector | None = None,
        threshold: Callable[[Any], Any] | None = SigmaThreshold,
        guard: Guard | None = None,
        protect: bool | str = True,
        accept_after: int | None = 50,
        calibration: Callable[[], Any] | None = Percentile,
    ) -> None:
        if not (isinstance(protect, bool) or protect == "learning"):
            raise ValueError(f"protect must be True, False or 'learning', not {protect!r}")
        if accept_after is not None and (
            isinstance(accept_after, bool) or not isinstance(accept_after, int) or accept_after < 1
        ):
            raise ValueError(f"accept_after must be None or an int >= 1, not {accept_after!r}")
        self.detector = detector
        self.threshold = threshold
        self.guard = guard
        self.protect = protect
        self.accept_after = accept_after
        self.calibration = calibration
        self.calibration_ = None if calibration is None else calibration()
        self.guard_ = Guard() if guard is None else guard.clone()
        self.scaler_ = preprocessing.StandardScaler()
        self.detector_ = default_detector() if detector is None else detector.clone()
        self.filter_ = None if threshold is None else threshold(self.detector_)
        self.events: deque[Event] = deque(maxlen=1000)
        self.last_events: tuple[Event, ...] = ()
        self.n_seen = 0
        self.n_inputs = 0  # samples the guard and scaler learned (warm start included)
        self.n_alarms = 0
        self.n_learned = 0
        self.n_protected = 0
        self.n_untrusted = 0
        self.n_accepted = 0
        self.run_length = 0
        self.imputed_run = 0
        self.accepting = False
        self.last_imputed: tuple[str, ...] = ()
        self.last_clipped: tuple[str, ...] = ()
        self.last_score: float | None = None
        self._explained: Alarm | None = None
        self._scored: _Scored | None = None
        self._block: tuple | None = None

    def __repr__(self) -> str:
        def shown(value: Any) -> str:
            if isinstance(value, type):
                return value.__name__
            if isinstance(value, functools.partial):
                kwargs = ", ".join(f"{k}={v!r}" for k, v in value.keywords.items())
                return f"partial({shown(value.func)}, {kwargs})"
            return " ".join(repr(value).split())

        params = ("detector", "threshold", "guard", "protect", "accept_after", "calibration")
        return f"Monitor({', '.join(f'{p}={shown(getattr(self, p))}' for p in params)})"

    @classmethod
    def _unit_test_params(cls):
        yield {"detector": RollingDetector(window_size=3, hidden_size=2, clip_grad=1.0)}
        yield {
            "detector": RollingDetector(window_size=2, hidden_size=2),
            "threshold": None,
            "accept_after": None,
        }

    # -- the chain --------------------------------------------------------------------------
    @property
    def threshold_value(self) -> float | None:
        """The current threshold (None without a threshold or while it warms up)."""
        return None if self.filter_ is None else self.filter_.threshold

    def classify(self, score: float) -> bool:
        """Whether ``score`` is an alarm (never without a threshold or while it warms up)."""
        return False if self.filter_ is None else bool(self.filter_.classify(score))

    @property
    def warming_up(self) -> bool:
        """True while the first ``guard.warmup`` samples teach only the guard and the scaler
        (they score 0.0: the detector neither scores nor learns them)."""
        return self.n_inputs < self.guard_.warmup

    def _score(self, x: Mapping) -> _Scored:
        guarded = self.guard_.guard_one(x)  # every check before anything changes
        z = self.scaler_.transform_one(guarded.x)
        score = 0.0 if self.warming_up else float(self.detector_.score_one(z))
        return _Scored(dict(x), guarded, z, score)

    def score_one(self, x: dict) -> float:
        """The score of ``x``: the detector's reconstruction error; nothing is learned."""
        self._scored = self._score(x)
        self._explained = None
        self.last_score = self._scored.score
        self.last_imputed = self._scored.guarded.imputed
        self.last_clipped = self._scored.guarded.clipped
        return self._scored.score

    def _take_scored(self, x: Mapping) -> _Scored:
        scored, self._scored = self._scored, None
        if scored is not None and scored.x == x:
            return scored
        return self._score(x)

    def learn_one(self, x: dict, y: Any = None) -> None:
        """Learn ``x`` (scored by the last ``score_one`` or now), unless it is protected.

        ``y``, a label, reaches only a threshold calibrated on labels, never the detector.
        """
        scored = self._take_scored(x)
        if self.warming_up:
            self.last_events = ()
            self._warm_up(x, scored.guarded, y)
            self.n_seen += 1
            return
        alarm = self.classify(scored.score)
        trusted = self._trusted(scored.guarded)
        learn = self._decide(alarm) and trusted
        self._learn_inputs(x, scored.guarded)
        self._learn_score(scored.score if trusted else math.nan, y, scored.guarded.x)
        if learn:
            self.detector_.learn_one(scored.z)
            self.n_learned += 1
        else:
            self._skip(scored.z)
            self.n_protected += trusted
            self.n_untrusted += not trusted
        self.n_seen += 1

    def _warm_up(self, x: dict, guarded: Guarded, y: Any = None) -> None:
        """A warm-up sample: the guard and scaler learn it (the calibration its value)."""
        self._learn_inputs(x, guarded)
        self._learn_score(math.nan, y, guarded.x)

    def _trusted(self, guarded: Guarded) -> bool:
        """Whether a sample is fit to learn from: none of its values clipped, and none imputed
        unless imputations have lasted ``accept_after`` samples (a feature gone for good)."""
        self.imputed_run = self.imputed_run + 1 if guarded.imputed else 0
        if guarded.clipped:
            return False
        return not guarded.imputed or self.imputed_run >= (self.accept_after or 50)

    def _learn_score(self, score: float, y: Any, x: dict) -> None:
        """The threshold learns a finite score (NaN marks an untrusted sample); the
        calibration learns every one (its range rule wants every value)."""
        if self.filter_ is not None and not math.isnan(score):  # NaN: an untrusted sample
            self.filter_.update_threshold(score, y)
        if self.calibration_ is not None:
            self.calibration_.learn(score, x)

    def _skip(self, z: dict) -> None:
        name = "pass_one" if self.protect == "learning" else "skip_one"
        skip = getattr(self.detector_, name, None)
        if callable(skip):  # a window detector slides past the sample without learning it
            skip(z)

    def _decide(self, alarm: bool) -> bool:
        """Whether the detector learns this sample; counts alarms and runs of them."""
        self.last_events = ()
        if not alarm:
            self.run_length, self.accepting = 0, False
            return True
        self.n_alarms += 1
        self.run_length += 1
        if self.accept_after is not None and self.run_length == self.accept_after:
            self.accepting = True
            self.n_accepted += 1
            self._event(
                "accepted",
                f"{self.run_length} alarms in a row: learning them as the new normal",
            )
        return not self.protect or self.accepting

    def _learn_inputs(self, x: dict, guarded: Guarded) -> None:
        self.n_inputs += 1
        for name in _learn_inputs(self.guard_, self.scaler_, x, guarded):
            self._event("feature_reset", f"feature {name!r} changed level: relearning its scale")

    def _event(self, kind: str, message: str) -> None:
        event = Event(self.n_seen, kind, message)
        self.events.append(event)
        self.last_events += (event,)

    # -- one call per sample ------------------------------------------------------------------
    def explain(self) -> Alarm:
        """The last scored sample's score, threshold, alarm and each feature's share of it.

        Decided as when the sample was scored, even after it has been learned.
        """
        if self._explained is not None:
            return self._explained
        if self.last_score is None:
            raise RuntimeError("nothing scored yet: call score_one first")
        score, threshold = self.last_score, self.threshold_value
        errors = getattr(self.detector_, "feature_errors", None)
        shares = attribution(errors) if errors is not None else ()
        calibrated = None
        if self.calibration_ is not None and self._scored is not None:
            calibrated = self.calibration_.calibrate(score, self._scored.guarded.x)
        self._explained = Alarm(score, threshold, self.classify(score), shares, calibrated)
        return self._explained

    def process_one(self, x: dict, y: Any = None) -> Alarm:
        """Score ``x``, decide and explain the alarm, then learn ``x``: the live loop's step."""
        self.score_one(x)
        alarm = self.explain()
        self.learn_one(x, y)
        return alarm

    @property
    def feature_errors(self) -> dict[str, float] | None:
        """Each feature's squared error over the last scored window (see RollingDetector)."""
        return getattr(self.detector_, "feature_errors", None)

    def warm_start(self, history: Any, epochs: int = 1) -> Monitor:
        """Learn a history of normal samples before going live, with protection off.

        Every sample of ``history`` (dicts, or ``(x, y)`` pairs whose labels are ignored) is
        learned ``epochs`` times by the detector (but those that warm a fresh chain up, see
        :attr:`warming_up`); the guard and scaler learn it once (the first pass), and the
        threshold takes the scores of the last pass, so it starts fitted to the trained model.
        Samples with clipped values are not learned (as live). The stream's counters
        (``n_seen``...) are left alone; an ``"trained"`` :class:`Event` says what was learned.
        Returns the monitor.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be an int >= 1, not {epochs!r}")
        records = [item[0] if isinstance(item, tuple) else item for item in _records(history)]
        start = max(0, self.guard_.warmup - self.n_inputs)  # these only warm the scaler up
        for x in records[:start]:
            self._warm_up(x, self.guard_.guard_one(x))  # as live (the stream's counters aside)
        for epoch in range(epochs):
            for x in records[start:]:
                scored = self._score(x)
                if epoch == 0:
                    self._learn_inputs(x, scored.guarded)
                trusted = not (scored.guarded.clipped or scored.guarded.imputed)
                if trusted:
                    self.detector_.learn_one(scored.z)
                    self.n_learned += 1
                else:
                    self._skip(scored.z)
                if epoch == epochs - 1 and trusted:
                    self._learn_score(scored.score, None, scored.guarded.x)
        self._scored = None
        warmed = f" (the first {min(start, len(records))} warming the scaler up)" if start else ""
        self._event("trained", f"warm start: {len(records)} samples{warmed}, {epochs} epoch(s)")
        return self

    # -- blocks ---------------------------------------------------------------------------------
    def score_many(self, X: Any) -> list[float]:
        """Scores of the samples of ``X`` with the weights frozen (the detector's block mode).

        Each sample passes the guard and the scaler as they are before the block (for the first
        ``FROZEN_AFTER`` samples of a stream, as they would be after the samples before it in
        the block: a fresh chain has no statistics to freeze); the detector scores the block in
        one batched pass. Nothing is learned.
        """
        records = _records(X)
        warm = max(0, min(len(records), self.guard_.warmup - self.n_inputs))  # warm-up: 0.0
        if self.n_seen < FROZEN_AFTER:  # warm-up: the inputs as exact mode would see them
            guard, scaler = copy.deepcopy(self.guard_), copy.deepcopy(self.scaler_)
            guarded, zs = [], []
            for x in records:
                guarded.append(guard.guard_one(x))
                zs.append(scaler.transform_one(guarded[-1].x))
                _learn_inputs(guard, scaler, x, guarded[-1])
        else:
            guarded = [self.guard_.guard_one(x) for x in records]  # all checked before any use
            zs = [self.scaler_.transform_one(g.x) for g in guarded]
        scored = self.detector_.score_many(zs[warm:]) if len(zs) > warm else []
        scores = [0.0] * warm + [float(s) for s in scored]
        self._block = (records, guarded, zs, scores)
        self._explained = None
        if scores:
            self.last_score = scores[-1]
        return scores

    def learn_many(self, X: Any, y: Any = None) -> None:
        """Learn the samples of ``X`` as one block (scored by the last ``score_many`` or now).

        Alarms, protection and the threshold follow sample by sample, in order; the detector
        then learns the block in one batched step, protected samples entering its window as
        their reconstructions.
        """
        records = [dict(x) for x in _records(X)]
        block, self._block = self._block, None
        if block is None or block[0] != records:
            self.score_many(records)
            block, self._block = self._block, None
        assert block is not None
        _, guarded, zs, scores = block
        labels = [None] * len(records) if y is None else list(y)
        skip = []
        warm = 0
        for x, g, score, label in zip(records, guarded, scores, labels, strict=True):
            if self.warming_up:
                self.last_events = ()
                self._warm_up(x, g, label)
                self.n_seen += 1
                warm += 1
                continue
            trusted = self._trusted(g)
            learn = self._decide(self.classify(score)) and trusted
            self._learn_inputs(x, g)
            skip.append(not learn)
            self.n_protected += trusted and not learn
            self.n_untrusted += not trusted
            self._learn_score(score if trusted else math.nan, label, g.x)
            self.n_learned += learn
            self.n_seen += 1
        if len(zs) > warm:
            self.detector_.learn_many(zs[warm:], skip=skip, stand_in=self.protect != "learning")

    # -- checkpoints ----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """The whole chain's state as plain data and tensors."""
        return _monitor_state.get_state(self)

    @classmethod
    def from_state(cls, state: dict[str, Any], module: Any = None) -> Monitor:
        """Rebuild a monitor from :meth:`get_state`."""
        return _monitor_state.from_state(cls, state, module)

    def save(self, path: Any) -> None:
        """Save the whole chain to one checksummed file, atomically (see ``streamad.persist``)."""
        _monitor_state.save(self, path)

    @classmethod
    def load(cls, path: Any, module: Any = None) -> Monitor:
        """Load a monitor saved by :meth:`save`; a bad file raises one ``CheckpointError``."""
        return _monitor_state.load(cls, path, module)


def _learn_inputs(guard: Guard, scaler: Any, x: dict, guarded: Guarded) -> tuple[str, ...]:
    """The guard learns ``x``; the scaler its checked, measured values. Returns the features
    the guard started again (their scaler statistics start again too)."""
    guard.learn_one(x)
    for name in guard.last_reset:
        for table in (scaler.counts, scaler.means, scaler.vars):
            table.pop(name, None)
    skip = set(guarded.imputed) | set(guarded.clipped) | set(guard.last_reset)
    bounded = set(guarded.bounded) - skip
    scaler.learn_one({k: v for k, v in guarded.x.items() if k in bounded})
    return guard.last_reset


def _records(X: Any) -> list:
    return X.to_dict(orient="records") if hasattr(X, "to_dict") else list(X)
