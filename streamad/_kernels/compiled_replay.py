"""Compiled replay: every window of a recorded sequence of rows scored, weights frozen.

No window is copied (each is a slice of the sequence), nothing is kept to learn from, and the
first encoder layer's input term of each row is computed once, not once for every window that
holds the row.
"""

from __future__ import annotations

import numpy as np

from streamad._kernels._jit import jit
from streamad._kernels.cells import add_row, put
from streamad._kernels.compiled import window_forward
from streamad._kernels.layouts import LSTMS
from streamad._kernels.store import offsets, prepared, prepared_size
from streamad._kernels.views import views

F32 = np.float32


@jit
def score_sequence(params, plan, seq, size):
    """The errors (2, n) of the n = len(seq) - size + 1 windows ``seq[b : b + size]`` (as
    :func:`forward` gives them), and the reconstruction (size, F) of the last one.

    Replay: nothing is kept to learn from, and the first encoder layer's input term of each
    row is computed once, not once for every window that holds the row. ``params``: the
    parameters' table (:mod:`streamad._kernels.views`)."""
    return score_all(views(params), plan, seq, size)


@jit
def score_all(params, plan, seq, size):
    """:func:`score_sequence` with the parameters in a list."""
    n_rows, n_features = seq.shape
    n = n_rows - size + 1
    head, offs = prepared_size(params, plan), offsets(params, plan, size)
    store = np.empty(head + offs[-1], dtype=F32)
    w_t, w_rec_t, bias_rec = prepared(params, plan, store, True)
    row = store[head:]
    i = plan[LSTMS]
    terms = np.empty((n_rows, params[i].shape[0]), dtype=F32)
    bias = params[i + 2][0] + params[i + 3][0]
    for r in range(n_rows):
        put(terms[r], bias)
        add_row(terms[r], seq[r], w_t[i])
    errors = np.empty((2, max(n, 0)), dtype=np.float64)
    last = np.empty((size, n_features), dtype=F32)
    for b in range(n):
        window = seq[b : b + size]
        out = window_forward(
            params, w_t, plan, window, row, offs, w_rec_t, bias_rec, terms[b : b + size]
        )
        total = 0.0
        for t in range(size):
            for j in range(n_features):
                d = out[t, j] - window[t, j]
                total += d * d
        newest = 0.0
        for j in range(n_features):
            d = out[size - 1, j] - window[size - 1, j]
            newest += d * d
        errors[0, b] = total / (size * n_features)
        errors[1, b] = newest / n_features
        if b == n - 1:
            for t in range(size):
                put(last[t], out[t])
    return errors, last
