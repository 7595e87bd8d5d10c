"""Peaks over threshold: the Generalized Pareto fit and the extreme quantile, in numpy.

The excesses ``y > 0`` of scores over a high threshold ``t`` follow, by the Pickands-Balkema-de
Haan theorem, a Generalized Pareto Distribution with shape ``gamma`` and scale ``sigma``:
``P(Y > y) = (1 + gamma * y / sigma) ** (-1 / gamma)`` (``exp(-y / sigma)`` when ``gamma = 0``).
The fit is Grimshaw's maximum likelihood (Grimshaw 1993, as used by SPOT, Siffer et al. 2017).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["fit_gpd", "gpd_excess", "gpd_log_likelihood", "pot_quantile"]

_GRID = 100  # candidate points per interval when bracketing Grimshaw's roots
_BISECTIONS = 60


def gpd_log_likelihood(peaks: ArrayLike, gamma: float, sigma: float) -> float:
    """Log-likelihood of excesses ``peaks`` under a GPD(``gamma``, ``sigma``); -inf if impossible.

    Examples
    --------
    >>> from streamad.thresholds._gpd import gpd_log_likelihood
    >>> round(gpd_log_likelihood([1.0, 2.0], gamma=0.0, sigma=1.5), 4)  # exponential
    -2.8109
    """
    y = np.asarray(peaks, dtype=float)
    if sigma <= 0:
        return -math.inf
    if gamma == 0:
        return float(-y.size * math.log(sigma) - y.sum() / sigma)
    z = 1 + gamma * y / sigma
    if (z <= 0).any():
        return -math.inf
    return float(-y.size * math.log(sigma) - (1 + 1 / gamma) * np.log(z).sum())


def _w(xs: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Grimshaw's ``u(x) v(x) - 1``: zero at the stationary points of the likelihood."""
    s = 1 + np.outer(xs, y)
    return np.mean(1 / s, axis=1) * (1 + np.mean(np.log(s), axis=1)) - 1


def _roots(y: NDArray[np.float64], xs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Roots of ``_w`` bracketed by sign changes on the grid ``xs``, refined by bisection."""
    values = _w(xs, y)
    exact = xs[values == 0]
    change = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    lo, hi, w_lo = xs[change], xs[change + 1], values[change]
    for _ in range(_BISECTIONS):
        if lo.size == 0:
            break
        mid = (lo + hi) / 2
        w_mid = _w(mid, y)
        same = np.sign(w_mid) == np.sign(w_lo)
        lo, w_lo = np.where(same, mid, lo), np.where(same, w_mid, w_lo)
        hi = np.where(same, hi, mid)
    return np.concatenate([exact, (lo + hi) / 2])


def fit_gpd(peaks: ArrayLike) -> tuple[float, float]:
    """Maximum-likelihood ``(gamma, sigma)`` of a GPD fitted to positive excesses.

    Grimshaw's trick reduces the likelihood to one variable ``x = gamma / sigma``: its
    stationary points are the roots of ``u(x) v(x) = 1`` with ``u(x) = mean(1 / (1 + x y))``
    and ``v(x) = 1 + mean(log(1 + x y))``, which lie in ``(-1 / max(y), 0)`` and
    ``(0, 2 (mean(y) - min(y)) / min(y) ** 2)``. Each root gives ``gamma = v(x) - 1`` and
    ``sigma = gamma / x``; the candidate of highest likelihood wins, the exponential fit
    (``gamma = 0``, ``sigma = mean(y)``) included.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.thresholds import fit_gpd
    >>> rng = np.random.default_rng(42)
    >>> u = rng.random(20_000)
    >>> gamma, sigma = 0.3, 2.0
    >>> peaks = sigma / gamma * ((1 - u) ** -gamma - 1)  # GPD(0.3, 2.0) by inverse transform
    >>> [round(v, 1) for v in fit_gpd(peaks)]
    [0.3, 2.0]
    """
    y = np.asarray(peaks, dtype=float)
    if y.ndim != 1 or y.size == 0:
        raise ValueError("peaks must be a non-empty one-dimensional array")
    if not (np.isfinite(y).all() and (y > 0).all()):
        raise ValueError("peaks must be finite excesses over the threshold, all > 0")
    mean, low, high = float(y.mean()), float(y.min()), float(y.max())
    best = (0.0, mean, gpd_log_likelihood(y, 0.0, mean))
    nodes = (1 - np.cos(np.pi * np.arange(1, _GRID + 1) / (_GRID + 1))) / 2  # dense at both ends
    grids = [-nodes / high]
    upper = 2 * (mean - low) / low**2
    lower = 1e-6 / high
    if upper > lower:
        grids.append(np.geomspace(lower, upper, _GRID))
    for grid in grids:
        for x in _roots(y, grid):
            gamma = float(np.mean(np.log1p(x * y)))
            if gamma == 0 or not math.isfinite(gamma):
                continue
            sigma = gamma / x
            likelihood = gpd_log_likelihood(y, gamma, sigma)
            if likelihood > best[2]:
                best = (gamma, sigma, likelihood)
    return float(best[0]), float(best[1])


def gpd_excess(gamma: float, sigma: float, p: float) -> float:
    """The excess a GPD(``gamma``, ``sigma``) passes with probability ``p`` (0 if ``p >= 1``).

    ``sigma / gamma * (p ** -gamma - 1)``, or ``-sigma * log(p)`` when ``gamma = 0``.

    Examples
    --------
    >>> from streamad.thresholds._gpd import gpd_excess
    >>> round(gpd_excess(gamma=0.0, sigma=1.0, p=0.05), 3)
    2.996
    """
    if p >= 1:
        return 0.0
    if gamma == 0:
        return -sigma * math.log(p)
    return sigma / gamma * (p**-gamma - 1)


def pot_quantile(t: float, gamma: float, sigma: float, q: float, n: int, n_peaks: int) -> float:
    """The score exceeded with probability ``q``: SPOT's ``z_q`` from a GPD fitted over ``t``.

    ``z_q = t + sigma / gamma * ((q n / n_peaks) ** -gamma - 1)`` (``t - sigma log(q n /
    n_peaks)`` when ``gamma = 0``), where ``n_peaks`` of the ``n`` scores exceeded ``t``. It is
    never below ``t``: with no peaks, or fewer than a share ``q`` of the scores above ``t``,
    ``t`` itself is passed less often than ``q`` and the tail says nothing below it.

    Examples
    --------
    >>> from streamad.thresholds import pot_quantile
    >>> round(pot_quantile(t=2.0, gamma=0.0, sigma=1.0, q=1e-3, n=1000, n_peaks=20), 3)
    4.996
    """
    if n_peaks == 0:
        return t
    return t + gpd_excess(gamma, sigma, q * n / n_peaks)
