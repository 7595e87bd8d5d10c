"""KeyedDetector: route each sample by its key to that key's own detector."""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from river import anomaly

from streamad.detector import RollingDetector
from streamad.distributed.evicted import purge
from streamad.keyed._keys import split
from streamad.keyed._store import evict, forget, load_state, revive, state_of

__all__ = ["KeyedDetector"]

Key = str | int


def default_detector() -> Any:
    """The template of a KeyedDetector given none: the whole chain, :class:`~streamad.Monitor`."""
    from streamad.monitor import Monitor

    return Monitor()


def _positive_or_none(name: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive integer or None, not {value!r}")


def _has(model: Any, *methods: str) -> bool:
    return all(callable(getattr(model, name, None)) for name in methods)


class KeyedDetector(anomaly.base.AnomalyDetector):
    """Route each sample by its key to that key's own detector, created on first sight.

    A sample's key is the field ``key`` of ``x`` (removed before ``x`` reaches the key's
    detector) or ``key(x)`` when ``key`` is a function (``x`` then goes through unchanged). Keys
    are strings or integers: any other key (a bool, a float, NaN, None) is refused with
    ``TypeError`` by the call of its sample, which then changes nothing. A new key gets
    ``factory(key)``, else a clone of ``detector`` (fresh weights; a seeded template gives every
    key the same initial weights), else a copy of ``detector`` with what it has learned when
    ``warm_start`` is True (pre-train it on pooled data to warm-start every key). A detector is
    a River anomaly detector, or any object with ``score_one`` and ``learn_one``.

    At most ``max_keys`` detectors are live: a new key first evicts the least recently used
    one; with ``max_idle`` a key unseen for that many learned samples (of any key) is evicted
    too, before the next sample is learned. With ``checkpoint_dir`` an evicted detector is saved
    there (atomically, plain data and tensors; detectors need ``get_state``/``from_state``, as
    :class:`~streamad.RollingDetector` has) and a returning key resumes where it left off;
    without it, it starts afresh. A detector that cannot be saved is not evicted: it stays
    live and the error is raised by the call that evicted it, before that call's sample is
    scored or learned. A checkpoint that cannot be read back is raised by its key's calls.

    Memory: a ``RollingDetector(Sutskever)`` (``hidden_size=30``, one feature) has 4,152
    float32 weights; its saved state is 18.0 kB
    (:func:`~streamad.distributed.state_nbytes`) and a live one costs ~42 kB of process memory
    (measured by ``benchmarks/bench_keyed.py``); ``max_keys`` bounds the total.

    ``score_one`` creates (or revives) the key's detector and counts as a use of the key, but
    learns nothing. Scores are those of the key's detector (a ``RollingDetector``'s are
    non-negative and unbounded, and real from the first sample of each key).

    Parameters
    ----------
    detector
        Template detector (default ``Monitor()``, the whole chain); not used itself, only
        cloned or copied.
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
        detector: Any = None,
        key: str | Callable[[dict], Key] = "key",
        factory: Callable[[Key], Any] | None = None,
        warm_start: bool = False,
        max_keys: int | None = 10_000,
        max_idle: int | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
    ) -> None:
        if not (isinstance(key, str) or callable(key)):
            raise TypeError(f"key must be a field name or a function x -> key, not {key!r}")
        if factory is not None and (detector is not None or warm_start):
            raise ValueError("give a factory or a template detector (with warm_start), not both")
        if detector is not None and not warm_start and not _has(detector, "clone"):
            raise TypeError(f"{type(detector).__name__} has no clone: give warm_start or a factory")
        _positive_or_none("max_keys", max_keys)
        _positive_or_none("max_idle", max_idle)
        self.detector = detector
        self.key = key
        self.factory = factory
        self.warm_start = warm_start
        self.max_keys = max_keys
        self.max_idle = max_idle
        self.checkpoint_dir = checkpoint_dir
        self.detectors_: OrderedDict[Key, Any] = OrderedDict()  # least recently used first
        self.evicted_: dict[Key, str] = {}  # evicted key -> its file in checkpoint_dir
        self._seen_at: dict[Key, int] = {}
        self.last_key: Key | None = None
        self.n_seen = self.n_created = self.n_evicted = self.n_revived = 0
        self._retain_files = False  # set by a shard that checkpoints the index itself

    @classmethod
    def _unit_test_params(cls):
        yield {"detector": RollingDetector(hidden_size=4, window_size=4), "key": len}

    # -- River API ---------------------------------------------------------------------------
    def score_one(self, x: dict) -> float:
        key, rest = split(x, self.key)
        return self._detector(key).score_one(rest)

    def learn_one(self, x: dict, y: Any = None, **kwargs: Any) -> None:
        key, rest = split(x, self.key)
        detector = self._detector(key)
        self._evict_idle(self.n_seen + 1)  # a failed eviction raises before anything is learned
        detector.learn_one(rest)
        self.n_seen += 1
        self._seen_at[key] = self.n_seen

    @property
    def feature_errors(self) -> dict[str, float] | None:
        """The ``feature_errors`` of the last key's detector (None if it has none)."""
        detector = self.detectors_.get(self.last_key) if self.last_key is not None else None
        return getattr(detector, "feature_errors", None)

    # -- Routing -----------------------------------------------------------------------------
    def key_of(self, x: dict) -> Key:
        """The key of sample ``x``: a string or an integer, else ``TypeError``.

        Examples
        --------
        >>> from streamad import KeyedDetector
        >>> KeyedDetector(key="host").key_of({"host": "db-1", "load": 0.5})
        'db-1'
        >>> KeyedDetector(key=lambda x: int(x["load"] > 1)).key_of({"load": 0.5})
        0
        """
        return split(x, self.key)[0]

    def _detector(self, key: Key) -> Any:
        detector = self.detectors_.get(key)
        if detector is not None:
            self.detectors_.move_to_end(key)
        else:
            revived = key in self.evicted_
            detector = revive(self, key) if revived else self._blank(key, warm=self.warm_start)
            self._make_room()  # evicts first: if that fails, the new detector is not admitted
            if revived:
                forget(self, key)
                self.n_revived += 1
            else:
                self.n_created += 1
            self.detectors_[key] = detector
        self._seen_at[key] = self.n_seen
        self.last_key = key
        return detector

    def _blank(self, key: Key, warm: bool = False) -> Any:
        if self.factory is not None:
            detector = self.factory(key)
        elif self.detector is None:
            detector = default_detector()
        else:
            detector = copy.deepcopy(self.detector) if warm else self.detector.clone()
        if not _has(detector, "score_one", "learn_one"):
            raise TypeError(
                f"the detector for key {key!r} is not a River anomaly detector: "
                f"a {type(detector).__name__} has no score_one and learn_one"
            )
        if self.checkpoint_dir is not None and not _has(detector, "get_state"):
            raise TypeError(
                f"{type(detector).__name__} has no get_state: it cannot be checkpointed"
            )
        return detector

    # -- Eviction and checkpoints ------------------------------------------------------------
    def _make_room(self) -> None:
        while self.max_keys is not None and len(self.detectors_) >= self.max_keys:
            evict(self, next(iter(self.detectors_)))

    def _evict_idle(self, now: int) -> None:
        if self.max_idle is None:
            return
        while self.detectors_:
            oldest = next(iter(self.detectors_))
            if now - self._seen_at[oldest] <= self.max_idle:
                break
            evict(self, oldest)

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
        >>> from streamad.keyed import KeyedDetector
        >>> model = KeyedDetector(RollingDetector(window_size=3, hidden_size=2))
        >>> for i in range(6):
        ...     model.learn_one({"key": i % 2, "v": float(i)})
        >>> copy = KeyedDetector(RollingDetector(window_size=3, hidden_size=2))
        >>> copy.set_state(model.get_state())
        >>> x = {"key": 1, "v": 3.0}
        >>> copy.score_one(x) == model.score_one(x)
        True
        """
        return state_of(self)

    def set_state(self, state: dict[str, Any]) -> None:
        """Replace everything learned by a state from :meth:`get_state`."""
        load_state(self, state)
