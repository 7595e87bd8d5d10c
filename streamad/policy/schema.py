"""Schema: features that appear, vanish and come back while a stream runs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

__all__ = ["Schema"]


class Schema:
    """What the monitor does when a stream's set of features changes.

    - A feature first seen mid-stream is **added**: :meth:`learn` says so, and the monitor
      rebuilds its detector on every feature (an ``"feature_added"`` event) rather than let
      it ignore the new one for good.
    - A feature missing for ``gone_after`` samples in a row (imputed meanwhile) that comes
      back is **re-warmed quietly**: for ``rewarm`` samples its standardised value is eased
      in from 0 (the mean it was imputed with) to its real value, so the model, which learned
      it as a constant, relearns it without a burst of false alarms (a ``"feature_back"``
      event). A value rule still sees its real value.
    - A monitor loaded from a checkpoint :meth:`expect` s the features it was saved on: a
      first sample that shares fewer than half of them is a ``ValueError`` naming both lists
      (most likely another stream), never a silent run with every value imputed.

    Parameters
    ----------
    gone_after
        Missing samples in a row after which a feature counts as gone.
    rewarm
        Samples over which a returning feature is eased in.

    Examples
    --------
    >>> from streamad.policy import Schema
    >>> schema = Schema(gone_after=3, rewarm=4)
    >>> schema.learn({"a", "b"}, missing=())
    (['a', 'b'], [])
    >>> for _ in range(3):
    ...     _ = schema.learn({"a", "b"}, missing=("b",))
    >>> schema.learn({"a", "b"}, missing=())
    ([], ['b'])
    >>> schema.ease({"a": 2.0, "b": 2.0})  # b eased in from 0 over the next 4 samples
    {'a': 2.0, 'b': 0.4}
    """

    def __init__(self, gone_after: int = 50, rewarm: int = 100) -> None:
        for name, value in (("gone_after", gone_after), ("rewarm", rewarm)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, not {value!r}")
        self.gone_after = gone_after
        self.rewarm = rewarm
        self.known: set[str] = set()
        self.missing_run: dict[str, int] = {}
        self.easing: dict[str, int] = {}  # samples of easing left, per returning feature
        self.expected: list[str] | None = None

    def expect(self, features: Collection[str]) -> None:
        """The features a checkpoint was saved on: the next sample is checked against them."""
        self.expected = sorted(features) or None

    def check(self, names: Collection[str]) -> None:
        """``ValueError`` when a checkpoint's monitor meets a sample of another stream."""
        expected = self.expected
        if expected is None:
            return
        shared = len(set(expected) & set(names))
        if 2 * shared < len(expected):
            raise ValueError(
                f"this monitor was saved on the features {expected}, but the sample has "
                f"{sorted(names)} ({shared} in common): is it the same stream?"
            )

    def ease(self, z: dict[str, float]) -> dict[str, float]:
        """``z`` with each returning feature's value eased in (changes nothing)."""
        if not self.easing:
            return z
        eased = dict(z)
        for name, left in self.easing.items():
            if name in eased:
                eased[name] *= 1.0 - left / (self.rewarm + 1)
        return eased

    def ease_row(self, z: np.ndarray, index: Mapping[str, int]) -> np.ndarray:
        """:meth:`ease` for a row ``z`` whose features are at ``index`` (a fresh array when a
        feature is eased, else ``z`` itself)."""
        if not self.easing:
            return z
        eased = z.copy()
        for name, left in self.easing.items():
            i = index.get(name)
            if i is not None and i < len(eased):
                eased[i] *= 1.0 - left / (self.rewarm + 1)
        return eased

    def learn(self, names: Collection[str], missing: Collection[str]) -> tuple[list, list]:
        """Take in a sample's features and those missing (imputed); returns the features
        added (seen for the first time) and those back after being gone. ``names`` may be
        only the sample's features that may be new (those not known yet, at least)."""
        self.expected = None
        added = sorted(set(names) - self.known) if names else []
        self.known.update(added)
        if not (missing or self.missing_run or self.easing):  # the common case
            return added, []
        back = []
        for name in list(self.easing):
            self.easing[name] -= 1
            if self.easing[name] <= 0:
                del self.easing[name]
        gone = set(missing)
        for name in gone:
            self.missing_run[name] = self.missing_run.get(name, 0) + 1
        for name in [n for n in self.missing_run if n not in gone]:
            if self.missing_run.pop(name) >= self.gone_after:
                back.append(name)
                self.easing[name] = self.rewarm
        return added, sorted(back)

    def get_state(self) -> dict[str, Any]:
        return {
            "known": sorted(self.known),
            "missing_run": dict(self.missing_run),
            "easing": dict(self.easing),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        self.known = {str(n) for n in state["known"]}
        self.missing_run = {str(k): int(v) for k, v in state["missing_run"].items()}
        self.easing = {str(k): int(v) for k, v in state["easing"].items()}
