"""Ray: keyed detectors sharded over actors, with checkpoints and recovery; parallel replay.

Needs the optional extra ``pip install streamad-lstm[ray]``; ``import streamad`` never imports Ray.
Ray actors keep no state across a restart, so each shard checkpoints its detectors itself
(:class:`~streamad.distributed.Shard`, with ``get_state``/``from_state``), and the driver
re-sends what a restarted shard has not applied. See ``docs/distributed.md``.

- :class:`RayKeyedDetector`: a :class:`~streamad.keyed.KeyedDetector` sharded over actors.
- :func:`replay`: many series evaluated in parallel through the prequential evaluator.
"""

from __future__ import annotations

try:
    import ray  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "streamad.ray needs Ray, which is not installed: pip install 'streamad-lstm[ray]'"
    ) from error

from streamad.distributed.replay import replay
from streamad.distributed.sharded import RayKeyedDetector

__all__ = ["RayKeyedDetector", "replay"]
