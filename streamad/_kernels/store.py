"""Where a compiled forward pass keeps what its SGD step needs: one flat float32 array.

Its front holds every parameter transposed (the layout the compiled products read), and the
self-fed cell's folded recurrence; then one row per window holds each LSTM layer's gate
activations, cells, tanh of the cells and outputs, and the decoder's inputs where the module
builds them. The forward pass writes it, the SGD step reads it back through the same views.
"""

from __future__ import annotations

import numpy as np

from streamad._kernels._jit import jit
from streamad._kernels.cells import add_rows, dot_row, transpose_into
from streamad._kernels.layouts import FEEDBACK, KIND, LSTMS, N_DEC, N_ENC, N_UP, REVERSED, SELF_FED

F32 = np.float32


@jit
def offsets(params, plan, steps):
    """Where each LSTM layer's trace starts in a window's row; then the extra slab (the
    decoder's inputs, or the reversed decoded sequence fed to ``upper``) and the row's size."""
    n_lstm = plan[N_ENC] + plan[N_DEC] + plan[N_UP]
    out = np.empty(n_lstm + 2, dtype=np.int64)
    off = 0
    for k in range(n_lstm):
        out[k] = off
        off += 7 * params[plan[LSTMS + k] + 1].shape[1] * steps  # acts 4H, 3 states H
    out[n_lstm] = off
    first_dec = plan[LSTMS + plan[N_ENC]]
    if plan[KIND] == REVERSED:
        off += steps * params[first_dec].shape[1]
    elif plan[KIND] == SELF_FED and plan[N_UP] > 0:
        off += steps * params[first_dec + 1].shape[1]
    out[n_lstm + 1] = off
    return out


@jit
def layer_views(row, off, steps, h):
    """A layer's trace: gate activations (T, 4H), cells, tanh(cells), outputs (T, H)."""
    acts = row[off : off + 4 * h * steps].reshape(steps, 4 * h)
    off += 4 * h * steps
    cells = row[off : off + h * steps].reshape(steps, h)
    tcells = row[off + h * steps : off + 2 * h * steps].reshape(steps, h)
    hidden = row[off + 2 * h * steps : off + 3 * h * steps].reshape(steps, h)
    return acts, cells, tcells, hidden


@jit
def prepared_size(params, plan):
    """Floats of what :func:`prepared` writes: every parameter transposed, and the self-fed
    cell's folded recurrence and bias."""
    n = 0
    for p in params:
        n += p.size
    if plan[KIND] == SELF_FED:
        w_hh = params[plan[LSTMS + plan[N_ENC]] + 1]
        n += w_hh.size + w_hh.shape[0]
    return n


@jit
def prepared(params, plan, store, fill):
    """Views, at the front of ``store``, of every parameter transposed (``w_t``), and of the
    self-fed cell's recurrence, transposed (H, 4H), and bias: W_hh + W_ih W_f and
    b_ih + b_hh + W_ih b_f (W_f the identity and b_f zero without ``feedback``); written when
    ``fill``, else as a forward pass left them, for the SGD step."""
    w_t = []
    off = 0
    for p in params:
        view = store[off : off + p.size].reshape(p.shape[1], p.shape[0])
        if fill:
            transpose_into(view, p)
        w_t.append(view)
        off += p.size
    w_rec_t, bias_rec = w_t[0], store[:0]  # placeholders of the right types
    if plan[KIND] == SELF_FED:
        i, fb = plan[LSTMS + plan[N_ENC]], plan[FEEDBACK]
        h, gates = params[i + 1].shape[1], params[i + 1].shape[0]
        w_rec_t = store[off : off + h * gates].reshape(h, gates)
        bias_rec = store[off + h * gates : off + h * gates + gates]
        if fill:
            w_hh_t, w_ih_t = w_t[i + 1], w_t[i]
            for r in range(h):
                for j in range(gates):
                    w_rec_t[r, j] = w_hh_t[r, j] + w_ih_t[r, j] if fb < 0 else w_hh_t[r, j]
            for j in range(gates):
                bias_rec[j] = params[i + 2][0, j] + params[i + 3][0, j]
            if fb >= 0:
                add_rows(w_rec_t, w_t[fb], w_t[i])
                extra = np.empty(gates, dtype=F32)
                dot_row(extra, params[fb + 1][0], params[i])
                for j in range(gates):
                    bias_rec[j] += extra[j]
    return w_t, w_rec_t, bias_rec
