"""Small functional pieces shared by the LSTM autoencoder modules."""

from __future__ import annotations

import torch
from torch import nn


def self_fed_lstm(
    cell: nn.LSTMCell,
    feedback: nn.Linear | None,
    h: torch.Tensor,
    c: torch.Tensor,
    steps: int,
) -> torch.Tensor:
    """Run ``steps`` steps of an LSTM cell fed with (a linear map of) its own previous output.

    For an input ``u = W_f h + b_f`` the gates are ``W_ih u + b_ih + W_hh h + b_hh``, which is an
    LSTM with no input, recurrent weights ``W_ih W_f + W_hh`` and bias ``W_ih b_f + b_ih + b_hh``.
    So the whole loop runs as one fused ``torch.lstm`` call instead of ``steps`` Python-level cell
    calls; gradients flow back to the original parameters through the folded weights.

    Parameters
    ----------
    cell
        The decoder cell; its input size must equal its hidden size when ``feedback`` is None.
    feedback
        Map from the cell's output back to its input size, or None for the identity.
    h, c
        State after the first step, shape (batch, hidden).
    steps
        Number of further steps.

    Returns
    -------
    torch.Tensor
        The outputs of those steps, shape (steps, batch, hidden).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from streamad.modules._lstm import self_fed_lstm
    >>> _ = torch.manual_seed(0)
    >>> cell = nn.LSTMCell(4, 3)
    >>> feedback = nn.Linear(3, 4)
    >>> h, c = cell(torch.randn(2, 4))
    >>> fused = self_fed_lstm(cell, feedback, h, c, steps=5)
    >>> outs, (hh, cc) = [], (h, c)
    >>> for _ in range(5):
    ...     hh, cc = cell(feedback(hh), (hh, cc))
    ...     outs.append(hh)
    >>> bool(torch.allclose(fused, torch.stack(outs), atol=1e-6))
    True
    """
    w_ih, w_hh = cell.weight_ih, cell.weight_hh
    b_ih = cell.bias_ih if cell.bias_ih is not None else torch.zeros_like(w_hh[:, 0])
    b_hh = cell.bias_hh if cell.bias_hh is not None else torch.zeros_like(w_hh[:, 0])
    if feedback is None:
        w_rec = w_ih + w_hh
        bias = b_ih + b_hh
    else:
        w_rec = torch.addmm(w_hh, w_ih, feedback.weight)
        bias = b_ih + b_hh
        if feedback.bias is not None:
            bias = torch.addmv(bias, w_ih, feedback.bias)
    batch = h.shape[0]
    no_input = h.new_zeros(steps, batch, 1)
    w_none = w_hh.new_zeros(w_hh.shape[0], 1)
    out, _, _ = torch.lstm(
        no_input,
        (h.unsqueeze(0), c.unsqueeze(0)),
        [w_none, w_rec, bias, torch.zeros_like(bias)],
        True,  # has_biases
        1,  # num_layers
        0.0,  # dropout
        torch.is_grad_enabled(),  # train
        False,  # bidirectional
        False,  # batch_first
    )
    return out
