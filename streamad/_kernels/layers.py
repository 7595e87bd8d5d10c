"""Forward and backward passes of ``nn.LSTM`` (any number of layers) and ``nn.Linear`` in NumPy.

Parameters are read from a mapping of names to arrays (the module's ``named_parameters``
as NumPy views) under the module's own prefix, e.g. ``"encoder.weight_ih_l0"``; gradients are
written into a dict under the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from streamad._kernels.lstm import Trace, lstm_backward, lstm_forward

Params = Mapping[str, np.ndarray]
Grads = dict[str, np.ndarray]


def _add(grads: Grads, name: str, value: np.ndarray) -> None:
    grads[name] = grads[name] + value if name in grads else value


def lstm_stack_forward(
    p: Params, prefix: str, n_layers: int, x: np.ndarray, steps: int | None = None
) -> tuple[np.ndarray, list[tuple[np.ndarray, Trace]]]:
    """Outputs of an ``nn.LSTM`` from a zero state: (T, B, H) for x (T, B, I).

    With ``steps`` given, ``x`` is one input (B, I) repeated over ``steps`` steps (Keras'
    ``RepeatVector``), and its input projection is computed once.
    """
    caches = []
    inputs = x
    for k in range(n_layers):
        w_ih = p[f"{prefix}.weight_ih_l{k}"]
        bias = p[f"{prefix}.bias_ih_l{k}"] + p[f"{prefix}.bias_hh_l{k}"]
        flat = inputs.reshape(-1, inputs.shape[-1])  # one product for every step and window
        xg = (flat @ w_ih.T).reshape(*inputs.shape[:-1], -1)
        xg += bias
        if k == 0 and steps is not None:
            xg = np.broadcast_to(xg, (steps, *xg.shape))
        outputs, trace = lstm_forward(xg, p[f"{prefix}.weight_hh_l{k}"])
        caches.append((inputs, trace))
        inputs = outputs
    return inputs, caches


def lstm_stack_backward(
    p: Params,
    prefix: str,
    caches: list[tuple[np.ndarray, Trace]],
    d_out: np.ndarray | None,
    grads: Grads,
    d_last: np.ndarray | None = None,
    repeated: bool = False,
    need_input: bool = True,
) -> np.ndarray | None:
    """Backward of :func:`lstm_stack_forward`; returns the gradient of its input (or None).

    ``d_out`` is the gradient on every output of the top layer, ``d_last`` on its last output.
    """
    d_in: Any = None
    for k in range(len(caches) - 1, -1, -1):
        inputs, trace = caches[k]
        d_gates, d_w_hh = lstm_backward(trace, d_out, d_last)
        w_ih = p[f"{prefix}.weight_ih_l{k}"]
        if k == 0 and repeated:
            d_gates = d_gates.sum(axis=0)  # (B, 4H): the input is the same at every step
            _add(grads, f"{prefix}.weight_ih_l{k}", d_gates.T @ inputs)
            d_bias = d_gates.sum(axis=0)
        else:
            _add(grads, f"{prefix}.weight_ih_l{k}", np.tensordot(d_gates, inputs, ([0, 1], [0, 1])))
            d_bias = d_gates.sum(axis=(0, 1))
        _add(grads, f"{prefix}.weight_hh_l{k}", d_w_hh)
        _add(grads, f"{prefix}.bias_ih_l{k}", d_bias)
        _add(grads, f"{prefix}.bias_hh_l{k}", d_bias)
        d_in = d_gates @ w_ih if (k > 0 or need_input) else None
        d_out, d_last = d_in, None
    return d_in


def linear_forward(p: Params, prefix: str, x: np.ndarray) -> np.ndarray:
    """``nn.Linear``: x @ W.T + b over the last axis."""
    return x @ p[f"{prefix}.weight"].T + p[f"{prefix}.bias"]


def linear_backward(
    p: Params, prefix: str, x: np.ndarray, d_out: np.ndarray, grads: Grads
) -> np.ndarray:
    """Backward of :func:`linear_forward`; returns the gradient of ``x``."""
    flat_x = x.reshape(-1, x.shape[-1])
    flat_d = d_out.reshape(-1, d_out.shape[-1])
    _add(grads, f"{prefix}.weight", flat_d.T @ flat_x)
    _add(grads, f"{prefix}.bias", flat_d.sum(axis=0))
    return d_out @ p[f"{prefix}.weight"]
