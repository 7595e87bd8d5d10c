"""The pure injection functions of streamad.synth.inject."""

from __future__ import annotations

import numpy as np
import pytest

from streamad.synth.inject import (
    jitter,
    level_shift,
    magnitude_warp,
    natural_cubic_spline,
    permutation,
    rotation,
    scaling,
    spike,
)

FUNCTIONS = [jitter, scaling, rotation, permutation, magnitude_warp, spike, level_shift]


@pytest.fixture
def segment():
    t = np.arange(40.0)[:, None]
    return np.hstack([np.sin(t / 5), np.cos(t / 7), t / 40])


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_pure_shape_preserving_and_seeded(f, segment):
    before = segment.copy()
    out = f(segment, np.random.default_rng(3))
    assert out.shape == segment.shape and np.array_equal(segment, before)
    assert not np.array_equal(out, segment)
    assert np.array_equal(out, f(segment, np.random.default_rng(3)))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_rejects_non_2d_segments(f):
    with pytest.raises(ValueError, match=r"shape \(T, F\)"):
        f(np.zeros(5), np.random.default_rng(0))


def test_each_does_what_it_says(segment):
    rng = np.random.default_rng(0)
    factors = scaling(segment, rng, sigma=0.3) / np.where(segment == 0, 1, segment)
    assert np.allclose(factors[1:], factors[1])  # one factor per feature
    rotated = rotation(segment, rng)
    assert np.allclose(np.linalg.norm(rotated, axis=1), np.linalg.norm(segment, axis=1))
    permuted = permutation(segment, rng)
    assert sorted(map(tuple, permuted)) == sorted(map(tuple, segment))
    spiked = spike(segment, rng, magnitude=4.0)
    rows = np.flatnonzero((spiked != segment).any(axis=1))
    assert len(rows) == 1 and np.allclose(np.abs(spiked - segment)[rows[0]], 4.0)
    shifted = level_shift(segment, rng, shift=2.0) - segment
    assert np.allclose(np.abs(shifted), 2.0) and np.allclose(shifted, shifted[0])
    noise = jitter(np.zeros((5000, 2)), rng, sigma=0.7)
    assert abs(noise.std() - 0.7) < 0.02


def test_magnitude_warp_is_a_smooth_curve_through_its_knots():
    ones = np.ones((301, 2))
    curve = magnitude_warp(ones, np.random.default_rng(5), sigma=0.3, knots=4)
    values = np.random.default_rng(5).normal(1.0, 0.3, size=(6, 2))  # the same draws
    assert np.allclose(curve[::60], values)  # knots at 0, 60, ..., 300
    assert np.abs(np.diff(curve, 2, axis=0)).max() < 1e-3  # smooth: tiny second differences


def test_natural_cubic_spline_interpolates_and_is_exact_on_lines():
    xk = np.array([0.0, 1.0, 3.0, 4.0])
    assert np.allclose(
        natural_cubic_spline(xk, 2 * xk + 1, np.linspace(0, 4, 9)), 2 * np.linspace(0, 4, 9) + 1
    )
    yk = np.array([1.0, -1.0, 2.0, 0.0])
    assert np.allclose(natural_cubic_spline(xk, yk, xk), yk)


def test_one_feature_and_one_row_cases():
    rng = np.random.default_rng(0)
    assert np.array_equal(rotation(np.array([[2.0], [3.0]]), rng), [[-2.0], [-3.0]])
    assert np.array_equal(permutation(np.array([[1.0, 2.0]]), rng), [[1.0, 2.0]])
    assert magnitude_warp(np.ones((1, 2)), rng).shape == (1, 2)
