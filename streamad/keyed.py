"""KeyedDetector: one anomaly detector per key (a device, a user, a series), made on first sight."""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from river import anomaly
from torch import nn

from streamad.detector import RollingDetector
from streamad.distributed.evicted import load_evicted, purge, save_evicted, storable

__all__ = ["KeyedDetector"]

FORMAT = "streamad.KeyedDetector/1"


def _positive_or_none(name: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive integer or None, not {value!r}")


class KeyedDetector(anomaly.base.AnomalyDetector):
    """Route each sample by its key to that key's own detector, created on first sight.

    A sample's key is the field ``key`` of ``x`` (removed before ``x`` reaches the key's
    detector) or ``key(x)`` when ``key`` is a function (``x`` then goes through unchanged). A new
    key gets ``factory(key)``, else a clone of ``detector`` (fresh weights; a seeded template
    gives every key the same initial weights), else a copy of ``detector`` with what it has
    learned when ``warm_start`` is True (pre-train it on pooled data to warm-start every key).

    At most ``max_keys`` detectors are live: beyond that the least recently used key is evicted;
    with ``max_idle`` a key unseen for that many learned samples (of any key) is evicted too.
    With ``checkpoint_dir`` an evicted detector is saved there (atomically, plain data and
    tensors) and a returning key resumes where it left off; without it, it starts afresh. Keys
    must then be strings or integers, and detectors need ``get_state``/``from_state`` (as
    :class:`~streamad.RollingDetector` has).

    Memory: a ``RollingDetector(Sutskever)`` (``hidden_size=30``, one feature) has 4,152
    float32 weights; its saved state is 21.5 kB
    (:func:`~streamad.distributed.state_nbytes`) and a live one costs ~42 kB of process memory
    (measured by ``benchmarks/bench_keyed.py``); ``max_keys`` bounds the total.

    ``score_one`` creates (or revives) the key's detector and counts as a use of the key, but
    learns nothing. Scores are those of the key's detector (a ``RollingDetector``'s are
    non-negative and unbounded, and real from the first sample of each key).

    Parameters
    ----------
    detector
        Template detector (default ``RollingDetector()``); not used itself, only cloned or copied.
    key
        Name of the key field of ``x``, or a function ``x -> key``.
    factory
        A function ``key -> detector``, instead of a template.
    warm_start
        Copy the template with its learned state instead of cloning it.
    max_keys
        Most live detectors (None: unbounded).
    max_idle
        Evict a key after this many learned samples without it (None: never).
    checkpoint_dir
        Folder where evicted detectors are saved and revived from (None: they are dropped).

    Examples
    --------
    >>> from river import metrics
    >>> from streamad import RollingDetector
    >>> from streamad.keyed import KeyedDetector
    >>> model = KeyedDetector(RollingDetector(window_size=5, hidden_size=4), key="host")
    >>> auc = metrics.ROCAUC()
    >>> for t in range(300):
    ...     for host in ("a", "b"):
    ...         spike = host == "b" and t % 50 == 49
    ...         x = {"host": host, "load": 8.0 if spike else float(t % 5) / 5}
    ...         auc.update(spike, model.score_one(x))
    ...         model.learn_one(x)
    >>> auc
    ROCAUC: 96.63%
    >>> sorted(model.detectors_), model.detectors_["a"].features
    (['a', 'b'], ('load',))
    """

    def __init__(
        self,
        detector: anomaly.base.AnomalyDetector | None = None,
        key: str | Callable[[dict], Hashable] = "key",
        factory: Callable[[Hashable], anomaly.base.AnomalyDetector] | None = None,
        warm_start: bool = False,
        max_keys: int | None = 10_000,
        max_idle: int | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
    ) -> None:
        if not (isinstance(key, str) or callable(key)):
            raise TypeError(f"key must be a field name or a function x -> key, not {key!r}")
        if factory is not None and (detector is not None or warm_start):
            raise ValueError("give a factory or a template detector (with warm_start), not both")
        _positive_or_none("max_keys", max_keys)
        _positive_or_none("max_idle", max_idle)
        self.detector = detector
        self.key = key
        self.factory = factory
        self.warm_start = warm_start
        self.max_keys = max_keys
        self.max_idle = max_idle
        self.checkpoint_dir = checkpoint_dir
        self.detectors_: OrderedDict[Hashable, Any] = OrderedDict()  # least recently used first
        self.evicted_: dict[Hashable, str] = {}  # evicted key -> its file in checkpoint_dir
        self._seen_at: dict[Hashable, int] = {}
        self.last_key: Hashable | None = None
        self.n_seen = self.n_created = self.n_evicted = self.n_revived = 0
        self._retain_files = False  # set by a shard that checkpoints the index itself

    @classmethod
    def _unit_test_params(cls):
        yield {"detector": RollingDetector(hidden_size=4, window_size=4), "key": len}

    # -- River API ---------------------------------------------------------------------------
    def score_one(self, x: dict) -> float:
        key, rest = self._split(x)
        return self._detector(key).score_one(rest)

    def learn_one(self, x: dict, y: Any = None, **kwargs: Any) -> None:
        key, rest = self._split(x)
        self._detector(key).learn_one(rest)
        self.n_seen += 1
        self._seen_at[key] = self.n_seen
        self._evict_idle()

    @property
    def feature_errors(self) -> dict[str, float] | None:
        """The ``feature_errors`` of the last key's detector (None if it has none)."""
        detector = self.detectors_.get(self.last_key)
        return getattr(detector, "feature_errors", None)

    # -- Routing -----------------------------------------------------------------------------
    def key_of(self, x: dict) -> Hashable:
        """The key of sample ``x``.

        Examples
        --------
        >>> KeyedDetector(key="host").key_of({"host": "db-1", "load": 0.5})
        'db-1'
        >>> KeyedDetector(key=lambda x: x["load"] > 1).key_of({"load": 0.5})
        False
        """
        if isinstance(self.key, str):
            if self.key not in x:
                raise ValueError(f"sample has no key field {self.key!r}; its fields: {sorted(x)}")
            key = x[self.key]
        else:
            key = self.key(x)
        try:
            hash(key)
        except TypeError:
            raise TypeError(f"key {key!r} is not hashable") from None
        return key

    def _split(self, x: dict) -> tuple[Hashable, dict]:
        key = self.key_of(x)
        if isinstance(self.key, str):
            return key, {k: v for k, v in x.items() if k != self.key}
        return key, x

    def _detector(self, key: Hashable) -> Any:
        detector = self.detectors_.get(key)
        if detector is None:
            detector = self._revive(key) if key in self.evicted_ else self._create(key)
            self.detectors_[key] = detector
        else:
            self.detectors_.move_to_end(key)
        self._seen_at[key] = self.n_seen
        self.last_key = key
        while self.max_keys is not None and len(self.detectors_) > self.max_keys:
            self._evict(next(iter(self.detectors_)))
        return detector

    def _blank(self, key: Hashable, warm: bool = False) -> Any:
        if self.factory is not None:
            detector = self.factory(key)
        elif self.detector is None:
            detector = RollingDetector()
        else:
            detector = copy.deepcopy(self.detector) if warm else self.detector.clone()
        if not isinstance(detector, anomaly.base.AnomalyDetector):
            raise TypeError(f"the detector for key {key!r} is not a River anomaly detector")
        return detector

    def _create(self, key: Hashable) -> Any:
        self.n_created += 1
        return self._blank(key, warm=self.warm_start)

    def _restore(self, key: Hashable, state: dict) -> Any:
        blank = self._blank(key)
        if not callable(getattr(type(blank), "from_state", None)):
            raise TypeError(f"{type(blank).__name__} has no from_state: it cannot be checkpointed")
        module = getattr(blank, "module", None)
        return type(blank).from_state(state, module if isinstance(module, nn.Module) else None)

    # -- Eviction and checkpoints ------------------------------------------------------------
    def _evict_idle(self) -> None:
        if self.max_idle is None:
            return
        while self.detectors_:
            oldest = next(iter(self.detectors_))
            if self.n_seen - self._seen_at[oldest] <= self.max_idle:
                break
            self._evict(oldest)

    def _evict(self, key: Hashable) -> None:
        detector = self.detectors_.pop(key)
        del self._seen_at[key]
        self.n_evicted += 1
        if self.checkpoint_dir is not None:
            state = detector.get_state()
            self.evicted_[key] = save_evicted(self.checkpoint_dir, key, self.n_evicted, state)

    def _revive(self, key: Hashable) -> Any:
        assert self.checkpoint_dir is not None
        name = self.evicted_.pop(key)
        state = load_evicted(self.checkpoint_dir, name, key)
        self.n_revived += 1
        if not self._retain_files:
            (Path(self.checkpoint_dir) / name).unlink(missing_ok=True)
        return self._restore(key, state)

    def _purge_unreferenced(self) -> None:
        """Delete checkpoint files the index no longer names (revived, or from a lost future)."""
        if self.checkpoint_dir is not None:
            purge(self.checkpoint_dir, keep=set(self.evicted_.values()))

    def get_state(self) -> dict[str, Any]:
        """Every live detector's state, the recency order and the index of evicted keys.

        Restore it with :meth:`set_state` on a KeyedDetector built with the same parameters.

        Examples
        --------
        >>> from streamad import RollingDetector
        >>> model = KeyedDetector(RollingDetector(window_size=3, hidden_size=2))
        >>> for i in range(6):
        ...     model.learn_one({"key": i % 2, "v": float(i)})
        >>> copy = KeyedDetector(RollingDetector(window_size=3, hidden_size=2))
        >>> copy.set_state(model.get_state())
        >>> x = {"key": 1, "v": 3.0}
        >>> copy.score_one(x) == model.score_one(x)
        True
        """
        keys = [storable(k) for k in self.detectors_]
        return {
            "format": FORMAT,
            "keys": keys,
            "detectors": [d.get_state() for d in self.detectors_.values()],
            "seen_at": [self._seen_at[k] for k in keys],
            "evicted": [[storable(k), name] for k, name in self.evicted_.items()],
            "counters": {
                "n_seen": self.n_seen,
                "n_created": self.n_created,
                "n_evicted": self.n_evicted,
                "n_revived": self.n_revived,
            },
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Replace everything learned by a state from :meth:`get_state`."""
        if state.get("format") != FORMAT:
            raise ValueError(f"not a saved KeyedDetector (format {state.get('format')!r})")
        self.detectors_ = OrderedDict(
            (k, self._restore(k, s)) for k, s in zip(state["keys"], state["detectors"], strict=True)
        )
        self._seen_at = dict(zip(state["keys"], state["seen_at"], strict=True))
        self.evicted_ = {k: name for k, name in state["evicted"]}
        for name, value in state["counters"].items():
            setattr(self, name, value)
        self.last_key = None
