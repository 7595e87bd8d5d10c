"""Ray-free building blocks of distributed detection: stable key routing and shards.

`Shard` applies batches of a keyed stream in order and checkpoints its detectors together with
the stream position it has consumed; `shard_of` routes a key to a shard with a stable hash.
`evicted` holds the files of detectors a `KeyedDetector` evicted, and `state_nbytes` measures
what one detector's state weighs. `streamad.ray` runs shards as Ray actors (the optional
``streamad-lstm[ray]`` extra); nothing here imports Ray.
"""

from __future__ import annotations

from streamad.distributed.evicted import state_nbytes
from streamad.distributed.shard import Progress, Scored, Shard, shard_of

__all__ = ["Progress", "Scored", "Shard", "shard_of", "state_nbytes"]
