"""One LSTM layer's forward pass and its backpropagation through time, in NumPy.

At the sizes of an online detector (one window, tens of units) an LSTM step is a few dozen
floating-point operations per unit, and the cost of a step is the number of array operations
it dispatches, not arithmetic. These functions use about a dozen NumPy calls per step, each
about four times cheaper than a torch call on such small arrays, and batch every operation that
does not depend on the previous step (input projections, gate derivatives, weight gradients)
over the whole sequence.

The maths is PyTorch's ``nn.LSTM`` (gate order i, f, g, o; zero initial state):

    gates_t = xg_t + W_hh h_{t-1}            (xg_t = W_ih x_t + b_ih + b_hh)
    i, f, o = sigmoid(.), g = tanh(.)
    c_t = f c_{t-1} + i g,    h_t = o tanh(c_t)

and ``sigmoid(z) = (1 + tanh(z / 2)) / 2``, so one ``tanh`` serves all four gates.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

F32 = np.float32


class Trace(NamedTuple):
    """What the backward pass needs from a forward pass (all arrays shaped (T, B, .))."""

    acts: np.ndarray  # gate activations i, f, g, o: (T, B, 4H)
    cells: np.ndarray  # c_t: (T, B, H)
    tanh_cells: np.ndarray  # tanh(c_t): (T, B, H)
    hidden: np.ndarray  # h_t: (T, B, H)
    w_hh: np.ndarray  # recurrent weights used: (4H, H)


@functools.lru_cache(maxsize=64)
def _gate_affine(h: int) -> tuple[np.ndarray, np.ndarray]:
    """Scale and shift turning ``tanh`` of scaled gates into sigmoids (i, f, o) and tanh (g)."""
    scale = np.full(4 * h, 0.5, dtype=F32)
    scale[2 * h : 3 * h] = 1.0
    shift = np.full(4 * h, 0.5, dtype=F32)
    shift[2 * h : 3 * h] = 0.0
    return scale, shift


def lstm_forward(xg: np.ndarray, w_hh: np.ndarray) -> tuple[np.ndarray, Trace]:
    """Run an LSTM from a zero state over input gates ``xg`` (T, B, 4H); return h (T, B, H).

    ``xg`` holds each step's input contribution to the gates, biases included; it may be a
    broadcast (read-only) view, e.g. one input repeated over the window.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from streamad._kernels.lstm import lstm_forward
    >>> _ = torch.manual_seed(0)
    >>> lstm = torch.nn.LSTM(3, 5)
    >>> x = torch.randn(7, 2, 3)
    >>> expected = lstm(x)[0].detach().numpy()
    >>> w_ih, w_hh, b_ih, b_hh = (p.detach().numpy() for p in lstm.parameters())
    >>> hidden, _ = lstm_forward(x.numpy() @ w_ih.T + b_ih + b_hh, w_hh)
    >>> bool(np.allclose(hidden, expected, atol=1e-6))
    True
    """
    steps, batch, gates = xg.shape
    h = gates // 4
    scale, shift = _gate_affine(h)
    w_scaled = np.ascontiguousarray((w_hh * scale[:, None]).T)  # sigmoid gates pre-scaled by 1/2
    xg_scaled = xg * scale
    acts = np.empty((steps, batch, gates), dtype=F32)
    cells = np.empty((steps, batch, h), dtype=F32)
    tanh_cells = np.empty_like(cells)
    hidden = np.empty_like(cells)
    # The loop dispatches ten small NumPy calls a step: outputs are positional (cheaper than
    # out=) and every per-step view is made once, by list(), outside the loop.
    mul, add, tanh, dot = np.multiply, np.add, np.tanh, np.dot
    i, f, g, o = (list(acts[..., k * h : (k + 1) * h]) for k in range(4))
    a_, c_, tc_, h_, xg_ = list(acts), list(cells), list(tanh_cells), list(hidden), list(xg_scaled)
    tmp = np.empty((batch, h), dtype=F32)
    for t in range(steps):
        a, c, tc = a_[t], c_[t], tc_[t]
        if t == 0:
            tanh(xg_[0], a)
        else:
            dot(h_[t - 1], w_scaled, a)
            add(a, xg_[t], a)
            tanh(a, a)
        mul(a, scale, a)
        add(a, shift, a)
        mul(i[t], g[t], c)
        if t > 0:
            mul(f[t], c_[t - 1], tmp)
            add(c, tmp, c)
        tanh(c, tc)
        mul(o[t], tc, h_[t])
    return hidden, Trace(acts, cells, tanh_cells, hidden, w_hh)


def lstm_backward(
    trace: Trace, d_hidden: np.ndarray | None, d_last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Backpropagate through :func:`lstm_forward`.

    ``d_hidden`` is the gradient of the loss with respect to every output h_t (or None), and
    ``d_last`` an extra gradient on the last output (e.g. from an encoder's final state).

    Returns
    -------
    The gradient with respect to the input gates ``xg`` (T, B, 4H), and to ``w_hh`` (4H, H).
    """
    acts, cells, tanh_cells, hidden, w_hh = trace
    steps, batch, gates = acts.shape
    h = gates // 4
    # Everything that does not depend on the incoming gradient, for all steps at once: with
    # D the derivative of each activation (sigmoid' = s (1 - s), tanh' = 1 - g²),
    #   dz_i = dc g D_i,  dz_f = dc c_{t-1} D_f,  dz_g = dc i D_g,  dz_o = dh tanh(c_t) D_o,
    # and dc_t gains dh o (1 - tanh² c_t).
    i, f, g, o = (acts[..., k * h : (k + 1) * h] for k in range(4))
    past = np.zeros_like(cells)
    past[1:] = cells[:-1]
    by_dc = np.empty((steps, batch, 3, h), dtype=F32)  # multipliers of dc for dz_i, dz_f, dz_g
    np.multiply(g, i * (1.0 - i), out=by_dc[:, :, 0])
    np.multiply(past, f * (1.0 - f), out=by_dc[:, :, 1])
    np.multiply(i, 1.0 - g * g, out=by_dc[:, :, 2])
    by_dh = tanh_cells * o * (1.0 - o)  # multiplier of dh for dz_o
    through_h = o * (1.0 - tanh_cells * tanh_cells)  # dc_t / dh_t
    d_gates = np.empty((steps, batch, 4, h), dtype=F32)
    dh = np.zeros((batch, h), dtype=F32)
    if d_last is not None:
        dh += d_last
    dc = np.zeros((batch, h), dtype=F32)
    tmp = np.empty((batch, h), dtype=F32)
    mul, add, dot = np.multiply, np.add, np.dot
    flat_ = list(d_gates.reshape(steps, batch, gates))
    ifg_, o_ = list(d_gates[:, :, :3]), list(d_gates[:, :, 3])
    by_dc_, by_dh_, through_ = list(by_dc), list(by_dh), list(through_h)
    f_ = list(f)
    d_hidden_ = list(d_hidden) if d_hidden is not None else None
    dc_wide = dc[:, None, :]
    for t in range(steps - 1, -1, -1):
        if d_hidden_ is not None:
            add(dh, d_hidden_[t], dh)
        mul(dh, by_dh_[t], o_[t])
        mul(dh, through_[t], tmp)
        add(dc, tmp, dc)
        mul(by_dc_[t], dc_wide, ifg_[t])
        if t > 0:
            dot(flat_[t], w_hh, dh)
            mul(dc, f_[t], dc)
    d_gates = d_gates.reshape(steps, batch, gates)
    d_w_hh = (
        np.tensordot(d_gates[1:], hidden[:-1], axes=([0, 1], [0, 1]))
        if steps > 1
        else np.zeros_like(w_hh)
    )
    return d_gates, d_w_hh.astype(F32, copy=False)
