"""What a KeyedDetector keeps: evicted detectors saved to files, and the state of the whole."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from torch import nn

from streamad.distributed.evicted import load_evicted, save_evicted, storable
from streamad.persist import CheckpointError

__all__ = ["evict", "load_state", "restore", "revive", "state_of"]

FORMAT = "streamad.KeyedDetector/1"


def evict(model: Any, key: Any) -> None:
    """Save ``key``'s detector (with a checkpoint folder), then drop it.

    If saving fails, the error is raised and the detector stays live: none is lost.
    """
    detector = model.detectors_[key]
    if model.checkpoint_dir is not None:
        try:
            name = save_evicted(
                model.checkpoint_dir, key, model.n_evicted + 1, detector.get_state()
            )
        except Exception as error:
            if hasattr(error, "add_note"):  # Python 3.11+
                error.add_note(f"evicting key {key!r}: its detector stays live")
            raise
        model.evicted_[key] = name
    del model.detectors_[key]
    del model._seen_at[key]
    model.n_evicted += 1


def revive(model: Any, key: Any) -> Any:
    """The detector saved when ``key`` was evicted; the index keeps it until it is admitted.

    Any problem with its file, or with building the detector from it, is a ``CheckpointError``
    naming the file.
    """
    assert model.checkpoint_dir is not None
    name = model.evicted_[key]
    state = load_evicted(model.checkpoint_dir, name, key)
    try:
        return restore(model, key, state)
    except Exception as error:  # whatever building from a malformed state raises: never bare
        path = Path(model.checkpoint_dir) / name
        problem = f"key {key!r}'s detector cannot be built ({type(error).__name__}: {error})"
        raise CheckpointError(f"cannot load {path}: {problem}") from error


def forget(model: Any, key: Any) -> None:
    """Drop ``key`` from the index of evicted keys (and its file, unless a shard keeps it)."""
    name = model.evicted_.pop(key)
    if not model._retain_files and model.checkpoint_dir is not None:
        (Path(model.checkpoint_dir) / name).unlink(missing_ok=True)


def restore(model: Any, key: Any, state: dict) -> Any:
    """A detector for ``key`` with ``state``, built like the model builds new ones."""
    blank = model._blank(key)
    if not callable(getattr(type(blank), "from_state", None)):
        raise TypeError(f"{type(blank).__name__} has no from_state: it cannot be checkpointed")
    module = getattr(blank, "module", None)
    return type(blank).from_state(state, module if isinstance(module, nn.Module) else None)


def state_of(model: Any) -> dict[str, Any]:
    """Every live detector's state, the recency order and the index of evicted keys."""
    keys = [storable(k) for k in model.detectors_]
    return {
        "format": FORMAT,
        "keys": keys,
        "detectors": [d.get_state() for d in model.detectors_.values()],
        "seen_at": [model._seen_at[k] for k in keys],
        "evicted": [[storable(k), name] for k, name in model.evicted_.items()],
        "counters": {
            "n_seen": model.n_seen,
            "n_created": model.n_created,
            "n_evicted": model.n_evicted,
            "n_revived": model.n_revived,
        },
    }


def load_state(model: Any, state: dict[str, Any]) -> None:
    """Replace everything ``model`` learned by a state from :func:`state_of`."""
    if state.get("format") != FORMAT:
        raise ValueError(f"not a saved KeyedDetector (format {state.get('format')!r})")
    detectors = OrderedDict(
        (k, restore(model, k, s)) for k, s in zip(state["keys"], state["detectors"], strict=True)
    )
    model.detectors_ = detectors
    model._seen_at = dict(zip(state["keys"], state["seen_at"], strict=True))
    model.evicted_ = {k: name for k, name in state["evicted"]}
    for name, value in state["counters"].items():
        setattr(model, name, value)
    model.last_key = None
