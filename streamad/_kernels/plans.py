"""Forward and backward passes of streamad's four modules, composed from NumPy layers.

Each pair mirrors the module's ``forward`` exactly (see ``streamad.modules``); the tests check
outputs and every parameter's gradient against torch autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamad._kernels.layers import (
    Grads,
    Params,
    linear_backward,
    linear_forward,
    lstm_stack_backward,
    lstm_stack_forward,
)
from streamad._kernels.lstm import F32, lstm_backward, lstm_forward
from streamad.modules import Cho, Srivastava, Stacked, Sutskever


def _encode(p: Params, n_layers: int, x: np.ndarray) -> tuple[np.ndarray, list]:
    hidden, caches = lstm_stack_forward(p, "encoder", n_layers, x)
    return hidden[-1], caches


# -- Sutskever: the decoder cell feeds on its own output ----------------------------------------
def sutskever_forward(p: Params, m: Sutskever, x: np.ndarray) -> tuple[np.ndarray, Any]:
    steps = x.shape[0]
    code, enc = _encode(p, m.n_layers, x)
    w_ih, w_hh = p["cell.weight_ih"], p["cell.weight_hh"]
    bias = p["cell.bias_ih"] + p["cell.bias_hh"]
    xg = np.empty((steps, *code.shape[:-1], w_hh.shape[0]), dtype=F32)
    xg[0] = code @ w_ih.T + bias
    w_rec = w_hh  # with a zero initial state, step 0 never uses the recurrent weights
    if steps > 1:  # later steps: input W_f h + b_f folded into the recurrence (see _lstm.py)
        if m.feedback is None:
            w_rec, xg[1:] = w_hh + w_ih, bias
        else:
            w_rec = w_hh + w_ih @ p["feedback.weight"]
            xg[1:] = bias + w_ih @ p["feedback.bias"]
    decoded, trace = lstm_forward(xg, w_rec)
    x_hat = decoded[::-1]
    upper = None
    if m.upper is not None:
        x_hat, upper = lstm_stack_forward(p, "upper", m.n_layers - 1, x_hat)
    return x_hat, (enc, code, trace, upper, x_hat)


def sutskever_backward(p: Params, m: Sutskever, cache: Any, d_x_hat: np.ndarray) -> Grads:
    enc, code, trace, upper, _ = cache
    grads: Grads = {}
    if upper is not None:
        d_upper = lstm_stack_backward(p, "upper", upper, d_x_hat, grads)
        assert d_upper is not None  # need_input: the input's gradient is returned
        d_x_hat = d_upper
    d_gates, d_w_rec = lstm_backward(trace, d_x_hat[::-1])
    w_ih = p["cell.weight_ih"]
    first, rest = d_gates[0], d_gates[1:].sum(axis=(0, 1))
    d_w_ih = first.T @ code
    if len(d_gates) > 1:
        grads["cell.weight_hh"] = d_w_rec
        if m.feedback is None:
            d_w_ih = d_w_ih + d_w_rec
        else:
            d_w_ih = d_w_ih + d_w_rec @ p["feedback.weight"].T + np.outer(rest, p["feedback.bias"])
            grads["feedback.weight"] = w_ih.T @ d_w_rec
            grads["feedback.bias"] = w_ih.T @ rest
    grads["cell.weight_ih"] = d_w_ih
    d_bias = first.sum(axis=0) + rest
    grads["cell.bias_ih"], grads["cell.bias_hh"] = d_bias, d_bias
    lstm_stack_backward(p, "encoder", enc, None, grads, d_last=first @ w_ih, need_input=False)
    return grads


# -- Cho: the code is the decoder's input at every step ------------------------------------------
def cho_forward(p: Params, m: Cho, x: np.ndarray) -> tuple[np.ndarray, Any]:
    code, enc = _encode(p, m.n_layers, x)
    x_hat, dec = lstm_stack_forward(p, "decoder", m.n_layers, code, steps=x.shape[0])
    return x_hat, (enc, dec, x_hat)


def cho_backward(p: Params, m: Cho, cache: Any, d_x_hat: np.ndarray) -> Grads:
    enc, dec, _ = cache
    grads: Grads = {}
    d_code = lstm_stack_backward(p, "decoder", dec, d_x_hat, grads, repeated=True)
    lstm_stack_backward(p, "encoder", enc, None, grads, d_last=d_code, need_input=False)
    return grads


# -- Srivastava: the decoder is fed the code, then the reversed input ------------------------------
def srivastava_forward(p: Params, m: Srivastava, x: np.ndarray) -> tuple[np.ndarray, Any]:
    h_enc, enc = _encode(p, m.n_layers, x)
    code = h_enc if m.project is None else linear_forward(p, "project", h_enc)
    inputs = np.concatenate([code[None], x[1:][::-1]])
    decoded, dec = lstm_stack_forward(p, "decoder", m.n_layers, inputs)
    x_hat = decoded[::-1]
    return x_hat, (enc, h_enc, dec, x_hat)


def srivastava_backward(p: Params, m: Srivastava, cache: Any, d_x_hat: np.ndarray) -> Grads:
    enc, h_enc, dec, _ = cache
    grads: Grads = {}
    d_inputs = lstm_stack_backward(p, "decoder", dec, d_x_hat[::-1], grads)
    assert d_inputs is not None
    d_code = d_inputs[0]
    if m.project is not None:
        d_code = linear_backward(p, "project", h_enc, d_code, grads)
    lstm_stack_backward(p, "encoder", enc, None, grads, d_last=d_code, need_input=False)
    return grads


# -- Stacked: stacked encoder, repeated embedding, stacked decoder, linear head -------------------
def stacked_forward(p: Params, m: Stacked, x: np.ndarray) -> tuple[np.ndarray, Any]:
    h, caches = x, []
    for k, layer in enumerate(m.encoder):
        h, cache = lstm_stack_forward(p, f"encoder.{k}", layer.num_layers, h)
        caches.append(cache)
    h, steps = h[-1], x.shape[0]
    for k, layer in enumerate(m.decoder):
        h, cache = lstm_stack_forward(
            p, f"decoder.{k}", layer.num_layers, h, steps if k == 0 else None
        )
        caches.append(cache)
    x_hat = linear_forward(p, "head", h)
    return x_hat, (caches, h, x_hat)


def stacked_backward(p: Params, m: Stacked, cache: Any, d_x_hat: np.ndarray) -> Grads:
    caches, top, _ = cache
    grads: Grads = {}
    d: Any = linear_backward(p, "head", top, d_x_hat, grads)
    n_enc = len(m.encoder)
    for k in range(len(m.decoder) - 1, -1, -1):
        d = lstm_stack_backward(p, f"decoder.{k}", caches[n_enc + k], d, grads, repeated=k == 0)
    d_last = d
    for k in range(n_enc - 1, -1, -1):
        d = lstm_stack_backward(
            p,
            f"encoder.{k}",
            caches[k],
            None if k == n_enc - 1 else d,
            grads,
            d_last=d_last if k == n_enc - 1 else None,
            need_input=k > 0,
        )
    return grads


PLANS: dict[type, tuple[Any, Any]] = {
    Sutskever: (sutskever_forward, sutskever_backward),
    Cho: (cho_forward, cho_backward),
    Srivastava: (srivastava_forward, srivastava_backward),
    Stacked: (stacked_forward, stacked_backward),
}
