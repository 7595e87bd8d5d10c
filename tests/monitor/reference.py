"""The Monitor's chain on dicts, as it ran before each sample became a row: a reference that
tests run side by side with :class:`~streamad.Monitor`.

:class:`DictPathMonitor` scores and learns its inputs as the Monitor did (its ``_score``,
``_learn_inputs`` and block scoring are that code): ``Guard.guard_one``/``learn_one``, River's
own ``StandardScaler`` on dicts, ``Schema.ease`` of a dict, the value rules' and the
detector's dict methods (their row methods hidden), ``attribution`` of the detector's
``feature_errors`` dict; its guard reads every sample value by value and computes its bounds
with ``clip_bounds`` and its robust statistics with ``np.nanmedian`` (:class:`GeneralGuard`).
The Monitor's decisions (trust, protection, alarms, events, the threshold) are shared.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from river import preprocessing

from streamad import Monitor
from streamad._monitor_blocks import FROZEN_AFTER, records
from streamad.guard import _ROBUST_FROM, Guard, Guarded, clip_bounds
from streamad.monitor import _Scored


def nanmedian_stats(first: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``robust_stats`` as it was: np.nanmedian over every row."""
    values = np.where(np.arange(first.shape[1]) < n[:, None], first, np.nan)
    center = np.full(len(n), np.nan)
    spread = np.full(len(n), np.nan)
    rows = n >= _ROBUST_FROM
    if rows.any():
        center[rows] = np.nanmedian(values[rows], axis=1)
        mad = np.nanmedian(np.abs(values[rows] - center[rows, None]), axis=1)
        spread[rows] = 1.4826 * mad
    return center, spread


class GeneralGuard(Guard):
    """A Guard without its short ways to check: every sample read value by value, bounds by
    ``clip_bounds`` of statistics from ``np.nanmedian`` (its short way to learn, tested in
    test_guard_reuse, is kept)."""

    def _plain(self, x: dict) -> None:
        return None

    def _stats(self) -> tuple[np.ndarray, np.ndarray]:
        n = self._n
        ready = n >= self.warmup
        center, spread = nanmedian_stats(self._first, n)
        center[ready] = self._mean[ready]
        spread[ready] = np.sqrt(self._m2[ready] / n[ready])
        return center, spread

    def _bounded(self, values: np.ndarray, n_new: int) -> tuple[np.ndarray, np.ndarray | None]:
        low, high = clip_bounds(*self._stats(), self.clip_sigma)
        low = np.concatenate([low, np.full(n_new, -np.inf)])
        high = np.concatenate([high, np.full(n_new, np.inf)])
        clipped = (values < low) | (values > high)
        return np.clip(values, low, high), clipped if clipped.any() else None


def learn_inputs(
    guard: Guard, scaler: Any, x: dict, guarded: Guarded, changed: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The guard learns ``x``; River's scaler its checked, measured values (as it was)."""
    guard.forget(changed)
    guard.learn_one(x)
    for name in (*guard.last_reset, *changed):
        for table in (scaler.counts, scaler.means, scaler.vars):
            table.pop(name, None)
    skip = set(guarded.imputed) | set(guarded.clipped) | set(guard.last_reset)
    bounded = set(guarded.bounded) - skip
    scaler.learn_one({k: v for k, v in guarded.x.items() if k in bounded})
    return guard.last_reset


class Hidden:
    """``real`` without the methods named in ``hidden`` (the Monitor then takes the dict way)."""

    def __init__(self, real: Any, hidden: tuple[str, ...]) -> None:
        self.__dict__["real"] = real
        self.__dict__["hidden"] = hidden

    def __getattr__(self, name: str) -> Any:
        if name in self.__dict__["hidden"]:
            raise AttributeError(name)
        return getattr(self.__dict__["real"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["real"], name, value)

    def clone(self, *args: Any, **kwargs: Any) -> Hidden:  # a rebuilt detector: hidden too
        return Hidden(self.__dict__["real"].clone(*args, **kwargs), self.__dict__["hidden"])


DETECTOR_ROWS = ("score_row", "learn_row", "skip_row", "pass_row", "feature_error_array")
RULES_ROWS = ("check_row", "learn_row")


class DictPathMonitor(Monitor):
    """A Monitor whose inputs take the dict way (see the module's docstring)."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.guard_ = GeneralGuard(**self.guard_._get_params())
        self.scaler_ = preprocessing.StandardScaler()
        self.detector_ = Hidden(self.detector_, DETECTOR_ROWS)
        if self.filter_ is not None:
            self.filter_ = self.threshold(self.detector_)
        if self.rules_ is not None:
            self.rules_ = Hidden(self.rules_, RULES_ROWS)

    def _guard_one(self, guard: Guard, x: dict) -> tuple[Guarded, Any]:
        guarded = guard.guard_one(x)
        return guarded, guard._checked[1]  # its checks, as the Monitor's code needs them

    def _score(self, x: Any) -> _Scored:
        guarded, checked = self._guard_one(self.guard_, x)
        self.schema_.check(x.keys())
        z = self.schema_.ease(self.scaler_.transform_one(guarded.x))
        built = getattr(self.detector_, "features", None)
        if built and len(z) > len(built):
            z = {name: z[name] for name in built if name in z}
        score = 0.0 if self.warming_up else float(self.detector_.score_one(z))
        finding = None
        if self.rules_ is not None:
            finding = self.rules_.check(guarded.x, guarded.imputed, guarded.implausible)
        threshold, above = None, False
        if self.filter_ is not None:
            threshold, above = self.filter_.threshold, bool(self.filter_.classify(score))
        return _Scored(x, checked, score, finding, None, z, threshold, above)

    def _learn_inputs(
        self, x: Any, checked: Any, changed: tuple[str, ...] = (), fresh: Any = None
    ) -> None:
        self.n_inputs += 1
        guarded = self.guard_.guarded(checked)
        for name in learn_inputs(self.guard_, self.scaler_, x, guarded, changed):
            self._event("feature_reset", f"feature {name!r} changed level: relearning its scale")
        missing = set(guarded.imputed) - set(guarded.implausible)
        added, back = self.schema_.learn(guarded.x.keys(), missing)
        built = getattr(self.detector_, "features", ())
        self._rebuild += [name for name in added if built and name not in built]
        for name in back:
            self._event("feature_back", f"feature {name!r} is back: easing it in")
        if self.rules_ is not None:
            for message in self.rules_.learn(guarded.x, guarded.imputed):
                self._event("feature_varies", message)

    def score_many(self, X: Any) -> list[float]:
        xs = records(X)
        warm = max(0, min(len(xs), self.guard_.warmup - self.n_inputs))
        checked, guarded, zs = [], [], []
        if self.n_seen < FROZEN_AFTER:
            guard, scaler = copy.deepcopy(self.guard_), copy.deepcopy(self.scaler_)
            for x in xs:
                g, c = self._guard_one(guard, x)
                guarded.append(g)
                checked.append(c)
                zs.append(scaler.transform_one(g.x))
                learn_inputs(guard, scaler, x, g)
        else:
            for x in xs:
                g, c = self._guard_one(self.guard_, x)
                guarded.append(g)
                checked.append(c)
            zs = [self.scaler_.transform_one(g.x) for g in guarded]
        rules = self.rules_
        findings = [
            None if rules is None else rules.check(g.x, g.imputed, g.implausible) for g in guarded
        ]
        scored = self.detector_.score_many(zs[warm:]) if len(zs) > warm else []
        scores = [0.0] * warm + [float(s) for s in scored]
        self._block = (xs, checked, zs, scores, findings)
        self._explained = None
        if scores:
            self.last_score = scores[-1]
        return scores
