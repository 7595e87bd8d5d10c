"""Files of evicted detectors: one per eviction, named by key digest, read back by the index."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Hashable
from pathlib import Path
from typing import Any

from streamad import persist
from streamad.persist.layout import nbytes

__all__ = ["load_evicted", "purge", "save_evicted", "state_nbytes", "storable"]

FORMAT = "streamad.KeyedDetector.evicted/1"
KIND = "KeyedDetector.evicted"


def storable(key: Hashable) -> str | int:
    """``key`` itself when a checkpoint can hold it (a string or an integer), else ``TypeError``.

    Examples
    --------
    >>> from streamad.distributed.evicted import storable
    >>> storable("pump-1"), storable(7)
    ('pump-1', 7)
    """
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"key {key!r} cannot be checkpointed: keys must be strings or integers")
    return key


def save_evicted(folder: str | os.PathLike, key: Hashable, serial: int, state: dict) -> str:
    """Save an evicted detector's ``state`` atomically; returns the file's name in ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> import torch
    >>> from streamad.distributed.evicted import load_evicted, save_evicted
    >>> folder = tempfile.mkdtemp()
    >>> name = save_evicted(folder, "pump-1", 1, {"weights": torch.zeros(2)})
    >>> load_evicted(folder, name, "pump-1")["weights"].tolist()
    [0.0, 0.0]
    """
    name = f"{hashlib.sha1(repr(key).encode()).hexdigest()[:16]}-{serial}.pt"
    stored = {"format": FORMAT, "key": storable(key), "state": state}
    persist.save(stored, Path(folder) / name, kind=KIND)
    return name


def load_evicted(folder: str | os.PathLike, name: str, key: Hashable) -> dict[str, Any]:
    """The state saved by :func:`save_evicted` under ``name``, checked to be ``key``'s."""
    path = Path(folder) / name
    stored = persist.load(path, kind=KIND)
    if stored.get("format") != FORMAT or stored.get("key") != key or "state" not in stored:
        raise persist.CheckpointError(f"cannot load {path}: it is not key {key!r}'s checkpoint")
    return stored["state"]


def purge(folder: str | os.PathLike, keep: Collection[str]) -> None:
    """Delete the files of ``folder`` not named in ``keep``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from streamad.distributed.evicted import purge, save_evicted
    >>> folder = tempfile.mkdtemp()
    >>> a = save_evicted(folder, "a", 1, {}); b = save_evicted(folder, "b", 2, {})
    >>> purge(folder, keep={b})
    >>> sorted(p.name for p in Path(folder).iterdir()) == [b]
    True
    """
    if not Path(folder).is_dir():
        return
    for path in Path(folder).glob("*.pt"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def state_nbytes(detector: Any) -> int:
    """Bytes of a detector's saved state: its weights, optimizer state, window and means.

    This is what a checkpoint stores per key. A live detector costs more in memory (Python and
    torch objects around the tensors): ``benchmarks/bench_keyed.py`` measures both.

    Examples
    --------
    >>> from streamad import RollingDetector
    >>> from streamad.distributed import state_nbytes
    >>> detector = RollingDetector(seed=1)          # Sutskever, hidden_size=30, window_size=10
    >>> detector.learn_one({"value": 1.0})
    >>> 15_000 < state_nbytes(detector) < 30_000    # ~4,150 float32 weights, one feature
    True
    """
    return nbytes(detector.get_state())
