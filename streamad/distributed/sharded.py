"""RayKeyedDetector: a KeyedDetector split over Ray actors by key, checkpointed and recoverable.

Imports Ray: use it through :mod:`streamad.ray`, which says what to install when Ray is absent.
"""

from __future__ import annotations

import copy
import os
import time
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

import ray
import torch

from streamad.distributed.shard import Progress, Shard, shard_of
from streamad.keyed import KeyedDetector

__all__ = ["RayKeyedDetector"]

Result = tuple[int, Hashable, float]  # (position in the source, key, score)


class _ShardActor(Shard):
    """A :class:`Shard` in its own process, with torch held to ``threads`` threads."""

    def __init__(self, *args: Any, threads: int = 1, **kwargs: Any) -> None:
        torch.set_num_threads(threads)
        super().__init__(*args, **kwargs)


class RayKeyedDetector:
    """A :class:`~streamad.KeyedDetector` split over ``n_shards`` Ray actors by key.

    Each key goes to shard ``crc32(repr(key)) % n_shards`` (stable across processes), so one
    actor holds all of a key's detector and sees its samples in stream order. Samples travel in
    batches of ``batch_size`` per shard (a batch also leaves once ``batch_size * n_shards``
    samples have passed since its first sample, so a quiet shard is not held back for long).

    With ``checkpoint_dir`` each shard saves its detectors and the last source position it has
    applied every ``checkpoint_every`` batches or ``checkpoint_seconds`` seconds, atomically, to
    ``checkpoint_dir/shard-<i>.pt``. When an actor dies, Ray restarts it (up to
    ``max_restarts`` times) from its checkpoint and the driver re-sends the batches after that
    position: every sample is applied once, in order, so the scores equal a one-process run of
    the same stream exactly (the detectors are deterministic given their seeds). A new driver
    on the same ``checkpoint_dir`` resumes: feed :meth:`run` the source from ``resume_from``.

    Parameters
    ----------
    model
        The keyed detector each shard copies (its evicted-key folder becomes one per shard).
    n_shards
        Number of actors.
    batch_size
        Samples per remote call.
    checkpoint_dir
        Folder for the shards' checkpoints (None: no checkpoints and no recovery).
    checkpoint_every
        Batches between a shard's checkpoints.
    checkpoint_seconds
        Seconds between a shard's checkpoints (None: by batch count only).
    max_inflight
        Batches in flight per shard before the driver waits (backpressure).
    max_restarts
        Restarts Ray grants each actor (with ``checkpoint_dir``).
    actor_options
        Extra Ray actor options (default ``num_cpus=1``).

    Examples
    --------
    Ray is needed, so the example is skipped in the doctests (``tests/test_ray.py`` runs it):

    >>> import ray                                                          # doctest: +SKIP
    >>> from streamad import RollingDetector                                # doctest: +SKIP
    >>> from streamad.keyed import KeyedDetector                            # doctest: +SKIP
    >>> ray.init(num_cpus=2, include_dashboard=False)                       # doctest: +SKIP
    >>> model = KeyedDetector(RollingDetector(hidden_size=4), key="host")   # doctest: +SKIP
    >>> sharded = RayKeyedDetector(model, n_shards=2, checkpoint_dir="ckpt")  # doctest: +SKIP
    >>> stream = [{"host": f"h{i % 10}", "v": i % 7} for i in range(1000)]  # doctest: +SKIP
    >>> results = list(sharded.run(stream))                                 # doctest: +SKIP
    >>> len(results), sorted(results)[0][:2]                               # doctest: +SKIP
    (1000, (0, 'h0'))
    """

    def __init__(
        self,
        model: KeyedDetector,
        n_shards: int = 2,
        batch_size: int = 500,
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_every: int = 10,
        checkpoint_seconds: float | None = None,
        max_inflight: int = 4,
        max_restarts: int = 3,
        actor_options: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(model, KeyedDetector):
            raise TypeError(f"model must be a KeyedDetector, not {type(model).__name__}")
        for name, value in [
            ("n_shards", n_shards),
            ("batch_size", batch_size),
            ("max_inflight", max_inflight),
        ]:
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self.model = model
        self.n_shards = n_shards
        self.batch_size = batch_size
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.max_inflight = max_inflight
        self.max_restarts = max_restarts
        self.actor_options = actor_options
        self.actors: list[Any] = []
        self.resume_from = 0
        self.n_recoveries = 0

    # -- Actors ------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the actors (each resumes from its checkpoint, if any); :meth:`run` calls it."""
        if self.actors:
            return
        options = {
            "num_cpus": 1,
            "max_restarts": self.max_restarts if self.checkpoint_dir else 0,
            "max_task_retries": 0,
            **(self.actor_options or {}),
        }
        actor_class = ray.remote(_ShardActor).options(**options)
        for i in range(self.n_shards):
            model = copy.deepcopy(self.model)
            if model.checkpoint_dir is not None:
                model.checkpoint_dir = str(Path(model.checkpoint_dir) / f"shard-{i}")
            path = None
            if self.checkpoint_dir is not None:
                path = Path(self.checkpoint_dir) / f"shard-{i}.pt"
            self.actors.append(
                actor_class.remote(model, path, self.checkpoint_every, self.checkpoint_seconds)
            )
        positions = [p.position for p in ray.get([a.recover.remote() for a in self.actors])]
        self._sent = list(positions)  # last position sent to (or applied by) each shard
        self._delivered = list(positions)  # last position whose score was handed out
        self._buffers: list[list[tuple[int, dict]]] = [[] for _ in self.actors]
        self._inflight: list[deque] = [deque() for _ in self.actors]  # (after, batch, ref)
        self._log: list[deque] = [deque() for _ in self.actors]  # (after, batch) not checkpointed
        self.resume_from = self._next = min(positions) + 1

    def shutdown(self) -> None:
        """Kill the actors (their checkpoints stay)."""
        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self.actors = []

    def checkpoint(self) -> None:
        """Make every shard checkpoint now (needs ``checkpoint_dir``)."""
        ray.get([actor.checkpoint.remote() for actor in self.actors])

    def get_states(self) -> list[dict[str, Any]]:
        """Each shard's :meth:`KeyedDetector.get_state`."""
        return ray.get([actor.get_state.remote() for actor in self.actors])

    # -- The stream --------------------------------------------------------------------------
    def run(self, source: Iterable[dict]) -> Iterator[Result]:
        """Score then learn each sample of ``source``; yields ``(position, key, score)``.

        Positions count from ``resume_from`` (0 on a fresh start). Results come in stream order
        for each key (and each shard), not across shards.
        """
        self.start()
        stale_after = self.batch_size * self.n_shards
        for x in source:
            position, self._next = self._next, self._next + 1
            s = shard_of(self.model.key_of(x), self.n_shards)
            if position <= self._sent[s]:
                continue  # a resumed shard applied it already
            buffer = self._buffers[s]
            buffer.append((position, x))
            if len(buffer) >= self.batch_size:
                yield from self._send(s)
            if position % self.batch_size == 0:
                for t, other in enumerate(self._buffers):
                    if other and position - other[0][0] >= stale_after:
                        yield from self._send(t)
        for s, buffer in enumerate(self._buffers):
            if buffer:
                yield from self._send(s)
        while any(self._inflight):
            yield from self._collect(block=True)
        if self.checkpoint_dir is not None:
            self.checkpoint()

    def _send(self, s: int) -> Iterator[Result]:
        batch, self._buffers[s] = self._buffers[s], []
        after, self._sent[s] = self._sent[s], batch[-1][0]
        yield from self._collect(block=False)
        while len(self._inflight[s]) >= self.max_inflight:
            yield from self._collect(block=True, only=s)
        if self.checkpoint_dir is not None:  # logged once room is made: a recovery meanwhile
            self._log[s].append((after, batch))  # re-sends the log, not this batch
        self._submit(s, after, batch)

    def _submit(self, s: int, after: int, batch: list[tuple[int, dict]]) -> None:
        positions, xs = [p for p, _ in batch], [x for _, x in batch]
        ref = self.actors[s].process.remote(after, positions, xs, self._delivered[s])
        self._inflight[s].append((after, batch, ref))

    def _collect(self, block: bool, only: int | None = None) -> Iterator[Result]:
        """Hand out the scores of finished batches at the head of each shard's queue.

        Blocking: until at least one batch (of shard ``only``, if given) is done; otherwise
        whatever is done now.
        """
        while True:
            shards = [only] if only is not None else range(len(self.actors))
            heads = {q[0][2]: s for s in shards if (q := self._inflight[s])}
            if not heads:
                return
            wanted = 1 if block else len(heads)
            ready, _ = ray.wait(list(heads), num_returns=wanted, timeout=None if block else 0)
            if not ready:
                return
            for ref in ready:
                yield from self._finish(heads[ref])
            if block:
                return

    def _finish(self, s: int) -> Iterator[Result]:
        _, batch, ref = self._inflight[s].popleft()
        try:
            progress = ray.get(ref)
        except ray.exceptions.RayActorError:
            yield from self._recover(s)
            return
        if not progress.batches:  # refused: it did not follow the shard's position
            yield from self._recover(s)
            return
        yield from self._accept(s, progress, dict(batch))

    def _accept(self, s: int, progress: Progress, xs: dict[int, dict]) -> Iterator[Result]:
        for scored in progress.batches:
            if scored.after != self._delivered[s]:
                continue  # delivered before a restart
            for position, score in zip(scored.positions, scored.scores, strict=True):
                yield position, self.model.key_of(xs[position]), score
            self._delivered[s] = scored.positions[-1]
        log = self._log[s]
        while log and log[0][1][-1][0] <= progress.checkpoint:
            log.popleft()

    def _recover(self, s: int) -> Iterator[Result]:
        """Resume shard ``s`` after its actor died or refused a batch."""
        if self.checkpoint_dir is None:
            raise RuntimeError(
                f"shard {s} failed and has no checkpoint to recover from: set checkpoint_dir"
            )
        self.n_recoveries += 1
        sent = dict(self._log[s])  # every batch since the last checkpoint we know of
        self._inflight[s].clear()
        progress = self._ask_recover(s)
        xs = {p: x for batch in sent.values() for p, x in batch}
        yield from self._accept(s, progress, xs)
        for after in sorted(a for a in sent if a >= progress.position):
            self._submit(s, after, sent[after])

    def _ask_recover(self, s: int, timeout: float = 180.0) -> Progress:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return ray.get(self.actors[s].recover.remote(self._delivered[s]))
            except ray.exceptions.RayActorError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
