"""`Inject`: put labelled, recorded anomalies into any `(x, y)` stream."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from streamad.datasets.base import Sample, Stream
from streamad.synth.inject import (
    jitter,
    level_shift,
    magnitude_warp,
    permutation,
    rotation,
    scaling,
    spike,
)

__all__ = ["KINDS", "Inject", "Injection"]

#: An injection function: a (T, F) segment and a generator in, the altered segment out.
Kind = Callable[[np.ndarray, np.random.Generator], np.ndarray]

#: The default kinds: every function of `streamad.synth.inject`, with its default strength.
KINDS: tuple[Kind, ...] = (
    spike,
    level_shift,
    jitter,
    scaling,
    rotation,
    permutation,
    magnitude_warp,
)


@dataclass(frozen=True)
class Injection:
    """One injected anomaly: samples `start` to `end - 1` of the stream (0-based positions), of
    which the values of `features` were altered by the function named `kind`."""

    kind: str
    start: int
    end: int
    features: tuple[str, ...]


def _name(kind: Kind) -> str:
    inner = getattr(kind, "func", kind)  # functools.partial
    return str(getattr(inner, "__name__", repr(kind)))


def apply_kind(
    kind: Kind,
    segment: np.ndarray,
    columns: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Apply `kind` to `columns` of `segment`, standardised by `mean` and `scale`.

    Unchanged standardised values give back exactly the original values, so a comparison of the
    result with `segment` tells which samples and features were altered.
    """
    z = (segment[:, columns] - mean[columns]) / scale[columns]
    out = segment.copy()
    out[:, columns] = segment[:, columns] + (kind(z, rng) - z) * scale[columns]
    return out


class Inject(Stream):
    """Inject labelled anomalies into a stream of `(x, y)` pairs, reproducibly from `seed`.

    After `warm_up` samples, an anomaly starts at each normal sample with probability `rate`.
    It takes the next `length` samples (buffered), a random subset of up to half the features
    (at least one; at least two for `rotation`), standardises them with the running mean and
    standard deviation of the samples seen so far, applies a kind drawn from `kinds`, and maps the
    result back. Samples from the first to the last altered one get `y = 1`; the others keep the
    source's label (None becomes 0). Each anomaly is recorded in `injections` (reset at each
    iteration) with the features it actually altered. Every `x` must hold the same features.

    Parameters
    ----------
    stream
        The source: any iterable of `(x, y)`; re-iterable for the result to be re-iterable.
    kinds
        Injection functions `f(segment, rng) -> segment`, e.g. those of `streamad.synth.inject`
        (use `functools.partial` to change their strength).
    rate
        Probability that an anomaly starts at a given normal sample.
    length
        Samples per anomaly: a number, or a `(low, high)` range, both included.
    warm_up
        Samples before the first anomaly, which also estimate the features' scale.
    seed
        Seed of the random choices; None draws a new one at each iteration.

    Examples
    --------
    >>> from streamad.synth import Inject, SineWithSpikes
    >>> from streamad.synth.inject import level_shift
    >>> stream = Inject(SineWithSpikes(spikes=()), kinds=(level_shift,), rate=0.01, seed=7)
    >>> n_anomalous = sum(y for _, y in stream)
    >>> len(stream.injections), n_anomalous
    (5, 95)
    >>> stream.injections[0]
    Injection(kind='level_shift', start=106, end=126, features=('value',))

    """

    def __init__(
        self,
        stream: Iterable[Sample],
        kinds: Sequence[Kind] = KINDS,
        rate: float = 0.005,
        length: int | tuple[int, int] = (10, 30),
        warm_up: int = 100,
        seed: int | None = None,
    ):
        if not kinds:
            raise ValueError("kinds must name at least one injection function")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must lie in [0, 1], not {rate!r}")
        low, high = (length, length) if isinstance(length, int) else length
        if not 1 <= low <= high:
            raise ValueError(f"length must be >= 1 (or a range 1 <= low <= high), not {length!r}")
        super().__init__(
            n_features=getattr(stream, "n_features", None),
            n_samples=getattr(stream, "n_samples", None),
        )
        self.stream = stream
        self.kinds = kinds
        self.rate = rate
        self.length = length
        self.warm_up = warm_up
        self.seed = seed
        self.injections: list[Injection] = []

    def __iter__(self) -> Iterator[Sample]:
        self.injections = []
        return self._inject(self.injections)

    def _inject(self, injections: list[Injection]) -> Iterator[Sample]:
        rng = np.random.default_rng(self.seed)
        low, high = (self.length, self.length) if isinstance(self.length, int) else self.length
        source = iter(self.stream)
        names: list[str] = []
        count, mean, m2 = 0, np.zeros(0), np.zeros(0)
        position = 0
        for x, y in source:
            if not names:
                names = list(x)
                mean, m2 = np.zeros(len(names)), np.zeros(len(names))
            start_here = position >= self.warm_up and rng.random() < self.rate
            batch = [(x, y)]
            if start_here:
                batch += list(islice(source, int(rng.integers(low, high + 1)) - 1))
            try:
                values = np.array([[float(row[k]) for k in names] for row, _ in batch])
            except KeyError as missing:
                raise ValueError(
                    f"sample {position}: x lacks feature {missing}; Inject needs the same "
                    f"features {names} in every x"
                ) from None
            if any(len(row) != len(names) for row, _ in batch):
                raise ValueError(
                    f"sample {position}: x has features beyond {names}; Inject needs the same "
                    "features in every x"
                )
            labels = [0 if label is None else int(label) for _, label in batch]
            if start_here:
                scale = np.sqrt(m2 / max(count - 1, 1))
                scale = np.where(scale > 0, scale, 1.0)
                kind = self.kinds[int(rng.integers(len(self.kinds)))]
                n_min = min(2, len(names)) if _name(kind) == "rotation" else 1
                k = int(rng.integers(n_min, max(n_min, math.ceil(len(names) / 2)) + 1))
                columns = np.sort(rng.choice(len(names), size=k, replace=False))
                out = apply_kind(kind, values, columns, mean, scale, rng)
                changed = out != values
                rows = np.flatnonzero(changed.any(axis=1))
                if rows.size:
                    first, last = int(rows[0]), int(rows[-1])
                    labels[first : last + 1] = [1] * (last + 1 - first)
                    altered = tuple(names[j] for j in np.flatnonzero(changed.any(axis=0)))
                    injections.append(
                        Injection(_name(kind), position + first, position + last + 1, altered)
                    )
            else:
                out = values
            for row in values:  # running statistics of the source's own values
                count += 1
                delta = row - mean
                mean = mean + delta / count
                m2 = m2 + delta * (row - mean)
            for row_out, label in zip(out.tolist(), labels, strict=True):
                yield dict(zip(names, row_out, strict=True)), label
            position += len(batch)
