"""Monitor: the whole chain as one River anomaly detector — guard, scaler, detector, threshold."""

from __future__ import annotations

import functools
import math
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np
from river import anomaly

from streamad import _monitor_blocks, _monitor_state
from streamad._scaler import RowScaler
from streamad._window import LIMIT
from streamad.calibrate import Percentile
from streamad.detector import RollingDetector
from streamad.guard import Checked, Guard
from streamad.policy import Event, Finding, Protection, Schema, Trust, ValueRules
from streamad.thresholds import Alarm, RateThreshold, attribution
from streamad.thresholds.alarm import ranked_shares

__all__ = ["Event", "Monitor", "default_detector"]

#: Samples after which block mode freezes the guard and scaler over a block.
FROZEN_AFTER = _monitor_blocks.FROZEN_AFTER
#: Recent samples (standardised, as the detector learned them) a rebuilt detector warms on.
REBUILD_HISTORY = 1000
_PARAMS = (
    "detector",
    "threshold",
    "guard",
    "protect",
    "accept_after",
    "calibration",
    "context",
    "rules",
)


def default_detector() -> RollingDetector:
    """The detector of a default Monitor, chosen on the quality suite's held-out halves
    (``benchmarks/suite.py``, ``benchmarks/RESULTS.md``): the Srivastava module, SGD at lr
    0.01 with the gradient norm clipped to 1, scored in ``"fused"`` mode (the window's error
    or the newest step's, on fixed scales)."""
    return RollingDetector(clip_grad=1.0, score_mode="fused")


_ROW_METHODS = ("score_row", "learn_row", "skip_row", "pass_row")
_LIMIT = np.array(LIMIT)  # 0-d: as fast as an array in NumPy's comparisons


class _Scored(NamedTuple):
    """A sample scored: the sample, its checks, and what the detector was given."""

    x: Mapping
    checked: Checked
    score: float
    finding: Finding | None
    row: np.ndarray | None  # the detector's float32 row; None: it was given ``z``, a dict
    z: Any  # the standardised values it scored: its row in float64, or the dict
    threshold: float | None  # the threshold when it was scored
    above: bool  # the score above it (a value rule aside)


class Monitor(anomaly.base.AnomalyDetector):
    """The whole chain, safe to feed anything: guard → scaler → detector → threshold → alarm.

    - **Front door** (:class:`~streamad.guard.Guard`): missing, None, NaN and ±inf values are
      imputed (``last_imputed``), huge values clipped (``last_clipped``), non-numbers and
      non-string feature names rejected with a ``TypeError`` before any state changes.
    - **Scaler**: River's ``StandardScaler`` (its arithmetic, on arrays: ``scaler_`` has
      its ``counts``, ``means`` and ``vars``); it learns only values the guard has checked
      against its bounds and neither imputed nor clipped, so no value can wreck a feature's
      scale (a feature's first three values are not learned: nothing could check them yet).
    - **Warm-up**: the first ``guard.warmup`` samples (3 by default) teach the guard and the
      scaler only, and score 0.0 (:attr:`warming_up`): a value standardised on two or three
      values can lie hundreds of standard deviations out.
    - **Detector**: a :class:`~streamad.RollingDetector`, its gradient norm clipped. It learns
      every sample but those with an imputed or clipped value (:class:`~streamad.policy.Trust`),
      which enter its window as their reconstruction.
    - **Threshold** and **value rules**: a score alarm when the score is above the threshold
      filter's; alarms of their own kind, naming the feature, for a value that is no
      measurement, a long-constant feature that changes, and a varying one that freezes
      (:class:`~streamad.policy.ValueRules`).
    - **Protection and acceptance** (:class:`~streamad.policy.Protection`): off by default
      (it costs detection on clean data: ``benchmarks/RESULTS.md``); ``accept_after`` alarms in
      a row are accepted as the new normal either way (an ``"accepted"`` :class:`Event`).

    ``score_one`` returns the detector's score (non-negative, unbounded) and changes nothing;
    ``learn_one`` learns the very sample scored, with no second forward pass; :meth:`process_one`
    does both and returns the :class:`~streamad.thresholds.Alarm`. A sample becomes a row of
    floats once, at the guard; every stage after it works on that row.

    Parameters
    ----------
    detector
        The detector (default: :func:`default_detector`); any River anomaly detector works,
        one with ``skip_one``, ``feature_errors`` and ``score_many``/``learn_many`` (as
        RollingDetector has) also gets trust without a window gap, attribution and blocks.
    threshold
        A threshold filter class or a ``functools.partial`` of one, given the detector; None
        for no score alarms.
    guard
        The input policy (default ``Guard()``).
    protect
        True: an alarmed sample is kept from the detector, its weights and its window;
        ``"learning"``: from its weights only; False (the default): learned.
    accept_after
        Alarms in a row after which the run is accepted as the new normal (None: never);
        also how long imputations last before they are learned (50 when None).
    calibration
        A calibrator class from ``streamad.calibrate`` (or a partial of one) giving each score
        a number in [0, 1] (:attr:`Alarm.calibrated`); None for none.
    context
        None, or the features the model reads but neither scores nor blames (commands sent,
        set-points, states): they never raise an alarm or take its blame.
    rules
        The value rules' class (or a partial of it); None for none.

    Examples
    --------
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
    Confusion(tn=..., fp=..., fn=..., tp=...)
    """

    def __init__(
        self,
        detector: RollingDetector | None = None,
        threshold: Callable[[Any], Any] | None = RateThreshold,
        guard: Guard | None = None,
        protect: bool | str = False,
        accept_after: int | None = 50,
        calibration: Callable[[], Any] | None = Percentile,
        context: Any = None,
        rules: Callable[..., Any] | None = ValueRules,
    ) -> None:
        if context is not None and (
            isinstance(context, str) or not all(isinstance(c, str) for c in context)
        ):
            raise TypeError(f"context must be None or feature names, not {context!r}")
        self.protection_ = Protection(protect, accept_after)
        self.detector = detector
        self.threshold = threshold
        self.guard = guard
        self.protect = protect
        self.accept_after = accept_after
        self.calibration = calibration
        self.context = context
        self.rules = rules
        self.trust_ = Trust(accept_after or 50)
        self.schema_ = Schema(gone_after=accept_after or 50)
        self.recent_ = _monitor_blocks.Recent(REBUILD_HISTORY)
        self._rebuild: list[str] = []  # features added: the detector is rebuilt after learning
        self.calibration_ = None if calibration is None else calibration()
        self.guard_ = Guard() if guard is None else guard.clone()
        self.scaler_ = RowScaler()
        detector_ = default_detector() if detector is None else detector.clone()
        if context:
            detector_ = detector_.clone({"context": list(context)})
        self.detector_ = detector_
        self.filter_ = None if threshold is None else threshold(self.detector_)
        self.rules_ = None if rules is None else rules(ignore=list(context or ()))
        self.events: deque[Event] = deque(maxlen=1000)
        self.last_events: tuple[Event, ...] = ()
        self.n_seen = self.n_inputs = self.n_alarms = 0
        self.n_learned = self.n_protected = self.n_untrusted = 0
        self.last_imputed: tuple[str, ...] = ()
        self.last_clipped: tuple[str, ...] = ()
        self.last_score: float | None = None
        self._explained: Alarm | None = None
        self._scored: _Scored | None = None
        self._block: tuple | None = None
        self._columns: tuple = (None,) * 5  # where the detector's features are in a row

    def __repr__(self) -> str:
        def shown(value: Any) -> str:
            if isinstance(value, type):
                return value.__name__
            if isinstance(value, functools.partial):
                kwargs = ", ".join(f"{k}={v!r}" for k, v in value.keywords.items())
                return f"partial({shown(value.func)}, {kwargs})"
            return " ".join(repr(value).split())

        return f"Monitor({', '.join(f'{p}={shown(getattr(self, p))}' for p in _PARAMS)})"

    @classmethod
    def _unit_test_params(cls):
        yield {"detector": RollingDetector(window_size=3, hidden_size=2, clip_grad=1.0)}
        yield {
            "detector": RollingDetector(window_size=2, hidden_size=2),
            "threshold": None,
            "accept_after": None,
            "protect": True,
        }

    # -- the policies' counters, kept where a checkpoint and users read them ------------------
    n_accepted = property(lambda self: self.protection_.n_accepted)
    run_length = property(lambda self: self.protection_.run_length)
    accepting = property(lambda self: self.protection_.accepting)
    imputed_run = property(lambda self: self.trust_.imputed_run)

    # -- the chain --------------------------------------------------------------------------
    @property
    def threshold_value(self) -> float | None:
        """The current threshold (None without a threshold or while it warms up)."""
        return None if self.filter_ is None else self.filter_.threshold

    def above(self, score: float) -> bool:
        """Whether ``score`` is above the threshold (never without one or while it warms up)."""
        return False if self.filter_ is None else bool(self.filter_.classify(score))

    def classify(self, score: float) -> bool:
        """Whether ``score`` raises a new score alarm now: it is above the threshold, and no
        alarm is going on (the sample before was not above it). Changes nothing; the value
        rules' alarms are in :meth:`explain`."""
        return self._new_alarm(self.above(score))

    @property
    def warming_up(self) -> bool:
        """True while the first ``guard.warmup`` samples teach only the guard and the scaler
        (they score 0.0: the detector neither scores nor learns them)."""
        return self.n_inputs < self.guard_.warmup

    def _score(self, x: Mapping) -> _Scored:
        checked = self.guard_.check(x)  # every check before anything changes
        if self.schema_.expected is not None:
            self.schema_.check(x.keys())
        row, z, score = None, None, 0.0
        if self.n_inputs >= self.guard_.warmup:  # not warming up
            z = self.scaler_.transform(checked.filled)
            z = self.schema_.ease_row(z, self.guard_._index)
            row, z = self._detector_input(z, checked.names)
            detector = self.detector_
            score = float(detector.score_one(z) if row is None else detector.score_row(row))
        threshold, above = None, False
        if self.filter_ is not None:
            threshold, above = self.filter_.threshold, bool(self.filter_.classify(score))
        finding = self._check_rules(checked)
        return _Scored(x, checked, score, finding, row, z, threshold, above)

    def _detector_input(self, z: np.ndarray, names: list[str]) -> tuple[np.ndarray | None, Any]:
        """The detector's row of ``z`` (the standardised values of ``names``) and its values in
        float64; a dict (and no row) for a detector without rows, one not built yet, or values
        beyond float32 (its input policy then imputes them). A feature added since the
        detector was built is left out until it is rebuilt."""
        detector = self.detector_
        built = getattr(detector, "features", None)
        key = self._columns
        if key[0] is not detector or key[1] is not built or key[2] is not names:
            cols: Any = None
            if built and all(callable(getattr(detector, m, None)) for m in _ROW_METHODS):
                where = {name: i for i, name in enumerate(names)}
                found = [where.get(name, -1) for name in built]
                cols = False if -1 in found else np.array(found, dtype=np.intp)
            self._columns = key = (detector, built, names, len(names), cols)
        cols = key[4]
        if cols is not None and cols is not False and key[3] == len(names):
            values = z[cols]
            if np.count_nonzero(np.abs(values) <= _LIMIT) == len(values):  # float32 holds them
                return values.astype(np.float32), values
        x = dict(zip(names, z.tolist(), strict=True))
        if built and len(x) > len(built):  # a feature added: scored without it until rebuilt
            x = {name: x[name] for name in built if name in x}
        return None, x

    def _check_rules(self, checked: Checked) -> Finding | None:
        rules = self.rules_
        if rules is None:
            return None
        if callable(getattr(rules, "check_row", None)):
            names, filled, missing = checked.names, checked.filled, checked.missing
            return rules.check_row(names, filled, missing, checked.implausible)
        guarded = self.guard_.guarded(checked)
        return rules.check(guarded.x, guarded.imputed, guarded.implausible)

    def _keep(self, scored: _Scored) -> None:
        """``scored`` is the last sample scored (for :meth:`explain` and ``learn_one``)."""
        self._scored = scored
        self._explained = None
        self.last_score = scored.score
        checked = scored.checked
        self.last_imputed = () if checked.missing is None else checked.imputed()
        self.last_clipped = () if checked.clipped is None else checked.clipped_names()

    def score_one(self, x: dict) -> float:
        """The score of ``x``: the detector's reconstruction error; nothing is learned."""
        scored = self._score(x)
        self._keep(scored._replace(x=dict(x)))  # a copy: x may change before learn_one
        return scored.score

    def _take_scored(self, x: Mapping) -> _Scored:
        scored, self._scored = self._scored, None
        if scored is not None and scored.x == x:
            return scored
        return self._score(x)

    def learn_one(self, x: dict, y: Any = None) -> None:
        """Learn ``x`` (scored by the last ``score_one`` or now), as the policies say.

        ``y``, a label, reaches only a threshold calibrated on labels, never the detector.
        """
        self._learn(x, self._take_scored(x), y)

    def _learn(self, x: Mapping, scored: _Scored, y: Any) -> None:
        self.last_events = ()
        if self.n_inputs < self.guard_.warmup:  # warming up
            self._warm_up(x, scored.checked, y)
        else:
            above = scored.finding is not None or scored.above
            if self._judge(x, scored.checked, scored.score, above, y, scored.finding):
                self._detector_learn(scored)
            else:
                self._skip(scored)
        self._rebuild_if_added()
        self.n_seen += 1

    def _detector_learn(self, scored: _Scored, remember: bool = True) -> None:
        """The detector learns a scored sample; ``remember``: kept for a rebuild."""
        if scored.row is None:
            self.detector_.learn_one(scored.z)
            if remember:
                self.recent_.append(scored.z)
        else:
            self.detector_.learn_row(scored.row)
            if remember:
                self.recent_.append_row(self.detector_.features, scored.z)

    def _warm_up(
        self, x: Mapping, checked: Checked, y: Any = None, fresh: Mapping | None = None
    ) -> None:
        """A warm-up sample: the guard, scaler and value rules learn it (the calibration its
        value, for its range rule)."""
        self._learn_inputs(x, checked, (), fresh)
        self._learn_score(math.nan, y, checked)

    def _new_alarm(self, above: bool) -> bool:
        """Whether a sample above the threshold (or breaking a value rule) raises a new alarm:
        it does unless the sample before it was above too (its alarm goes on)."""
        return above and self.protection_.run_length == 0

    def _judge(
        self,
        x: Mapping,
        checked: Checked,
        score: float,
        above: bool,
        y: Any,
        finding: Finding | None = None,
        fresh: Mapping | None = None,
    ) -> bool:
        """Take a scored sample in (inputs, threshold, calibration, counters) as trust and
        protection say; returns whether the detector is to learn it."""
        self.n_alarms += self._new_alarm(above)
        trusted = self.trust_.judge(checked.missing is not None, checked.clipped is not None)
        echo = above and 0 < self.protection_.run_length < getattr(self.detector_, "window_size", 1)
        learn = self.protection_.decide(above) and trusted
        if self.protection_.just_accepted:
            self._accepted()
        changed = finding.features if finding is not None and finding.kind == "changed" else ()
        self._learn_inputs(x, checked, changed, fresh)
        self._learn_score(score if trusted else math.nan, y, checked, echo)
        self.n_learned += learn
        self.n_protected += trusted and not learn
        self.n_untrusted += not trusted
        return learn

    def _accepted(self) -> None:
        """A run of alarms accepted: the threshold forgets it (where it can)."""
        run = self.protection_.run_length
        forget = getattr(self.filter_, "forget_recent", None)
        if callable(forget):
            forget(run)
        self._event("accepted", f"{run} alarms in a row: taking the change as the new normal")

    def _learn_score(self, score: float, y: Any, checked: Checked, echo: bool = False) -> None:
        """The threshold learns a finite score (NaN marks an untrusted sample), but not an
        alarm's echo: the scores above it right after an alarm, while the detector's window
        still holds the alarmed sample (one event, one score in the threshold's history); the
        calibration learns every one (its range rule wants every value)."""
        if self.filter_ is not None and not math.isnan(score) and not echo:
            self.filter_.update_threshold(score, y)
        if self.calibration_ is not None:
            self.calibration_.learn(score, self._calibration_input(checked))

    def _calibration_input(self, checked: Checked) -> dict | None:
        """The sample as a calibration reads it (Percentile does not: None)."""
        if type(self.calibration_) is Percentile:
            return None
        return dict(zip(checked.names, checked.filled.tolist(), strict=True))

    def _skip(self, scored: _Scored) -> None:
        how = "pass" if self.protect == "learning" else "skip"
        if scored.row is not None:
            getattr(self.detector_, f"{how}_row")(scored.row)
            return
        skip = getattr(self.detector_, f"{how}_one", None)
        if callable(skip):  # a window detector slides past the sample without learning it
            skip(scored.z)

    def _learn_inputs(
        self,
        x: Mapping,
        checked: Checked,
        changed: tuple[str, ...] = (),
        fresh: Mapping | None = None,
    ) -> None:
        self.n_inputs += 1
        learned = _monitor_blocks.learn_inputs(self.guard_, self.scaler_, checked, changed, fresh)
        for name in learned:
            self._event("feature_reset", f"feature {name!r} changed level: relearning its scale")
        missing: Any = ()
        if checked.missing is not None:
            implausible = set(checked.implausible)
            missing = [name for name in checked.imputed() if name not in implausible]
        added, back = self.schema_.learn(checked.new, missing)
        if added:
            built = getattr(self.detector_, "features", ())
            self._rebuild += [name for name in added if built and name not in built]
        for name in back:
            self._event("feature_back", f"feature {name!r} is back: easing it in")
        rules = self.rules_
        if rules is None:
            return
        if callable(getattr(rules, "learn_row", None)):
            events = rules.learn_row(checked.names, checked.filled, checked.missing)
        else:
            guarded = self.guard_.guarded(checked)
            events = rules.learn(guarded.x, guarded.imputed)
        for message in events:
            self._event("feature_varies", message)

    def _rebuild_if_added(self) -> None:
        """A feature first seen mid-stream: the detector is rebuilt on every feature and warmed
        on the recent samples (the new feature at its mean), its threshold with it."""
        if not self._rebuild:
            return
        added, self._rebuild = sorted(set(self._rebuild)), []
        self.detector_, self.filter_ = _monitor_blocks.rebuilt(self, added)
        message = (
            f"new feature(s) {added}: the detector is rebuilt on {len(self.guard_.features)} "
            f"features, warmed on the last {len(self.recent_)} samples"
        )
        self._event("feature_added", message)

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
        score, scored = self.last_score, self._scored
        if scored is not None and scored.score is score:  # the sample scored last, as then
            threshold, above = scored.threshold, scored.above
        else:  # scored in a block (``score_many``), or learned already
            threshold, above = self.threshold_value, self.above(score)
        calibrated = None
        if self.calibration_ is not None and scored is not None:
            calibrated = self.calibration_.calibrate(score, self._calibration_input(scored.checked))
        finding = None if scored is None else scored.finding
        if finding is not None:
            share = 1.0 / len(finding.features)
            shares = tuple((name, share) for name in finding.features)
            new = self._new_alarm(True)
            alarm = Alarm(
                score, threshold, new, shares, calibrated, finding.kind, finding.reason, not new
            )
        else:
            shares = self._shares()
            above = above and not self.warming_up
            new = self._new_alarm(above)
            alarm = Alarm(score, threshold, new, shares, calibrated, ongoing=above and not new)
        self._explained = alarm
        return alarm

    def _shares(self) -> tuple[tuple[str, float], ...]:
        """Each feature's share of the detector's last error, largest first."""
        errors_of = getattr(self.detector_, "feature_error_array", None)
        if callable(errors_of):
            found = errors_of()
            return () if found is None else ranked_shares(*found)
        errors = getattr(self.detector_, "feature_errors", None)
        return attribution(errors) if errors is not None else ()

    def process_one(self, x: dict, y: Any = None) -> Alarm:
        """Score ``x``, decide and explain the alarm, then learn ``x``: the live loop's step."""
        scored = self._score(x)
        self._keep(scored)
        alarm = self.explain()
        self._scored = None
        self._learn(x, scored, y)
        return alarm

    @property
    def feature_errors(self) -> dict[str, float] | None:
        """Each scored feature's squared error over the last window (see RollingDetector)."""
        return getattr(self.detector_, "feature_errors", None)

    def warm_start(self, history: Any, epochs: int = 1) -> Monitor:
        """Learn a history of normal samples before going live (no alarms, nothing protected).

        Every sample of ``history`` (dicts, or ``(x, y)`` pairs whose labels are ignored) is
        learned ``epochs`` times by the detector (but those that warm a fresh chain up, see
        :attr:`warming_up`, and those with an imputed value); the guard, scaler and value
        rules learn it once (the first pass); the threshold and calibration take the scores
        of the last pass. The stream's counters (``n_seen``...) are left alone; a
        ``"trained"`` :class:`Event` says what was learned. Returns the monitor.
        """
        return _monitor_blocks.warm_start(self, history, epochs)

    # -- blocks ---------------------------------------------------------------------------------
    def score_many(self, X: Any) -> list[float]:
        """Scores of the samples of ``X`` with the weights frozen (the detector's block mode):
        see ``streamad._monitor_blocks.score_many``. Nothing is learned."""
        return _monitor_blocks.score_many(self, X)

    def learn_many(self, X: Any, y: Any = None) -> None:
        """Learn the samples of ``X`` as one block (scored by the last ``score_many`` or now):
        alarms, trust and the threshold follow sample by sample, in order; the detector then
        learns the block in one batched step."""
        _monitor_blocks.learn_many(self, X, y)

    # -- checkpoints ----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """The whole chain's state as plain data and tensors."""
        return _monitor_state.get_state(self)

    @classmethod
    def from_state(cls, state: dict[str, Any], module: Any = None) -> Monitor:
        """Rebuild a monitor from :meth:`get_state`."""
        return _monitor_state.from_state(cls, state, module)

    def save(self, path: Any, *, key: bytes | str | None = None) -> None:
        """Save the whole chain to one checksummed file, atomically (see ``streamad.persist``);
        ``key`` (default ``$STREAMAD_CHECKPOINT_KEY``, if set) signs it with HMAC-SHA256."""
        _monitor_state.save(self, path, key=key)

    @classmethod
    def load(cls, path: Any, module: Any = None, *, key: bytes | str | None = None) -> Monitor:
        """Load a monitor saved by :meth:`save`; a bad file (or, under a key, one not signed
        with it) raises one ``CheckpointError`` naming it."""
        return _monitor_state.load(cls, path, module, key=key)
