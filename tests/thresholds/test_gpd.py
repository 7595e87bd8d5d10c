"""The Generalized Pareto fit and SPOT's extreme quantile."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamad.thresholds import fit_gpd, pot_quantile
from streamad.thresholds._gpd import gpd_log_likelihood


def sample(gamma: float, sigma: float, n: int, seed: int) -> np.ndarray:
    u = np.random.default_rng(seed).random(n)
    if gamma == 0:
        return -sigma * np.log1p(-u)
    return sigma / gamma * ((1 - u) ** -gamma - 1)


@pytest.mark.parametrize(("gamma", "sigma"), [(-0.3, 1.0), (0.0, 2.0), (0.2, 0.5), (0.6, 3.0)])
def test_fit_recovers_the_parameters(gamma, sigma):
    peaks = sample(gamma, sigma, 5000, seed=1)
    fitted_gamma, fitted_sigma = fit_gpd(peaks)
    assert fitted_gamma == pytest.approx(gamma, abs=0.06)
    assert fitted_sigma == pytest.approx(sigma, rel=0.08)
    # a maximum of the likelihood: at least as likely as the true parameters
    assert gpd_log_likelihood(peaks, fitted_gamma, fitted_sigma) >= gpd_log_likelihood(
        peaks, gamma, sigma
    )


def test_fit_of_equal_peaks_is_exponential():
    assert fit_gpd([2.0, 2.0, 2.0]) == (0.0, 2.0)


@pytest.mark.parametrize("peaks", [[], [1.0, -0.5], [1.0, float("nan")], [[1.0, 2.0]]])
def test_fit_refuses_bad_peaks(peaks):
    with pytest.raises(ValueError, match="peaks"):
        fit_gpd(peaks)


def test_quantile_of_an_exponential_tail_is_exact():
    t = 2.0
    n, n_peaks = 100_000, 100_000 * math.exp(-t)
    assert pot_quantile(t, 0.0, 1.0, 1e-4, n, n_peaks) == pytest.approx(-math.log(1e-4))


def test_quantile_never_below_the_initial_threshold():
    assert pot_quantile(2.0, 0.1, 1.0, q=0.1, n=1000, n_peaks=20) == 2.0
    assert pot_quantile(2.0, 0.1, 1.0, q=0.001, n=1000, n_peaks=0) == 2.0
