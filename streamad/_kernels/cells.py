"""Compiled pieces of the kernels: small products, one LSTM layer forward and backward.

Everything works on one window at a time, as 2-D float32 arrays (steps, units), with the maths
of :mod:`streamad._kernels.lstm` (torch's ``nn.LSTM``: gates i, f, g, o; zero initial state).
Products run over rows of a transposed weight (``w_t = w.T``, shape (inputs, 4H)), so the
innermost loop is contiguous over the gates and vectorises; ``tanh`` is a rational function
(see :func:`tanh32`) so the gate loops vectorise too.
"""

from __future__ import annotations

import numpy as np

from streamad._kernels._jit import jit

F32 = np.float32
HALF, ONE, ZERO = F32(0.5), F32(1.0), F32(0.0)
CLAMP = F32(7.90531110763549805)  # tanh of this rounds to 1 - 2.4e-7 in float32
SATURATED = F32(9.01091334)  # 13 ln 2: beyond it, tanh rounds to 1 in float32
A1, A3, A5 = F32(4.89352455891786e-03), F32(6.37261928875436e-04), F32(1.48572235717979e-05)
A7, A9 = F32(5.12229709037114e-08), F32(-8.60467152213735e-11)
A11, A13 = F32(2.00018790482477e-13), F32(-2.76076847742355e-16)
B0, B2 = F32(4.89352518554385e-03), F32(2.26843463243900e-03)
B4, B6 = F32(1.18534705686654e-04), F32(1.19825839466702e-06)


@jit(inline="always")
def tanh32(x):
    """tanh in float32 to within 4e-7 (Eigen's rational approximation); NaN stays NaN.

    Beyond ±:data:`SATURATED`, where float32 tanh rounds to ±1, it is exactly ±1, as torch's
    is: a saturated gate's derivative (``1 - g²``, or ``s (1 - s)`` for a sigmoid) is then
    exactly 0, not the 1.2e-7 to 4.8e-7 of the clamped approximation, which a huge input
    (1e15) would multiply into a weight's gradient that torch gives as 0.
    """
    y = x
    if y > CLAMP:
        y = CLAMP
    elif y < -CLAMP:
        y = -CLAMP
    y2 = y * y
    p = y2 * (y2 * (y2 * (y2 * (y2 * (y2 * A13 + A11) + A9) + A7) + A5) + A3) + A1
    q = y2 * (y2 * (y2 * B6 + B4) + B2) + B0
    out = y * p / q
    if x > SATURATED:
        out = ONE
    elif x < -SATURATED:
        out = -ONE
    return out


@jit
def add_row(out, a, w_t):
    """out += a @ w_t for one row ``a`` (K,) and ``w_t`` (K, N), four rows of ``w_t`` a pass."""
    k, n_k, n = 0, a.shape[0], out.shape[0]
    while k + 4 <= n_k:
        a0, a1, a2, a3 = a[k], a[k + 1], a[k + 2], a[k + 3]
        w0, w1, w2, w3 = w_t[k], w_t[k + 1], w_t[k + 2], w_t[k + 3]
        for j in range(n):
            out[j] += a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j]
        k += 4
    while k < n_k:
        ak, wk = a[k], w_t[k]
        for j in range(n):
            out[j] += ak * wk[j]
        k += 1


@jit
def add_rows(out, a, w_t):
    """out += a @ w_t, row by row: out (M, N), a (M, K), w_t (K, N)."""
    for m in range(a.shape[0]):
        add_row(out[m], a[m], w_t)


@jit
def add_outer(out, a, b):
    """out += a.T @ b (a weight's gradient, transposed, from inputs a (M, K) and output
    gradients b (M, N)), with no transposed copy of ``a``: two rows of ``out`` and four of
    ``b`` a pass, so that each row of ``b`` read serves two rows of ``out``."""
    n_m, n, n_k = a.shape[0], out.shape[1], a.shape[1]
    for k in range(0, n_k - 1, 2):
        r0, r1, m = out[k], out[k + 1], 0
        while m + 4 <= n_m:
            b0, b1, b2, b3 = b[m], b[m + 1], b[m + 2], b[m + 3]
            p0, p1, p2, p3 = a[m, k], a[m + 1, k], a[m + 2, k], a[m + 3, k]
            q0, q1, q2, q3 = a[m, k + 1], a[m + 1, k + 1], a[m + 2, k + 1], a[m + 3, k + 1]
            for j in range(n):
                r0[j] += p0 * b0[j] + p1 * b1[j] + p2 * b2[j] + p3 * b3[j]
                r1[j] += q0 * b0[j] + q1 * b1[j] + q2 * b2[j] + q3 * b3[j]
            m += 4
        for rest in range(m, n_m):
            bm, p, q = b[rest], a[rest, k], a[rest, k + 1]
            for j in range(n):
                r0[j] += p * bm[j]
                r1[j] += q * bm[j]
    if n_k % 2:  # the last row of ``out``, alone
        k = n_k - 1
        row = out[k]
        for m in range(n_m):
            bm, p = b[m], a[m, k]
            for j in range(n):
                row[j] += p * bm[j]


@jit
def dot_row(out, v, w_t):
    """out = w_t @ v: out[k] = sum_j w_t[k, j] v[j], i.e. ``v @ w`` for w = w_t.T; four rows
    of ``w_t`` a pass."""
    k, n, m = 0, out.shape[0], v.shape[0]
    while k + 4 <= n:
        r0, r1, r2, r3 = w_t[k], w_t[k + 1], w_t[k + 2], w_t[k + 3]
        s0 = s1 = s2 = s3 = ZERO
        for j in range(m):
            vj = v[j]
            s0 += r0[j] * vj
            s1 += r1[j] * vj
            s2 += r2[j] * vj
            s3 += r3[j] * vj
        out[k], out[k + 1], out[k + 2], out[k + 3] = s0, s1, s2, s3
        k += 4
    while k < n:
        row, s = w_t[k], ZERO
        for j in range(m):
            s += row[j] * v[j]
        out[k] = s
        k += 1


@jit
def put(out, a):
    """out[:] = a, for 1-D arrays. (A loop: numba's slice assignment compiles string
    formatting for its error message, seconds of compile time.)"""
    for j in range(out.shape[0]):
        out[j] = a[j]


@jit
def transpose_into(out, a):
    """out[:] = a.T, for 2-D arrays."""
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j, i] = a[i, j]


@jit
def gate_affine(h):
    """Scale and shift of each gate, so that ``scale * tanh(scale * z) + shift`` is the sigmoid
    (i, f, o: scale and shift 1/2) or tanh (g: 1 and 0): one loop over all gates vectorises,
    where a loop per gate, a quarter as long, mostly does not."""
    scale = np.full(4 * h, HALF, dtype=np.float32)
    shift = np.full(4 * h, HALF, dtype=np.float32)
    for j in range(2 * h, 3 * h):
        scale[j], shift[j] = ONE, ZERO
    return scale, shift


@jit
def lstm_forward(whh_t, acts, cells, tcells, hidden):
    """Run one window through an LSTM layer from a zero state.

    ``acts`` (T, 4H) holds each step's input term, biases included, on entry, and the gate
    activations on return; ``cells``, ``tcells`` (tanh of the cells) and ``hidden`` (T, H)
    receive the states. ``whh_t`` is the recurrent weight, transposed (H, 4H).
    """
    steps, gates = acts.shape
    h = gates // 4
    scale, shift = gate_affine(h)
    for t in range(steps):
        a = acts[t]
        if t > 0:
            add_row(a, hidden[t - 1], whh_t)
        for j in range(gates):
            s = scale[j]
            a[j] = s * tanh32(s * a[j]) + shift[j]
        c, tc, out = cells[t], tcells[t], hidden[t]
        if t == 0:
            for k in range(h):
                c[k] = a[k] * a[2 * h + k]
        else:
            past = cells[t - 1]
            for k in range(h):
                c[k] = a[h + k] * past[k] + a[k] * a[2 * h + k]
        for k in range(h):
            tc[k] = tanh32(c[k])
            out[k] = a[3 * h + k] * tc[k]


@jit
def lstm_backward(acts, cells, tcells, whh_t, d_out, d_last, d_gates):
    """Backpropagate one window through :func:`lstm_forward`.

    ``d_out`` (T, H) is the gradient on every output (none when it has no rows), ``d_last`` (H,) an
    extra one on the last output; ``d_gates`` (T, 4H) receives the gradient of each step's
    gate pre-activations, from which the caller takes the weights' and the input's gradients.
    """
    steps, gates = acts.shape
    h = gates // 4
    use_out = d_out.shape[0] > 0
    dh = d_last.copy()
    dc = np.zeros(h, dtype=np.float32)
    zeros = np.zeros(h, dtype=np.float32)  # the cell before the first step
    for t in range(steps - 1, -1, -1):
        if use_out:
            row = d_out[t]
            for k in range(h):
                dh[k] += row[k]
        a, tc, z = acts[t], tcells[t], d_gates[t]
        past = cells[t - 1] if t > 0 else zeros
        for k in range(h):
            i, f, g, o = a[k], a[h + k], a[2 * h + k], a[3 * h + k]
            dck = dc[k] + dh[k] * o * (ONE - tc[k] * tc[k])
            z[k] = dck * g * i * (ONE - i)
            z[2 * h + k] = dck * i * (ONE - g * g)
            z[3 * h + k] = dh[k] * tc[k] * o * (ONE - o)
            z[h + k] = dck * past[k] * f * (ONE - f)
            dc[k] = dck * f
        if t > 0:
            dot_row(dh, z, whh_t)
