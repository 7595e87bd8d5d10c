"""A multivariate stream of correlated periodic sensors with injected, labelled anomalies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from streamad.datasets.base import Sample, Stream
from streamad.synth.injector import KINDS, Inject, Injection, Kind

__all__ = ["SensorStream", "sensor_signals"]


def sensor_signals(
    n: int, n_features: int, n_latent: int, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """`n` samples of `n_features` sensors: `n_latent` sinusoids mixed by a random matrix, plus a
    random offset per sensor and gaussian noise of standard deviation `noise`.

    Latent periods are drawn log-uniformly between 20 and 500 samples, phases uniformly; the mix
    makes the sensors correlated. Shape `(n, n_features)`.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import sensor_signals
    >>> x = sensor_signals(2000, 4, 2, 0.0, np.random.default_rng(0))
    >>> x.shape, int(np.linalg.matrix_rank(x - x.mean(axis=0)))  # 4 sensors, 2 sinusoids
    ((2000, 4), 2)

    """
    periods = np.exp(rng.uniform(np.log(20.0), np.log(500.0), size=n_latent))
    phases = rng.uniform(0.0, 2 * np.pi, size=n_latent)
    t = np.arange(n, dtype=float)[:, None]
    latent = np.sin(2 * np.pi * t / periods + phases)
    mixing = rng.normal(size=(n_latent, n_features)) / np.sqrt(n_latent)
    offsets = rng.normal(0.0, 2.0, size=n_features)
    return latent @ mixing + offsets + rng.normal(0.0, noise, size=(n, n_features))


class _Signals(Stream):
    """The clean signals of a `SensorStream`, every sample labelled 0."""

    def __init__(
        self, n: int, n_features: int, n_latent: int, noise: float, seed: np.random.SeedSequence
    ):
        super().__init__(n_features=n_features, n_samples=n)
        self.n, self.n_features, self.n_latent, self.noise = n, n_features, n_latent, noise
        self.seed = seed

    def __iter__(self) -> Iterator[Sample]:
        values = sensor_signals(
            self.n, self.n_features, self.n_latent, self.noise, np.random.default_rng(self.seed)
        )
        names = [f"sensor_{j}" for j in range(self.n_features)]
        for row in values.tolist():
            yield dict(zip(names, row, strict=True)), 0


class SensorStream(Stream):
    """Correlated periodic sensors `sensor_0`.. with labelled anomalies injected by `Inject`.

    The clean signals come from `sensor_signals`; anomalies (spikes, level shifts, jitter,
    scaling, rotation, permutation, magnitude warps by default) start at each normal sample with
    probability `anomaly_rate` after 100 warm-up samples, and are recorded in `injections`, with
    the sensors each one altered. The same `seed` gives the same stream and the same anomalies.

    Parameters
    ----------
    n_features
        Number of sensors.
    n
        Number of samples.
    anomaly_rate
        Probability that an anomaly starts at a given normal sample.
    length
        Samples per anomaly: a number or a `(low, high)` range, both included.
    kinds
        Injection functions, as for `Inject`.
    n_latent
        Number of latent sinusoids mixed into the sensors.
    noise
        Standard deviation of the sensors' gaussian noise.
    seed
        Seed of the signals and of the anomalies.

    Examples
    --------
    >>> from streamad.synth import SensorStream
    >>> stream = SensorStream(n_features=4, n=2000, seed=0)
    >>> x, y = next(iter(stream))
    >>> sorted(x), y
    (['sensor_0', 'sensor_1', 'sensor_2', 'sensor_3'], 0)
    >>> labels = [y for _, y in stream]
    >>> len(stream.injections), sum(labels)
    (4, 96)
    >>> stream.injections[0]
    Injection(kind='...', start=..., end=..., features=(...))

    """

    def __init__(
        self,
        n_features: int = 8,
        n: int = 5000,
        anomaly_rate: float = 0.002,
        length: int | tuple[int, int] = (10, 30),
        kinds: Sequence[Kind] = KINDS,
        n_latent: int = 3,
        noise: float = 0.1,
        seed: int | None = 0,
    ):
        if n_features < 1 or n_latent < 1:
            raise ValueError("n_features and n_latent must be >= 1")
        super().__init__(n_features=n_features, n_samples=n)
        self.n_features = n_features
        self.n = n
        self.anomaly_rate = anomaly_rate
        self.length = length
        self.kinds = kinds
        self.n_latent = n_latent
        self.noise = noise
        self.seed = seed
        self.injections: list[Injection] = []
        self._inject(np.random.SeedSequence(0))  # checks the injection arguments

    def _inject(self, seed: np.random.SeedSequence) -> Inject:
        signals_seed, inject_seed = seed.spawn(2)
        signals = _Signals(self.n, self.n_features, self.n_latent, self.noise, signals_seed)
        inject_int = int(inject_seed.generate_state(1)[0])
        return Inject(signals, self.kinds, self.anomaly_rate, self.length, 100, inject_int)

    def __iter__(self) -> Iterator[Sample]:
        injected = self._inject(np.random.SeedSequence(self.seed))
        samples = iter(injected)
        self.injections = injected.injections
        return samples
