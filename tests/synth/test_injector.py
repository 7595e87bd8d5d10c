"""Inject: reproducible, labelled, and its record matches what changed."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from streamad.synth import KINDS, Inject, SensorStream, SineWithSpikes, level_shift, spike
from streamad.synth.sensors import _Signals


def _clean(n: int = 3000, n_features: int = 6) -> _Signals:
    return _Signals(n, n_features, 3, 0.1, np.random.SeedSequence(11))


def _check_bookkeeping(source, injected, injections):
    """Labels and the record agree with a comparison of the two streams."""
    clean = list(source)
    dirty = list(injected)
    assert len(clean) == len(dirty)
    expected = [y or 0 for _, y in clean]
    for inj in injections:
        assert inj.end > inj.start and inj.features
        changed_rows = [i for i in range(inj.start, inj.end) if clean[i][0] != dirty[i][0]]
        assert changed_rows[0] == inj.start and changed_rows[-1] == inj.end - 1
        changed = {
            k
            for i in range(inj.start, inj.end)
            for k in clean[i][0]
            if clean[i][0][k] != dirty[i][0][k]
        }
        assert changed == set(inj.features)
        expected[inj.start : inj.end] = [1] * (inj.end - inj.start)
    assert [y for _, y in dirty] == expected
    covered = {i for inj in injections for i in range(inj.start, inj.end)}
    assert all(clean[i][0] == dirty[i][0] for i in range(len(clean)) if i not in covered)


def test_bookkeeping_for_every_kind():
    source = _clean()
    injected = Inject(source, rate=0.01, seed=1)
    dirty = list(injected)
    assert {inj.kind for inj in injected.injections} == {k.__name__ for k in KINDS}
    assert len(dirty) == 3000
    _check_bookkeeping(source, injected, list(injected.injections))


def test_reproducible_from_seed_and_reset_per_iteration():
    a = Inject(_clean(), rate=0.01, seed=5)
    first = list(a)
    record = list(a.injections)
    assert list(a) == first and a.injections == record  # second pass: same, record not doubled
    assert list(Inject(_clean(), rate=0.01, seed=5)) == first
    assert list(Inject(_clean(), rate=0.01, seed=6)) != first


def test_rate_length_warm_up_and_feature_subsets():
    injected = Inject(_clean(n_features=6), rate=0.02, length=(5, 8), warm_up=500, seed=2)
    list(injected)
    assert len(injected.injections) > 10
    for inj in injected.injections:
        assert inj.start >= 500 and inj.end - inj.start <= 8
        assert 1 <= len(inj.features) <= 3  # up to half the features
        if inj.kind == "rotation":
            assert len(inj.features) >= 2
        if inj.kind == "spike":
            assert inj.end - inj.start == 1


def test_partial_kinds_keep_their_name_and_existing_labels_survive():
    source = SineWithSpikes()
    injected = Inject(source, kinds=(partial(level_shift, shift=5.0),), rate=0.01, seed=3)
    labels = [y for _, y in injected]
    assert {inj.kind for inj in injected.injections} == {"level_shift"}
    assert all(labels[i] == 1 for i in (100, 300, 700, 900))
    _check_bookkeeping(source, injected, injected.injections)


def test_unlabelled_source_gets_zeros():
    source = [({"a": float(i)}, None) for i in range(300)]
    injected = Inject(source, kinds=(spike,), rate=0.05, seed=0)
    labels = [y for _, y in injected]
    assert set(labels) == {0, 1} and sum(labels) == len(injected.injections)


def test_bad_arguments_and_inconsistent_features():
    with pytest.raises(ValueError, match="rate must lie in"):
        Inject([], rate=2.0)
    with pytest.raises(ValueError, match="length must be"):
        Inject([], length=(5, 2))
    with pytest.raises(ValueError, match="at least one"):
        Inject([], kinds=())
    ragged = [({"a": 1.0}, 0), ({"b": 1.0}, 0)]
    with pytest.raises(ValueError, match="lacks feature 'a'"):
        list(Inject(ragged, warm_up=5))


def test_sensor_stream_records_its_anomalies():
    stream = SensorStream(n_features=5, n=3000, anomaly_rate=0.004, seed=4)
    samples = list(stream)
    assert len(samples) == 3000 and stream.n_features == 5
    assert list(samples[0][0]) == [f"sensor_{j}" for j in range(5)]
    assert stream.injections and sum(y for _, y in samples) == sum(
        i.end - i.start for i in stream.injections
    )
    assert list(SensorStream(n_features=5, n=3000, anomaly_rate=0.004, seed=4)) == samples
    assert list(SensorStream(n_features=5, n=3000, anomaly_rate=0.004, seed=5)) != samples
    clean = _Signals(3000, 5, 3, 0.1, np.random.SeedSequence(4).spawn(2)[0])
    _check_bookkeeping(
        clean, SensorStream(n_features=5, n=3000, anomaly_rate=0.004, seed=4), stream.injections
    )


def test_sensor_signals_are_correlated():
    values = np.array([[v for v in x.values()] for x, _ in _clean(n=2000, n_features=6)])
    corr = np.corrcoef(values.T)
    assert np.abs(corr[np.triu_indices(6, 1)]).max() > 0.5
