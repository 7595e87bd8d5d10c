"""The compiled SGD step: a gradient's norm, clipping, and an update that keeps weights finite.

An update is all or nothing: when the gradient, or any weight it would give, is not finite
(NaN, or beyond float32: a finite but huge gradient times the learning rate), no weight moves
and the caller counts the step as skipped.
"""

from __future__ import annotations

import numpy as np

from streamad._kernels._jit import jit
from streamad._kernels.cells import put, transpose_into

F32 = np.float32
ZERO = F32(0.0)


@jit
def sgd_step(params, grads_t, lr, max_norm, grads, keep):
    """params -= lr * gradient, the gradient given transposed (``grads_t``, each (in, out)) and
    first scaled down to a global norm of ``max_norm`` when longer (``max_norm`` <= 0: no
    clipping), as ``clip_grad_norm_`` then SGD do. With ``keep``, the gradient is also written,
    in the parameters' layout, into ``grads``.

    Returns the gradient's norm and whether the step was taken: it is not, and the weights are
    left as they were, when the gradient or any weight it would give is not finite (NaN, or
    beyond float32).
    """
    total = 0.0  # in float64: finite exactly when every float32 entry is
    for g in grads_t:
        flat = g.reshape(g.size)
        for j in range(flat.shape[0]):
            total += np.float64(flat[j]) * np.float64(flat[j])
    norm = np.sqrt(total)
    if keep:
        for n in range(len(params)):
            transpose_into(grads[n], grads_t[n])
    if not np.isfinite(norm):
        return norm, False
    scale = F32(lr)
    if max_norm > 0.0:
        scale *= F32(min(1.0, max_norm / (norm + 1e-6)))
    if scale == ZERO:  # (lr 0, e.g. to read the gradient: the weights untouched)
        return norm, True
    before = [p.copy() for p in params]
    for n in range(len(params)):
        p, g = params[n], grads_t[n]
        for r in range(p.shape[0]):
            for c in range(p.shape[1]):
                p[r, c] -= scale * g[c, r]
    check = 0.0  # a sum of the new weights in float64: finite exactly when each of them is
    for p in params:
        flat = p.reshape(p.size)
        for j in range(flat.shape[0]):
            check += np.float64(flat[j])
    if np.isfinite(check):
        return norm, True
    for n in range(len(params)):  # back as they were
        put(params[n].reshape(params[n].size), before[n].reshape(before[n].size))
    return norm, False
