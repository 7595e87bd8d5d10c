"""Compiled forward pass of an LSTM encoder-decoder, for any window length.

Every module of ``streamad.modules`` is one instance of a single shape (see
:mod:`streamad._kernels.layouts`): an encoder stack of LSTM layers reads the window; its last
hidden state, the code (optionally mapped by a linear ``project``), drives a decoder that is

- ``REPEAT``: an LSTM stack fed the code at every step (Cho, Stacked);
- ``REVERSED``: an LSTM stack fed the code, then the window reversed (Srivastava);
- ``SELF_FED``: an LSTM cell fed the code, then (a linear ``feedback`` map of) its own output,
  its reversed outputs optionally read by an ``upper`` LSTM stack (Sutskever);

optionally followed by a linear ``head`` (Stacked). ``params`` is a tuple of the module's
parameters as 2-D float32 arrays (biases as (1, n)), shared with torch, and handed to the entry
points as one table (:mod:`streamad._kernels.views`); ``plan`` (int64) says
where each part's parameters are: ``[n_encoder, n_decoder, n_upper, decoder kind, project,
feedback, head, lstm_0, lstm_1, ...]`` (-1 for a part that is absent; each ``lstm_k`` is the
index of a layer's ``weight_ih``, followed by ``weight_hh``, ``bias_ih`` and ``bias_hh``).

Windows are run one at a time through every layer, so a window's working set stays in the
first-level cache; what the SGD step (:mod:`streamad._kernels.compiled_learn`) needs is kept in
one flat float32 array laid out by :mod:`streamad._kernels.store`.
"""

from __future__ import annotations

import numpy as np

from streamad._kernels._jit import jit
from streamad._kernels.cells import (
    add_row,
    lstm_forward,
    put,
)
from streamad._kernels.layouts import (
    HEAD,
    KIND,
    LSTMS,
    N_DEC,
    N_ENC,
    N_UP,
    PROJECT,
    REPEAT,
    REVERSED,
)
from streamad._kernels.store import layer_views, offsets, prepared, prepared_size
from streamad._kernels.views import views

F32 = np.float32


@jit
def reversed_rows(a):
    """A copy of ``a`` with its rows in reverse order."""
    out = np.empty_like(a)
    for t in range(a.shape[0]):
        put(out[t], a[a.shape[0] - 1 - t])
    return out


@jit
def _linear(w_t, bias, x):
    """x @ w.T + b for rows x (M, in)."""
    out = np.empty((x.shape[0], w_t.shape[1]), dtype=F32)
    for m in range(x.shape[0]):
        put(out[m], bias)
        add_row(out[m], x[m], w_t)
    return out


@jit
def stack_forward(params, w_t, plan, first, count, x, row, offs, steps, x_terms):
    """LSTM layers ``first`` .. ``first + count - 1`` over x (T, I), or over x (1, I) repeated
    at every step; returns the top layer's outputs (T, H). ``x_terms`` (T, 4H), unless empty,
    holds the first layer's input terms, already computed."""
    for k in range(first, first + count):
        i = plan[LSTMS + k]
        acts, cells, tcells, hidden = layer_views(row, offs[k], steps, params[i + 1].shape[1])
        if k == first and x_terms.shape[0] > 0:
            for t in range(steps):
                put(acts[t], x_terms[t])
        else:
            bias = params[i + 2][0] + params[i + 3][0]
            for t in range(x.shape[0]):
                put(acts[t], bias)
                add_row(acts[t], x[t], w_t[i])
            for t in range(x.shape[0], steps):  # a repeated input: its term computed once
                put(acts[t], acts[0])
        lstm_forward(w_t[i + 1], acts, cells, tcells, hidden)
        x = hidden
    return x


@jit
def _self_fed_forward(params, w_t, plan, code, w_rec_t, bias_rec, row, offs, steps):
    """The decoder cell: fed the code at step 0, then its own output (folded into ``w_rec_t``
    and ``bias_rec``: see ``streamad.modules._lstm.self_fed_lstm``); returns its outputs."""
    k = plan[N_ENC]
    i = plan[LSTMS + k]
    acts, cells, tcells, hidden = layer_views(row, offs[k], steps, params[i + 1].shape[1])
    put(acts[0], params[i + 2][0] + params[i + 3][0])
    add_row(acts[0], code[0], w_t[i])
    for t in range(1, steps):
        put(acts[t], bias_rec)
    lstm_forward(w_rec_t, acts, cells, tcells, hidden)
    return hidden


@jit
def window_forward(params, w_t, plan, window, row, offs, w_rec_t, bias_rec, x_terms):
    """One window (T, F) through the module; returns its reconstruction (T, F). ``x_terms``:
    see :func:`stack_forward`."""
    steps = window.shape[0]
    n_enc, n_dec, kind = plan[N_ENC], plan[N_DEC], plan[KIND]
    encoded = stack_forward(
        params, w_t, plan, np.int64(0), n_enc, window, row, offs, steps, x_terms
    )
    none = x_terms[:0]
    code = encoded[steps - 1 :]
    if plan[PROJECT] >= 0:
        code = _linear(w_t[plan[PROJECT]], params[plan[PROJECT] + 1][0], code)
    n_lstm = n_enc + n_dec + plan[N_UP]
    extra = row[offs[n_lstm] : offs[n_lstm + 1]]
    if kind == REPEAT:
        out = stack_forward(params, w_t, plan, n_enc, n_dec, code, row, offs, steps, none)
    elif kind == REVERSED:
        inputs = extra.reshape(steps, code.shape[1])
        put(inputs[0], code[0])
        for t in range(1, steps):
            put(inputs[t], window[steps - t])
        decoded = stack_forward(params, w_t, plan, n_enc, n_dec, inputs, row, offs, steps, none)
        out = reversed_rows(decoded)
    else:
        decoded = _self_fed_forward(params, w_t, plan, code, w_rec_t, bias_rec, row, offs, steps)
        out = reversed_rows(decoded)
        if plan[N_UP] > 0:
            put(extra, out.reshape(out.size))
            first = n_enc + n_dec
            out = stack_forward(params, w_t, plan, first, plan[N_UP], out, row, offs, steps, none)
    if plan[HEAD] >= 0:
        out = _linear(w_t[plan[HEAD]], params[plan[HEAD] + 1][0], out)
    return out


@jit
def forward(params, plan, windows, keep):
    """Reconstructions (T, B, F) of windows (T, B, F); the errors (2, B), float64: each
    window's mean squared error, then that of its newest step alone; and what ``learn`` needs
    (flat: the parameters transposed, then one row per window, a single reused row when not
    ``keep``).

    ``params`` is the parameters' table (:mod:`streamad._kernels.views`), made a list of
    arrays here: this entry point and everything below compile once for every module, whatever
    its number of parameters.
    """
    return forward_all(views(params), plan, windows, keep)


@jit
def forward_all(params, plan, windows, keep):
    """:func:`forward` with the parameters in a list."""
    steps, batch, n_features = windows.shape
    head, offs = prepared_size(params, plan), offsets(params, plan, steps)
    n_rows = batch if keep else 1
    store = np.empty(head + n_rows * offs[-1], dtype=F32)
    w_t, w_rec_t, bias_rec = prepared(params, plan, store, True)
    trace = store[head:].reshape(n_rows, offs[-1])
    x_hat = np.empty((steps, batch, n_features), dtype=F32)
    errors = np.empty((2, batch), dtype=np.float64)
    window = np.empty((steps, n_features), dtype=F32)
    none = np.empty((0, 0), dtype=F32)
    for b in range(batch):
        for t in range(steps):
            put(window[t], windows[t, b])
        row = trace[b if keep else 0]
        out = window_forward(params, w_t, plan, window, row, offs, w_rec_t, bias_rec, none)
        total = newest = 0.0  # squares in float32 (inf beyond its range), sums in float64
        for t in range(steps):
            for j in range(n_features):
                x_hat[t, b, j] = out[t, j]
                d = out[t, j] - window[t, j]
                total += d * d
                if t == steps - 1:
                    newest += d * d
        errors[0, b] = total / (steps * n_features)
        errors[1, b] = newest / n_features
    return x_hat, errors, store
