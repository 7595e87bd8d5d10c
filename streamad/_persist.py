"""Safe, atomic persistence: plain data and tensors only, never pickled code."""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Any

import torch


def qualified_name(obj: Any) -> str:
    """``module.QualName`` of a class or function, so it can be imported back by name."""
    return f"{obj.__module__}.{obj.__qualname__}"


def import_qualified(name: str) -> Any:
    """Import an attribute by its qualified name (no code is unpickled)."""
    module_name, _, attr = name.rpartition(".")
    if not module_name:
        raise ValueError(f"not a qualified name: {name!r}")
    return getattr(importlib.import_module(module_name), attr)


def save_state(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``state`` to ``path`` atomically: a temporary file beside it, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: str | os.PathLike) -> dict[str, Any]:
    """Read a state written by :func:`save_state` with ``torch.load(weights_only=True)``."""
    return torch.load(Path(path), map_location="cpu", weights_only=True)
