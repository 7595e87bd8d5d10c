"""Detectors of the quality benchmark, named by short specs such as ``stacked:k=32,lr=0.01``.

A spec is a name and optional ``key=value`` options. streamad modules (``sutskever``, ``cho``,
``srivastava``, ``stacked``) take ``k`` (block size; 1 is exact mode), ``lr``, ``window``,
``hidden``, ``opt`` (``sgd`` or ``adam``) and ``scaler`` (``standard``, ``minmax`` or ``none``);
unset options take :data:`STREAMAD`. The baselines: ``deep-river`` (deep-river's
``RollingAutoencoder`` with the published example's settings; ``fused=0`` runs the step-by-step
decoder, whose outputs equal the fused one's to 1e-6), ``hst`` (River's ``HalfSpaceTrees`` with
its recommended ``MinMaxScaler``), ``gaussian`` (River's ``GaussianScorer`` on the value of a
univariate series) and ``ocsvm`` (River's ``OneClassSVM`` with a ``StandardScaler``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import torch
from deep_river.anomaly import RollingAutoencoder
from river import anomaly, preprocessing

from streamad import RollingDetector
from streamad.modules import Cho, Srivastava, Stacked, Sutskever

MODULES = {"sutskever": Sutskever, "cho": Cho, "srivastava": Srivastava, "stacked": Stacked}

#: streamad's options where a spec leaves them out: the recommended defaults (see RESULTS.md).
STREAMAD = {"k": 32, "lr": 0.01, "window": 10, "hidden": 0, "opt": "sgd", "scaler": "standard"}
#: The recommended default detector, as a spec.
DEFAULT = "srivastava"
DEEP_RIVER = {"lr": 0.005, "window": 10, "fused": 1}
BASELINES = {"deep-river": DEEP_RIVER, "hst": {}, "gaussian": {}, "ocsvm": {}}
SCALERS = {
    "standard": preprocessing.StandardScaler,
    "minmax": preprocessing.MinMaxScaler,
    "none": None,
}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


@dataclass(frozen=True)
class Spec:
    """A detector's name and all its options (defaults filled in)."""

    name: str
    options: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> str:
        """The canonical spec: the cache's file name."""
        if not self.options:
            return self.name
        return self.name + ":" + ",".join(f"{k}={v}" for k, v in self.options)

    @property
    def opts(self) -> dict[str, Any]:
        return dict(self.options)

    @property
    def is_streamad(self) -> bool:
        return self.name in MODULES

    @property
    def slow(self) -> bool:
        """One sample at a time through an LSTM: capped on the largest streams."""
        return self.name == "deep-river" or (self.is_streamad and self.opts["k"] == 1)

    @property
    def block_size(self) -> int:
        return int(self.opts["k"]) if self.is_streamad else 1

    def label(self) -> str:
        o = self.opts
        if self.name == "deep-river":
            step = "" if o["fused"] else ", step-by-step decoder"
            return f"deep-river RollingAutoencoder (Sutskever, lr {o['lr']}{step})"
        if not self.is_streamad:
            return {
                "hst": "River HalfSpaceTrees (MinMaxScaler)",
                "gaussian": "River GaussianScorer",
                "ocsvm": "River OneClassSVM (StandardScaler)",
            }[self.name]
        mode = "exact" if o["k"] == 1 else f"block k={o['k']}"
        changed = [f"{k} {v}" for k, v in o.items() if k != "k" and v != STREAMAD[k]]
        extra = f", {', '.join(changed)}" if changed else ""
        return f"streamad {MODULES[self.name].__name__}, {mode}{extra}"


def _value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse(text: str) -> Spec:
    """A spec from ``name[:key=value,...]``; unknown names or options raise ``ValueError``."""
    name, _, rest = text.partition(":")
    defaults = STREAMAD if name in MODULES else BASELINES.get(name)
    if defaults is None:
        raise ValueError(f"unknown detector {name!r}; known: {[*MODULES, *BASELINES]}")
    options = dict(defaults)
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key not in defaults:
            raise ValueError(f"{name} has no option {key!r}; it has {sorted(defaults)}")
        options[key] = _value(value)
    return Spec(name, tuple(options.items()))


def applies(spec: Spec, n_features: int) -> bool:
    """GaussianScorer is univariate; every other detector takes any number of features."""
    return spec.name != "gaussian" or n_features == 1


class ValueGaussian(anomaly.base.AnomalyDetector):
    """River's ``GaussianScorer`` (a supervised detector of its target ``y``) fed the single
    feature of a univariate series as that target."""

    def __init__(self, grace_period: int = 100) -> None:
        self.grace_period = grace_period
        self._scorer = anomaly.GaussianScorer(grace_period=grace_period)

    def learn_one(self, x: dict) -> None:
        (value,) = x.values()
        self._scorer.learn_one(None, value)

    def score_one(self, x: dict) -> float:
        (value,) = x.values()
        return float(self._scorer.score_one(None, value))


class Attributing(anomaly.base.AnomalyDetector):
    """Passes a RollingDetector through, keeping its feature ranking at the rows in ``rows``."""

    def __init__(self, detector: RollingDetector, rows: Collection[int]) -> None:
        self.detector = detector
        self.rows = rows
        self.rankings: dict[int, list[str]] = {}
        self._i = 0

    def score_one(self, x: dict) -> float:
        score = self.detector.score_one(x)
        if self._i in self.rows:
            errors = self.detector.feature_errors or {}
            self.rankings[self._i] = sorted(errors, key=lambda f: (-errors[f], f))
        self._i += 1
        return score

    def learn_one(self, x: dict) -> None:
        self.detector.learn_one(x)


def _module_kwargs(spec: Spec) -> dict[str, Any]:
    hidden = spec.opts["hidden"]
    if not hidden:
        return {}
    if spec.name == "stacked":
        return {"encoder_sizes": (hidden, max(hidden // 2, 1))}
    return {"hidden_size": hidden}


def _deep_river(spec: Spec, n_features: int) -> Any:
    o = spec.opts
    with torch.random.fork_rng():
        torch.manual_seed(42)
        module = Sutskever(n_features, fused=bool(o["fused"]))
    return preprocessing.StandardScaler() | RollingAutoencoder(
        module=module, lr=o["lr"], window_size=o["window"]
    )


def build(spec: Spec, n_features: int, attribution_rows: Collection[int] = ()) -> Any:
    """A fresh model for ``spec``; exact-mode streamad records attributions at the given rows."""
    if spec.name == "deep-river":
        return _deep_river(spec, n_features)
    if spec.name == "hst":
        return preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42)
    if spec.name == "gaussian":
        return ValueGaussian()
    if spec.name == "ocsvm":
        return preprocessing.StandardScaler() | anomaly.OneClassSVM()
    o = spec.opts
    detector: Any = RollingDetector(
        MODULES[spec.name],
        window_size=o["window"],
        lr=o["lr"],
        optimizer_fn=OPTIMIZERS[o["opt"]],
        seed=42,
        **_module_kwargs(spec),
    )
    if attribution_rows and o["k"] == 1:
        detector = Attributing(detector, attribution_rows)
    scaler = SCALERS[o["scaler"]]
    return detector if scaler is None else scaler() | detector
