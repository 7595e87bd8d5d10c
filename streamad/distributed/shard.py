"""Shard: one slice of a keyed stream, applied in order and checkpointed with its position."""

from __future__ import annotations

import copy
import os
import time
import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamad import persist

if TYPE_CHECKING:  # streamad.keyed imports this package: no import at run time
    from streamad.keyed import KeyedDetector

__all__ = ["Progress", "Scored", "Shard", "shard_of"]

FORMAT = "streamad.Shard/1"
KIND = "Shard"


def shard_of(key: Hashable, n_shards: int) -> int:
    """The shard of ``key``: CRC-32 of its ``repr``, so the same on every machine and run.

    (Python's ``hash`` of a string is salted per process: it would send a key to different
    shards after a restart.)

    Examples
    --------
    >>> from streamad.distributed import shard_of
    >>> [shard_of(k, 4) for k in ["pump-1", "pump-2", 7]]
    [1, 2, 2]
    """
    if n_shards < 1:
        raise ValueError(f"n_shards must be at least 1, got {n_shards}")
    return zlib.crc32(repr(key).encode()) % n_shards


@dataclass(frozen=True)
class Scored:
    """The scores of one batch: ``positions`` in the source, applied after position ``after``.

    Examples
    --------
    >>> from streamad.distributed import Scored
    >>> Scored(after=-1, positions=[0, 3], scores=[0.5, 0.25]).positions[-1]
    3
    """

    after: int
    positions: list[int]
    scores: list[float]


@dataclass(frozen=True)
class Progress:
    """A shard's answer: the last position applied and checkpointed, and batches scored.

    ``batches`` is empty when a batch was refused because it did not follow ``position``.

    Examples
    --------
    >>> from streamad.distributed import Progress
    >>> Progress(position=3, checkpoint=-1).batches
    []
    """

    position: int
    checkpoint: int
    batches: list[Scored] = field(default_factory=list)


class Shard:
    """The detectors of some keys, fed batches in stream order, checkpointed with their position.

    Each batch says which source position it follows (``after``); a batch that does not follow
    the last position applied is refused, untouched, so a batch is applied exactly once and in
    order whatever is re-sent. Scores of batches not yet acknowledged by the sender are kept (and
    checkpointed) so that none is lost when the process dies after saving. Every
    ``checkpoint_every`` batches or ``checkpoint_seconds`` seconds, the detectors, the position
    and those scores are saved atomically to ``path``; a Shard built on an existing ``path``
    resumes from it.

    Parameters
    ----------
    model
        The keyed detector (copied). Its ``checkpoint_dir`` for evicted keys, if any, must be this
        shard's own folder: eviction files are then kept until a checkpoint no longer needs them.
    path
        Checkpoint file (None: no checkpoints).
    checkpoint_every
        Batches between checkpoints.
    checkpoint_seconds
        Seconds between checkpoints (None: by batch count only).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from streamad import RollingDetector
    >>> from streamad.distributed import Shard
    >>> from streamad.keyed import KeyedDetector
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "shard-0.pt"
    >>> model = KeyedDetector(RollingDetector(window_size=3, hidden_size=2))
    >>> shard = Shard(model, path, checkpoint_every=1)
    >>> positions, xs = [0, 2], [{"key": "a", "v": 1.0}, {"key": "a", "v": 2.0}]
    >>> progress = shard.process(-1, positions, xs)
    >>> progress.position, progress.checkpoint, len(progress.batches[0].scores)
    (2, 2, 2)
    >>> shard.process(-1, positions, xs).batches   # already applied: refused
    []
    >>> Shard(model, path).position             # a restarted shard resumes
    2
    """

    def __init__(
        self,
        model: KeyedDetector,
        path: str | os.PathLike | None = None,
        checkpoint_every: int = 10,
        checkpoint_seconds: float | None = None,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be at least 1, got {checkpoint_every}")
        self.model = copy.deepcopy(model)
        self.path = path
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.position = -1
        self.checkpoint_position = -1
        self._unacked: dict[int, Scored] = {}
        self._since = 0
        self._saved_at = time.monotonic()
        if path is not None:
            self.model._retain_files = True
            if Path(path).exists():
                self._load()
            self.model._purge_unreferenced()

    def process(
        self, after: int, positions: Sequence[int], xs: Sequence[dict], acked: int = -1
    ) -> Progress:
        """Score then learn each sample of ``xs`` (at ``positions``) if they follow ``after``.

        ``acked`` is the last position whose score the sender has received: older scores are
        forgotten. (Two plain lists travel faster through Ray than a list of pairs.)
        """
        self._forget(acked)
        if after != self.position or not xs or len(positions) != len(xs):
            return self._progress([])
        scores = []
        for x in xs:
            scores.append(float(self.model.score_one(x)))
            self.model.learn_one(x)
        scored = Scored(after, list(positions), scores)
        self.position = scored.positions[-1]
        self._unacked[after] = scored
        self._since += 1
        elapsed = time.monotonic() - self._saved_at
        if self.path is not None and (
            self._since >= self.checkpoint_every
            or (self.checkpoint_seconds is not None and elapsed >= self.checkpoint_seconds)
        ):
            self.checkpoint()
        return self._progress([scored])

    def recover(self, acked: int = -1) -> Progress:
        """The position, and every scored batch after ``acked`` (to re-deliver after a crash)."""
        self._forget(acked)
        return self._progress(sorted(self._unacked.values(), key=lambda s: s.after))

    def checkpoint(self) -> None:
        """Save the detectors, the position and the unacknowledged scores atomically."""
        if self.path is None:
            raise ValueError("this shard has no checkpoint path")
        state = {
            "format": FORMAT,
            "position": self.position,
            "model": self.model.get_state(),
            "unacked": [[s.after, s.positions, s.scores] for s in self._unacked.values()],
        }
        persist.save(state, self.path, kind=KIND)
        self.checkpoint_position = self.position
        self._since, self._saved_at = 0, time.monotonic()
        self.model._purge_unreferenced()

    def get_state(self) -> dict[str, Any]:
        """The keyed detector's state (see :meth:`KeyedDetector.get_state`)."""
        return self.model.get_state()

    def _load(self) -> None:
        assert self.path is not None
        state = persist.load(self.path, kind=KIND)
        try:
            if state.get("format") != FORMAT:
                raise persist.CheckpointError(f"not a Shard state (format {state.get('format')!r})")
            self.model.set_state(state["model"])
            self.position = self.checkpoint_position = state["position"]
            self._unacked = {a: Scored(a, list(p), list(s)) for a, p, s in state["unacked"]}
        except persist.CheckpointError as error:
            raise persist.CheckpointError(f"cannot load {self.path}: {error}") from error
        except Exception as error:  # whatever building from a malformed state raises
            problem = f"malformed Shard state ({type(error).__name__}: {error})"
            raise persist.CheckpointError(f"cannot load {self.path}: {problem}") from error

    def _forget(self, acked: int) -> None:
        for after in [a for a, s in self._unacked.items() if s.positions[-1] <= acked]:
            del self._unacked[after]

    def _progress(self, batches: list[Scored]) -> Progress:
        return Progress(self.position, self.checkpoint_position, batches)
