"""SineWithSpikes: the classic seed stream, exactly."""

from __future__ import annotations

import math

import pytest

from streamad.synth import SineWithSpikes


def test_classic_stream_is_exact():
    samples = list(SineWithSpikes())
    assert len(samples) == 1000
    spikes = {100: 10.0, 300: -8.0, 700: 12.0, 900: -10.0}
    for i, (x, y) in enumerate(samples):
        t = i * 0.5
        assert x == {"value": math.sin(t / 20) * 5 + spikes.get(i, 0.0)}
        assert y == int(i in spikes)
    assert samples[-1][0]["value"] == math.sin(499.5 / 20) * 5


def test_noise_is_reproducible_and_only_noise():
    a, b, c = (list(SineWithSpikes(noise=0.2, seed=s)) for s in (1, 1, 2))
    assert a == b and a != c
    clean = list(SineWithSpikes())
    residuals = [xa["value"] - xc["value"] for (xa, _), (xc, _) in zip(a, clean, strict=True)]
    assert 0.15 < (sum(r * r for r in residuals) / len(residuals)) ** 0.5 < 0.25
    assert [y for _, y in a] == [y for _, y in clean]


def test_custom_spikes_and_bad_index():
    stream = SineWithSpikes(n=10, spikes=((0, 1.5),))
    assert [y for _, y in stream] == [1] + [0] * 9 and stream.n_samples == 10
    with pytest.raises(ValueError, match="spike at sample 10 lies outside the stream's 10 samples"):
        SineWithSpikes(n=10, spikes=((10, 1.0),))
