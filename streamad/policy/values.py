"""Value rules: alarms of their own kind for values that say a sensor or a process broke,
whatever the score says."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from streamad._features import is_context

__all__ = ["Finding", "ValueRules"]

#: Weight of the newest sample in each feature's running rate of change.
RATE_ALPHA = 0.01
#: Rate of change above which a feature counts as one that changes at every sample.
VARYING = 0.95
#: Samples of a feature seen before it can be frozen (its rate of change means something).
SEEN_BEFORE_FROZEN = 100

_NEVER = 1 << 62  # a countdown that does not end
# constants as 0-d arrays: NumPy computes with them as fast as with arrays, the same numbers
_KEEP, _ALPHA, _ONE = np.array(1 - RATE_ALPHA), np.array(RATE_ALPHA), np.array(1)


class Finding(NamedTuple):
    """What a rule found in a sample: its kind, the features it names, and why."""

    kind: str
    features: tuple[str, ...]
    reason: str


def _names(features: list[str], mask: np.ndarray) -> tuple[str, ...]:
    return tuple(features[i] for i in np.flatnonzero(mask))


class ValueRules:
    """Three rules on the values themselves, each an alarm of its own kind naming the feature.

    - ``"implausible"``: a value that was there but is no measurement (±inf, or a magnitude the
      guard refuses: a broken sensor's 1e300). The guard imputes it, so the score cannot tell.
    - ``"changed"``: a feature that held one value for ``constant_after`` samples in a row, and
      for longer than it ever held one before a change, takes another (an error counter, a
      flag, a set-point). Such a feature has no spread to standardise a change by, so the
      score cannot tell either; and a feature that changes after calms of that length as a
      habit (a command sent now and then) alarms at its longest calms only. If the feature
      then goes on changing within ``constant_after`` samples, it is taken as a feature that
      now varies (an event, no more alarms).
    - ``"frozen"``: a feature that changed at nearly every sample (at least 95% of them, over
      about the last 100) repeats one value for ``frozen_after`` samples in a row: a stuck
      sensor.

    :meth:`check` looks at a sample and changes nothing; :meth:`learn` takes it in and returns
    the events it makes. Features in ``ignore`` (context) and imputed values are left out.

    Parameters
    ----------
    constant_after
        Samples one value must hold before a change of it is an alarm (None: no such rule).
    frozen_after
        Repeats of one value that make a varying feature frozen (None: no such rule).
    ignore
        Features (names, or shell-style patterns such as ``"cmd_*"``) no rule looks at.

    Examples
    --------
    >>> from streamad.policy import ValueRules
    >>> rules = ValueRules(constant_after=100)
    >>> for i in range(150):
    ...     x = {"errors": 0.0, "load": float(i % 7)}
    ...     _ = rules.learn(x, imputed=())
    >>> rules.check({"errors": 1.0, "load": 3.0}, imputed=())
    Finding(kind='changed', features=('errors',), reason='held 0 for 150 samples, now 1')
    """

    def __init__(
        self,
        constant_after: int | None = 1000,
        frozen_after: int | None = 30,
        ignore: Any = None,
    ) -> None:
        for name, value in (("constant_after", constant_after), ("frozen_after", frozen_after)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 2
            ):
                raise ValueError(f"{name} must be None or an int >= 2, not {value!r}")
        self.constant_after = constant_after
        self.frozen_after = frozen_after
        self.ignore = ignore
        self._ignored: set[str] = set()  # the features seen that are context
        self.features: list[str] = []
        self._index: dict[str, int] = {}
        self._last = np.zeros(0)
        self._run = np.zeros(0, dtype=np.int64)  # samples the last value has held, in a row
        self._longest = np.zeros(0, dtype=np.int64)  # the longest run that a change ended
        self._rate = np.zeros(0)  # running rate of change
        self._rate_at_start = np.zeros(0)  # the rate when the current run began
        self._seen = np.zeros(0, dtype=np.int64)
        self._watch = np.zeros(0, dtype=np.int64)  # samples left to see a changed one vary
        # derived from the above after each sample (see _rearm): which features a change, or
        # a repeat, would make an alarm of (None: none), whether a changed feature is watched,
        # whether every feature has been seen; and the columns of a chain's row
        self._armed: np.ndarray | None = None
        self._freezing: np.ndarray | None = None
        self._watching = False
        self._seen_all = False
        self._arm_in = self._freeze_in = _NEVER
        # a feature that changes starts a run that can freeze after this many samples: no
        # countdown is longer (it would miss a feature that varied, held, then changed)
        self._freeze_cap = _NEVER if frozen_after is None else frozen_after - 2
        self._columns: tuple = (None, -1, None, None)
        self._added: tuple = (None, -1)  # the last row's names taken in (and their number)

    # -- one sample -------------------------------------------------------------------------
    def _values(self, x: dict, imputed: Any) -> tuple[np.ndarray, np.ndarray]:
        """Each known feature's value in ``x`` and whether it is a measurement to look at."""
        values = np.array([x.get(name, np.nan) for name in self.features], dtype=np.float64)
        present = ~np.isnan(values)
        for name in imputed:
            if name in self._index:
                present[self._index[name]] = False
        return values, present

    def _row_values(
        self, names: list[str], row: np.ndarray, imputed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Each known feature's value in a chain's ``row`` (its features ``names``), and
        whether it is a measurement (None: all are)."""
        cached, n_features, cols, absent = self._columns
        if cached is not names or n_features != len(self.features):
            where = {name: i for i, name in enumerate(names)}
            found = [where.get(name, -1) for name in self.features]
            cols, absent = np.array(found, dtype=np.intp), None
            if found == list(range(len(found))):  # the first columns: a view, or the row
                cols = None if len(found) == len(names) else slice(0, len(found))
            elif -1 in found:
                absent = np.array([i < 0 for i in found])
            self._columns = (names, len(self.features), cols, absent)
        if cols is None:
            return row, None if imputed is None else ~imputed
        values = row[cols]
        if absent is None:
            return values, None if imputed is None else ~imputed[cols]
        values[absent] = np.nan
        present = ~absent if imputed is None else ~absent & ~imputed[cols]
        return values, present

    def _implausible(self, implausible: Any) -> Finding | None:
        bad = tuple(name for name in implausible if not is_context(name, self.ignore))
        if not bad:
            return None
        reason = "no measurement (infinite or beyond the guard's max_abs)"
        return Finding("implausible", bad, reason)

    def check(self, x: dict, imputed: Any = (), implausible: Any = ()) -> Finding | None:
        """The first rule ``x`` breaks (implausible, changed, frozen), or None."""
        found = self._implausible(implausible) if implausible else None
        if found is not None or not self.features:
            return found
        return self._check(*self._values(x, imputed))

    def check_row(
        self,
        names: list[str],
        row: np.ndarray,
        imputed: np.ndarray | None = None,
        implausible: Any = (),
    ) -> Finding | None:
        """:meth:`check` for a chain's row: the values ``row`` of the features ``names``,
        ``imputed`` a mask over them (None: none)."""
        found = self._implausible(implausible) if implausible else None
        if found is not None or not self.features:
            return found
        return self._check(*self._row_values(names, row, imputed))

    def _check(self, values: np.ndarray, present: np.ndarray | None) -> Finding | None:
        if self._armed is not None:  # a change of these features is an alarm
            changed = self._armed & (values != self._last)
            if present is not None:
                changed &= present
            if np.count_nonzero(changed):
                i = int(np.flatnonzero(changed)[0])
                reason = f"held {self._last[i]:g} for {self._run[i]} samples, now {values[i]:g}"
                return Finding("changed", _names(self.features, changed), reason)
        if self._freezing is not None:  # a repeat of these features is an alarm
            frozen = self._freezing & (values == self._last)
            if present is not None:
                frozen &= present
            if np.count_nonzero(frozen):
                i = int(np.flatnonzero(frozen)[0])
                reason = f"stuck at {values[i]:g} for {self.frozen_after} samples after varying"
                return Finding("frozen", _names(self.features, frozen), reason)
        return None

    def learn(self, x: dict, imputed: Any = ()) -> list[str]:
        """Take ``x`` in; returns the events it makes (a changed feature that now varies)."""
        self._add(x)
        if not self.features:
            return []
        return self._learn(*self._values(x, imputed))

    def learn_row(
        self, names: list[str], row: np.ndarray, imputed: np.ndarray | None = None
    ) -> list[str]:
        """:meth:`learn` for a chain's row (see :meth:`check_row`)."""
        if self._added[0] is not names or self._added[1] != len(names):
            self._add(names)
            self._added = (names, len(names))
        if not self.features:
            return []
        return self._learn(*self._row_values(names, row, imputed))

    def _add(self, names: Any) -> None:
        new = [n for n in names if n not in self._index and n not in self._ignored]
        if new and self.ignore:
            self._ignored.update(n for n in new if is_context(n, self.ignore))
            new = [n for n in new if n not in self._ignored]
        if new:
            self._grow(new)

    def _learn(self, values: np.ndarray, present: np.ndarray | None) -> list[str]:
        if present is None and self._seen_all:
            return self._learn_steady(values)
        if present is None:
            present = np.ones(len(values), dtype=bool)
        change = present & (values != self._last) & (self._seen > 0)
        events = []
        if self.constant_after is not None:
            broke = change & (self._run >= self.constant_after) & (self._run > self._longest)
            varies = change & (self._watch > 0)
            for name in _names(self.features, varies):
                events.append(f"feature {name!r} varies after its change: taken as normal")
            self._watch = np.where(varies, 0, np.maximum(self._watch - present, 0))
            self._watch = np.where(broke, self.constant_after, self._watch)
        first = present & (self._seen == 0)
        self._rate = np.where(
            present & ~first, (1 - RATE_ALPHA) * self._rate + RATE_ALPHA * change, self._rate
        )
        self._longest = np.where(change, np.maximum(self._longest, self._run), self._longest)
        starts = change | first
        self._rate_at_start = np.where(starts, self._rate, self._rate_at_start)
        self._run = np.where(starts, 1, self._run + present)
        self._last = np.where(present, values, self._last)
        self._seen = self._seen + present
        self._seen_all = bool(self._seen.min() > 0)
        self._watching = bool(self._watch.any())
        self._rearm()
        return events

    def _learn_steady(self, values: np.ndarray) -> list[str]:
        """:meth:`_learn` when every feature has been seen and is present (the common case):
        the same numbers, fewer NumPy calls."""
        change = values != self._last
        events = []
        rearm = False
        if self.constant_after is not None:
            watch = self._watch
            if self._watching:
                varies = change & (watch > 0)
                for name in _names(self.features, varies):
                    events.append(f"feature {name!r} varies after its change: taken as normal")
                watch = np.where(varies, 0, np.maximum(watch - 1, 0))
            if self._armed is not None:
                broke = change & self._armed
                if np.count_nonzero(broke):  # armed features changed: armed no more
                    watch = np.where(broke, self.constant_after, watch)
                    rearm = True
            if watch is not self._watch:
                self._watch = watch
                self._watching = bool(np.count_nonzero(watch))
        # in place (the arrays are the rules' own): the general way's numbers, fewer calls
        rate = self._rate
        rate *= _KEEP
        rate += _ALPHA * change
        np.maximum(self._longest, self._run * change, out=self._longest)  # longest >= 0
        np.copyto(self._rate_at_start, rate, where=change)
        run = self._run
        run += _ONE
        np.copyto(run, 1, where=change)
        self._last = values  # never written to: a chain's row, or a fresh array
        self._seen += _ONE
        # the masks hold until a countdown ends: a feature's run grows by one a sample and a
        # change only puts its arming (and a new run's freezing) off (see _rearm)
        self._freezing = None  # the features one repeat from frozen have moved on
        self._arm_in -= 1
        self._freeze_in -= 1  # (at most the new run's wait: see _rearm)
        if rearm or self._arm_in <= 0 or self._freeze_in <= 0:
            self._rearm()
        return events

    def _rearm(self) -> None:
        """Which features a change (``_armed``) or one more repeat (``_freezing``) would make
        an alarm of, from the state (None for none), and the samples before a feature can be
        added to either without a change (``_arm_in``, ``_freeze_in``): until then, steady
        samples keep the masks without computing them."""
        run = self._run
        self._armed = self._freezing = None
        self._arm_in = self._freeze_in = _NEVER
        if self.constant_after is not None and len(run):
            gate = np.maximum(self._longest + 1, self.constant_after)  # run >= C, run > longest
            armed = run >= gate
            if np.count_nonzero(armed):
                self._armed = armed
            waits = gate - run
            waits = waits[waits > 0]
            if len(waits):
                self._arm_in = int(waits.min())
        if self.frozen_after is not None and len(run):
            at = run == self.frozen_after - 1
            if np.count_nonzero(at):
                at &= (self._rate_at_start >= VARYING) & (self._seen >= SEEN_BEFORE_FROZEN)
                self._freezing = at if np.count_nonzero(at) else None
            waits = self.frozen_after - 1 - run
            waits = waits[waits > 0]
            self._freeze_in = min(int(waits.min()) if len(waits) else _NEVER, self._freeze_cap)

    def _grow(self, new: list[str]) -> None:
        for name in new:
            self._index[name] = len(self.features)
            self.features.append(name)
        k = len(new)
        self._last = np.concatenate([self._last, np.full(k, np.nan)])
        self._run = np.concatenate([self._run, np.zeros(k, dtype=np.int64)])
        self._longest = np.concatenate([self._longest, np.zeros(k, dtype=np.int64)])
        self._rate = np.concatenate([self._rate, np.zeros(k)])
        self._rate_at_start = np.concatenate([self._rate_at_start, np.zeros(k)])
        self._seen = np.concatenate([self._seen, np.zeros(k, dtype=np.int64)])
        self._watch = np.concatenate([self._watch, np.zeros(k, dtype=np.int64)])
        self._seen_all = False
        self._rearm()

    # -- state ------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "last": self._last.tolist(),
            "run": self._run.tolist(),
            "longest": self._longest.tolist(),
            "rate": self._rate.tolist(),
            "rate_at_start": self._rate_at_start.tolist(),
            "seen": self._seen.tolist(),
            "watch": self._watch.tolist(),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        self.features = [str(name) for name in state["features"]]
        self._index = {name: i for i, name in enumerate(self.features)}
        self._last = np.array(state["last"], dtype=np.float64)
        self._rate = np.array(state["rate"], dtype=np.float64)
        self._rate_at_start = np.array(state["rate_at_start"], dtype=np.float64)
        for name in ("run", "longest", "seen", "watch"):
            setattr(self, f"_{name}", np.array(state[name], dtype=np.int64))
        self._seen_all = bool(len(self._seen) and self._seen.min() > 0)
        self._watching = bool(self._watch.any())
        self._columns, self._added = (None, -1, None, None), (None, -1)
        self._rearm()
