"""The one shared check suite: every exported estimator, under River's and deep-river's checks.

Estimators are discovered from the ``__all__`` of streamad and of each of its subpackages; each is
checked once per parameter set of its ``_unit_test_params``. Skips come only from the estimator's
own ``_unit_test_skips``, each justified in a comment there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from deep_river.base import DeepEstimator
from deep_river.utils import estimator_checks as deep_checks
from river import base, checks

import streamad


def _exported_estimators() -> list[type]:
    found: dict[str, type] = {}
    names = ["streamad"] + [
        m.name for m in pkgutil.iter_modules(streamad.__path__, "streamad.") if m.ispkg
    ]
    for name in names:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            is_estimator = inspect.isclass(obj) and issubclass(obj, base.Estimator)
            if is_estimator and not inspect.isabstract(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def _cases():
    for cls in _exported_estimators():
        for i, params in enumerate(cls._unit_test_params()):
            model = cls(**params)
            for check in checks.yield_checks(model):
                if check.__name__ not in model._unit_test_skips():
                    yield pytest.param(model, check, id=f"{cls.__name__}[{i}]-{check.__name__}")
            if isinstance(model, DeepEstimator):
                for check in deep_checks.yield_deep_checks(model):
                    if check.__name__ not in model._unit_test_skips():
                        name = f"{cls.__name__}[{i}]-deep-{check.__name__}"
                        yield pytest.param(model, check, id=name)


def test_discovery_finds_the_detector():
    assert streamad.RollingDetector in _exported_estimators()


@pytest.mark.parametrize(("model", "check"), list(_cases()))
def test_check(model, check, river_data):
    check(model.clone())
