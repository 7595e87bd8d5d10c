"""A sine wave with spikes added at chosen samples: the classic univariate toy stream."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from streamad.datasets.base import Sample, Stream

__all__ = ["SineWithSpikes", "sine_with_spikes"]

SPIKES = ((100, 10.0), (300, -8.0), (700, 12.0), (900, -10.0))


def sine_with_spikes(
    n: int,
    spikes: Sequence[tuple[int, float]],
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Values `5 sin(t / 20)` at `t = 0, 0.5, 1, ...` (sample `i` at `t = i / 2`), plus gaussian
    noise of standard deviation `noise`, plus each spike's value at its sample; and the 0/1 labels,
    1 at the spiked samples.

    Examples
    --------
    >>> from streamad.synth import sine_with_spikes
    >>> values, labels = sine_with_spikes(4, [(2, 10.0)])
    >>> values.round(4), labels
    (array([ 0.    ,  0.125 , 10.2498,  0.3747]), array([0, 0, 1, 0]))

    """
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    values = np.sin(np.arange(n) * 0.5 / 20) * 5
    if noise:
        if rng is None:
            raise ValueError("noise needs a random generator `rng`")
        values = values + rng.normal(0.0, noise, size=n)
    labels = np.zeros(n, dtype=int)
    for index, size in spikes:
        if not 0 <= index < n:
            raise ValueError(f"spike at sample {index} lies outside the stream's {n} samples")
        values[index] += size
        labels[index] = 1
    return values, labels


class SineWithSpikes(Stream):
    """`5 sin(t / 20)` sampled every half unit of `t`, with spikes added and labelled 1.

    Sample `i` is at `t = i / 2`, so the default 1,000 samples cover `t` from 0 to 499.5. Without
    noise (the default) the stream is exact and `seed` plays no part. `x` is `{'value': v}`.

    Parameters
    ----------
    n
        Number of samples.
    spikes
        `(sample index, value added)` pairs.
    noise
        Standard deviation of gaussian noise added to every sample.
    seed
        Seed of the noise.

    Examples
    --------
    >>> from streamad.synth import SineWithSpikes
    >>> stream = SineWithSpikes()
    >>> [round(x["value"], 3) for x, _ in stream.take(3)]
    [0.0, 0.125, 0.25]
    >>> [(i, round(x["value"], 2)) for i, (x, y) in enumerate(stream) if y]
    [(100, 12.99), (300, -3.31), (700, 7.12), (900, -12.44)]
    >>> noisy = SineWithSpikes(noise=0.1, seed=42)
    >>> round(max(abs(a["value"] - b["value"]) for (a, _), (b, _) in zip(noisy, stream)), 3)
    0.365

    """

    def __init__(
        self,
        n: int = 1000,
        spikes: Sequence[tuple[int, float]] = SPIKES,
        noise: float = 0.0,
        seed: int | None = None,
    ):
        sine_with_spikes(n, spikes, 0.0)  # checks the arguments
        super().__init__(n_features=1, n_samples=n)
        self.n = n
        self.spikes = spikes
        self.noise = noise
        self.seed = seed

    def __iter__(self) -> Iterator[Sample]:
        rng = np.random.default_rng(self.seed)
        values, labels = sine_with_spikes(self.n, self.spikes, self.noise, rng)
        for v, y in zip(values.tolist(), labels.tolist(), strict=True):
            yield {"value": v}, y
