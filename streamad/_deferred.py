"""River's data sets and stream readers run their code when first used, not when River loads.

River's packages import each other eagerly: ``river.anomaly`` (which streamad's detectors
build on) reaches ``river.drift.datasets``, and deep-river's test helpers reach
``river.bandit.datasets``; both import ``river.datasets``, which imports every one of River's
data sets and ``river.stream``, which imports scikit-learn. That is about a second (more on busy
cores) before a command's first sample, for code a streamad run never calls.

So, once streamad is imported, a first import of ``river.datasets`` or ``river.stream`` creates
the package without running its ``__init__``: the names it defines (``river.datasets.CreditCard``,
``from river.stream import iter_csv``) run it at their first use, in the same module object, and
submodules (``river.datasets.base``, which River's other packages subclass at import) import on
their own, as always. Every name resolves to what River defines; only the moment River's code runs
moves, and ``dir()`` of such a package lists its full contents after that first use. Nothing
changes where River's data sets were imported before streamad, or with
``STREAMAD_EAGER_IMPORTS=1``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["DEFERRED", "install"]

#: Each deferred package, and the submodules imported with it (River subclasses
#: ``river.datasets.base.Dataset`` at import time, through the package's attribute).
DEFERRED: dict[str, tuple[str, ...]] = {"river.datasets": ("base",), "river.stream": ()}

_lock = threading.RLock()


class _Loader(importlib.abc.Loader):
    """Creates the package as its own loader would, and leaves its code for its first use."""

    def __init__(self, loader: Any, submodules: Sequence[str]) -> None:
        self.loader = loader
        self.submodules = submodules

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        loader = self.loader

        def __getattr__(name: str) -> Any:
            with _lock:
                if vars(module).get("__getattr__") is __getattr__:  # not run yet: run it now
                    del module.__getattr__
                    module.__loader__ = loader
                    if module.__spec__ is not None:
                        module.__spec__.loader = loader
                    loader.exec_module(module)
            return getattr(module, name)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        for name in self.submodules:
            importlib.import_module(f"{module.__name__}.{name}")


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the packages of :data:`DEFERRED` where Python would, with a deferring loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None and spec.submodule_search_locations:
            spec.loader = _Loader(spec.loader, DEFERRED[fullname])
        return spec


def install() -> None:
    """Defer the packages of :data:`DEFERRED` that are not imported yet (once; not at all with
    ``STREAMAD_EAGER_IMPORTS`` set to anything but ``0`` or nothing)."""
    if os.environ.get("STREAMAD_EAGER_IMPORTS", "0") not in ("", "0"):
        return
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
