"""Compiled backpropagation through time and SGD step of :mod:`streamad._kernels.compiled`.

Weight gradients are gathered transposed (inputs, outputs), the layout whose rows the compiled
products add along, and written out in the parameters' own layout once, after every window.
"""

from __future__ import annotations

import numpy as np

from streamad._kernels._jit import jit
from streamad._kernels.cells import add_outer, add_rows, dot_row, lstm_backward, put
from streamad._kernels.compiled import reversed_rows
from streamad._kernels.layouts import (
    FEEDBACK,
    HEAD,
    KIND,
    LSTMS,
    N_DEC,
    N_ENC,
    N_UP,
    PROJECT,
    REPEAT,
    REVERSED,
    SELF_FED,
)
from streamad._kernels.sgd import sgd_step
from streamad._kernels.store import layer_views, offsets, prepared, prepared_size
from streamad._kernels.views import views

F32 = np.float32


@jit
def _add_bias(g_t, d):
    """Add ``d`` (n,) to a bias gradient gathered transposed, (n, 1)."""
    for j in range(d.shape[0]):
        g_t[j, 0] += d[j]


@jit
def _add(out, a):
    """out += a, for 2-D arrays of the same shape."""
    for m in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[m, j] += a[m, j]


@jit
def _sums(a):
    """Column sums of a (M, N), in float32."""
    out = np.zeros(a.shape[1], dtype=F32)
    for m in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[m, j]
    return out


@jit
def _input_grad(d, w_t, rows):
    """The first ``rows`` rows of d @ w, for d (M, out) and w_t = w.T (in, out)."""
    out = np.empty((rows, w_t.shape[0]), dtype=F32)
    for m in range(rows):
        dot_row(out[m], d[m], w_t)
    return out


@jit
def _linear_backward(params, w_t, g_t, j, x, d):
    """Backward of ``x @ w.T + b``: gather the gradients of w and b, return that of x."""
    add_outer(g_t[j], x, d)
    _add_bias(g_t[j + 1], _sums(d))
    return _input_grad(d, w_t[j], d.shape[0])


@jit
def _stack_backward(params, w_t, g_t, plan, first, count, x, row, offs, steps, d_out, d_last, rows):
    """Backward of ``_stack_forward`` given the gradient on every output (``d_out``, or none when
    it has no rows) and on the last (``d_last``); returns the first ``rows`` rows of the input's
    gradient ((1, I), summed over the steps, when ``repeat``)."""
    dx = np.zeros((0, x.shape[1]), dtype=F32)
    for k in range(first + count - 1, first - 1, -1):
        i = plan[LSTMS + k]
        acts, cells, tcells, hidden = layer_views(row, offs[k], steps, params[i + 1].shape[1])
        d_gates = np.empty_like(acts)
        lstm_backward(acts, cells, tcells, w_t[i + 1], d_out, d_last, d_gates)
        add_outer(g_t[i + 1], hidden[:-1], d_gates[1:])
        total = _sums(d_gates)
        _add_bias(g_t[i + 2], total)
        _add_bias(g_t[i + 3], total)
        if k > first:
            below = plan[LSTMS + k - 1]
            inputs = layer_views(row, offs[k - 1], steps, params[below + 1].shape[1])[3]
        else:
            inputs = x
        if k == first and x.shape[0] < steps:  # a repeated input
            add_outer(g_t[i], inputs[:1], total.reshape(1, total.shape[0]))
            dx = _input_grad(total.reshape(1, total.shape[0]), w_t[i], rows)
        else:
            add_outer(g_t[i], inputs, d_gates)
            dx = _input_grad(d_gates, w_t[i], steps if k > first else rows)
        d_out, d_last = dx, np.zeros(dx.shape[1], dtype=F32)
    return dx


@jit
def _self_fed_backward(params, w_t, g_t, plan, code, w_rec_t, rec_t, rest, row, offs, d_dec):
    """Backward of ``_self_fed_forward``: gathers step 0's gradients, adds the later steps' to
    ``rec_t`` (of the folded recurrence, transposed) and ``rest`` (of its bias); returns the
    code's gradient (1, H)."""
    steps = d_dec.shape[0]
    i = plan[LSTMS + plan[N_ENC]]
    acts, cells, tcells, hidden = layer_views(row, offs[plan[N_ENC]], steps, params[i + 1].shape[1])
    d_gates = np.empty_like(acts)
    zeros = np.zeros(d_dec.shape[1], dtype=F32)
    lstm_backward(acts, cells, tcells, w_rec_t, d_dec, zeros, d_gates)
    add_outer(rec_t, hidden[:-1], d_gates[1:])
    later = _sums(d_gates[1:])
    for j in range(rest.shape[0]):
        rest[j] += later[j]
    add_outer(g_t[i], code, d_gates[:1])
    _add_bias(g_t[i + 2], d_gates[0])
    _add_bias(g_t[i + 3], d_gates[0])
    return _input_grad(d_gates, w_t[i], np.int64(1))


@jit
def _unfold(params, w_t, g_t, plan, rec_t, rest):
    """Hand the folded recurrence's gradients (all windows) back to the cell's W_hh, W_ih, its
    biases and the feedback map: the backward of ``folded``."""
    i, fb = plan[LSTMS + plan[N_ENC]], plan[FEEDBACK]
    _add(g_t[i + 1], rec_t)
    _add_bias(g_t[i + 2], rest)
    _add_bias(g_t[i + 3], rest)
    if fb < 0:
        _add(g_t[i], rec_t)
        return
    add_rows(g_t[i], params[fb], rec_t)  # (W_f)^T-side of d(W_ih W_f)
    add_outer(g_t[i], params[fb + 1], rest.reshape(1, rest.shape[0]))
    add_rows(g_t[fb], rec_t, params[i])
    extra = np.empty(params[fb + 1].shape[1], dtype=F32)
    dot_row(extra, rest, w_t[i])
    _add_bias(g_t[fb + 1], extra)


@jit
def window_backward(params, w_t, g_t, plan, window, d, row, offs, w_rec_t, rec_t, rest):
    """Gather the gradients of one window, ``d`` (T, F) being that of its reconstruction."""
    steps = window.shape[0]
    n_enc, n_dec, n_up, kind = plan[N_ENC], plan[N_DEC], plan[N_UP], plan[KIND]
    n_lstm = n_enc + n_dec + n_up
    extra = row[offs[n_lstm] : offs[n_lstm + 1]]
    top = plan[LSTMS + n_enc - 1]
    code = layer_views(row, offs[n_enc - 1], steps, params[top + 1].shape[1])[3][steps - 1 :]
    if plan[HEAD] >= 0:  # only after a REPEAT decoder (Stacked)
        last = plan[LSTMS + n_lstm - 1]
        outputs = layer_views(row, offs[n_lstm - 1], steps, params[last + 1].shape[1])[3]
        d = _linear_backward(params, w_t, g_t, plan[HEAD], outputs, d)
    zeros, one = np.zeros(d.shape[1], dtype=F32), np.int64(1)
    if kind == REPEAT:
        x = code
    elif kind == REVERSED:
        x, d = extra.reshape(steps, extra.shape[0] // steps), reversed_rows(d)
    if kind != SELF_FED:
        d_code = _stack_backward(
            params, w_t, g_t, plan, n_enc, n_dec, x, row, offs, steps, d, zeros, one
        )
    else:
        if n_up > 0:
            below = extra.reshape(steps, extra.shape[0] // steps)
            first = n_enc + n_dec
            d = _stack_backward(
                params, w_t, g_t, plan, first, n_up, below, row, offs, steps, d, zeros, steps
            )
        d_code = _self_fed_backward(
            params, w_t, g_t, plan, code, w_rec_t, rec_t, rest, row, offs, reversed_rows(d)
        )
    if plan[PROJECT] >= 0:
        d_code = _linear_backward(params, w_t, g_t, plan[PROJECT], code, d_code)
    none, first = np.zeros((0, code.shape[1]), dtype=F32), np.int64(0)
    _stack_backward(
        params, w_t, g_t, plan, first, n_enc, window, row, offs, steps, none, d_code[0], first
    )


@jit
def gradients(params, plan, windows, x_hat, store):
    """The gradient of the mean squared error of the batch of windows, each parameter's
    transposed (in, out), from what :func:`~streamad._kernels.compiled.forward` left in
    ``store``."""
    steps, batch, n_features = windows.shape
    head, offs = prepared_size(params, plan), offsets(params, plan, steps)
    w_t, w_rec_t, bias_rec = prepared(params, plan, store, False)
    trace = store[head:].reshape(batch, offs[-1])
    g_t = [np.zeros((p.shape[1], p.shape[0]), dtype=F32) for p in params]
    rec_t, rest = np.zeros_like(w_rec_t), np.zeros_like(bias_rec)
    scale = F32(2.0 / (steps * batch * n_features))
    window = np.empty((steps, n_features), dtype=F32)
    d = np.empty((steps, n_features), dtype=F32)
    for b in range(batch):
        for t in range(steps):
            put(window[t], windows[t, b])
            for j in range(n_features):
                d[t, j] = (x_hat[t, b, j] - window[t, j]) * scale
        window_backward(params, w_t, g_t, plan, window, d, trace[b], offs, w_rec_t, rec_t, rest)
    if plan[KIND] == SELF_FED:
        _unfold(params, w_t, g_t, plan, rec_t, rest)
    return g_t


@jit
def learn(params, grads, plan, windows, x_hat, store, lr, max_norm, keep):
    """One SGD step on the batch's mean squared error (see ``sgd_step``); returns the
    gradient's norm and whether the step was taken (not when the gradient, or a weight it would
    give, is not finite), and with ``keep`` leaves the gradient in ``grads``. (Tables of the
    parameters and their gradients in, lists below: see ``compiled.forward``.)"""
    ps = views(params)
    g_t = gradients(ps, plan, windows, x_hat, store)
    return sgd_step(ps, g_t, lr, max_norm, views(grads), keep)
