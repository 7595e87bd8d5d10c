"""Pure anomaly-injection functions on a segment of shape (T, F), with a numpy `Generator`.

The first five are the time-series augmentations of Um et al. (2017): jitter, scaling, rotation,
permutation and magnitude warping; `spike` and `level_shift` complete them. Each returns a new
array and leaves its input unchanged. Default strengths are sized to make visible anomalies on
standardised data (unit variance); Um et al. used much milder values for augmentation (jitter
sigma 0.03, scaling sigma 0.1, magnitude-warp sigma 0.2 with 4 knots).

References
----------
Um, T. T., Pfister, F. M. J., Pichler, D., et al. (2017). Data augmentation of wearable sensor
data for Parkinson's disease monitoring using convolutional neural networks. ICMI 2017.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "jitter",
    "level_shift",
    "magnitude_warp",
    "natural_cubic_spline",
    "permutation",
    "rotation",
    "scaling",
    "spike",
]


def _check(segment: np.ndarray) -> np.ndarray:
    array = np.asarray(segment, dtype=float)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"segment must have shape (T, F) with T, F >= 1; got {array.shape}")
    return array


def jitter(segment: np.ndarray, rng: np.random.Generator, sigma: float = 0.5) -> np.ndarray:
    """Add gaussian noise of standard deviation `sigma` to every value.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import jitter
    >>> rng = np.random.default_rng(0)
    >>> out = jitter(np.zeros((1000, 2)), rng, sigma=0.5)
    >>> round(float(out.std()), 2)
    0.5
    """
    x = _check(segment)
    return x + rng.normal(0.0, sigma, size=x.shape)


def scaling(segment: np.ndarray, rng: np.random.Generator, sigma: float = 0.5) -> np.ndarray:
    """Multiply each feature by its own random factor drawn from N(1, sigma).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import scaling
    >>> out = scaling(np.ones((3, 2)), np.random.default_rng(0))
    >>> out.round(3)
    array([[1.063, 0.934],
           [1.063, 0.934],
           [1.063, 0.934]])
    """
    x = _check(segment)
    return x * rng.normal(1.0, sigma, size=(1, x.shape[1]))


def rotation(segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Apply a random orthogonal map across features (a rotation, possibly with a flip).

    The matrix is drawn uniformly (Haar) from the orthogonal group; with one feature it is the
    flip -1. Norms across features are kept at every time step.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import rotation
    >>> x = np.array([[3.0, 4.0], [1.0, 0.0]])
    >>> out = rotation(x, np.random.default_rng(0))
    >>> np.linalg.norm(out, axis=1).round(6)
    array([5., 1.])
    >>> rotation(np.array([[2.0]]), np.random.default_rng(0))
    array([[-2.]])
    """
    x = _check(segment)
    n = x.shape[1]
    if n == 1:
        return -x
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    q = q * np.sign(np.diag(r))  # makes the draw uniform over orthogonal matrices
    return x @ q


def permutation(segment: np.ndarray, rng: np.random.Generator, max_pieces: int = 5) -> np.ndarray:
    """Cut the segment in time into 2 to `max_pieces` pieces and put them in a new order.

    The order always differs from the original (a segment of one row is returned unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import permutation
    >>> x = np.arange(6.0).reshape(6, 1)
    >>> permutation(x, np.random.default_rng(1)).ravel()
    array([4., 5., 0., 1., 2., 3.])
    """
    x = _check(segment)
    t = x.shape[0]
    if t < 2 or max_pieces < 2:
        return x.copy()
    n_pieces = int(rng.integers(2, min(max_pieces, t) + 1))
    cuts = np.sort(rng.choice(np.arange(1, t), size=n_pieces - 1, replace=False))
    pieces = np.split(x, cuts)
    order = rng.permutation(n_pieces)
    if np.array_equal(order, np.arange(n_pieces)):
        order = np.roll(order, 1)
    return np.concatenate([pieces[i] for i in order])


def natural_cubic_spline(knots_x: np.ndarray, knots_y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Evaluate at `x` the natural cubic spline through the knots (`knots_x` strictly increasing).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth.inject import natural_cubic_spline
    >>> natural_cubic_spline(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]),
    ...                      np.array([0.0, 0.5, 1.0]))
    array([0.    , 0.6875, 1.    ])
    """
    xk = np.asarray(knots_x, dtype=float)
    yk = np.asarray(knots_y, dtype=float)
    h = np.diff(xk)
    n = len(xk)
    second = np.zeros(n)  # second derivatives; zero at both ends (natural spline)
    if n > 2:
        a = np.zeros((n - 2, n - 2))
        i = np.arange(n - 2)
        a[i, i] = 2 * (h[:-1] + h[1:])
        a[i[1:], i[:-1]] = h[1:-1]
        a[i[:-1], i[1:]] = h[1:-1]
        slopes = np.diff(yk) / h
        second[1:-1] = np.linalg.solve(a, 6 * np.diff(slopes))
    k = np.clip(np.searchsorted(xk, x, side="right") - 1, 0, n - 2)
    d = h[k]
    left, right = xk[k + 1] - x, x - xk[k]
    return (
        second[k] * left**3 / (6 * d)
        + second[k + 1] * right**3 / (6 * d)
        + (yk[k] / d - second[k] * d / 6) * left
        + (yk[k + 1] / d - second[k + 1] * d / 6) * right
    )


def magnitude_warp(
    segment: np.ndarray, rng: np.random.Generator, sigma: float = 0.5, knots: int = 4
) -> np.ndarray:
    """Multiply each feature by a smooth random curve: a cubic spline through `knots + 2` points
    spread evenly over the segment, with values drawn from N(1, sigma).

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import magnitude_warp
    >>> out = magnitude_warp(np.ones((50, 1)), np.random.default_rng(0))
    >>> bool(np.all(np.abs(np.diff(out[:, 0])) < 0.2))  # smooth
    True
    """
    x = _check(segment)
    t, f = x.shape
    values = rng.normal(1.0, sigma, size=(knots + 2, f))
    if t < 2:
        return x * values[0]
    knots_x = np.linspace(0.0, t - 1.0, knots + 2)
    steps = np.arange(t, dtype=float)
    curve = np.column_stack([natural_cubic_spline(knots_x, values[:, j], steps) for j in range(f)])
    return x * curve


def spike(segment: np.ndarray, rng: np.random.Generator, magnitude: float = 6.0) -> np.ndarray:
    """Add `magnitude`, with a random sign per feature, at one random time step.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import spike
    >>> out = spike(np.zeros((5, 2)), np.random.default_rng(0))
    >>> int(np.flatnonzero(np.abs(out).sum(axis=1))[0]), np.abs(out).max()
    (4, np.float64(6.0))
    """
    x = _check(segment).copy()
    row = int(rng.integers(x.shape[0]))
    x[row] += magnitude * rng.choice([-1.0, 1.0], size=x.shape[1])
    return x


def level_shift(segment: np.ndarray, rng: np.random.Generator, shift: float = 3.0) -> np.ndarray:
    """Add `shift`, with a random sign per feature, to every time step of the segment.

    Examples
    --------
    >>> import numpy as np
    >>> from streamad.synth import level_shift
    >>> level_shift(np.zeros((2, 2)), np.random.default_rng(2))
    array([[ 3., -3.],
           [ 3., -3.]])
    """
    x = _check(segment)
    return x + shift * rng.choice([-1.0, 1.0], size=(1, x.shape[1]))
