"""LSTM encoder-decoder after Sutskever et al. (2014): the decoder feeds on its own output."""

from __future__ import annotations

import torch
from torch import nn

from streamad.modules._lstm import self_fed_lstm


class Sutskever(nn.Module):
    """LSTM autoencoder whose decoder only sees its own previous output, decoding backwards.

    The encoder reads the window; its last hidden state is the first input of the decoder cell
    (whose hidden size is ``n_features``, so its outputs are the reconstruction, bounded in
    (-1, 1) as in deep-river's example). Each later step is fed a linear map of the previous
    output. Decoding runs backwards: the first decoded step is the reconstruction of the *last*
    sample of the window.

    Three defects of the published example are fixed: backward decoding wrote step 0 to position
    0 (off by one); its output buffer ignored the device; its multi-layer decoder returned a
    tuple. With ``fused=True`` (default) the self-fed steps run as one LSTM kernel (see
    :func:`streamad.modules._lstm.self_fed_lstm`); ``fused=False`` runs the cell step by step.

    Parameters
    ----------
    n_features
        Number of features of each sample.
    hidden_size
        Size of the encoder state (the embedding).
    n_layers
        Layers of the encoder; the decoder cell is followed by ``n_layers - 1`` LSTM layers.
    fused
        Run the self-fed decoder steps as one fused LSTM call.

    Examples
    --------
    >>> import torch
    >>> from streamad.modules import Sutskever
    >>> _ = torch.manual_seed(0)
    >>> module = Sutskever(n_features=3, hidden_size=8)
    >>> window = torch.randn(10, 2, 3)   # (sequence, batch, features)
    >>> module(window).shape
    torch.Size([10, 2, 3])
    >>> loop = Sutskever(n_features=3, hidden_size=8, fused=False)
    >>> _ = loop.load_state_dict(module.state_dict())
    >>> bool(torch.allclose(module(window), loop(window), atol=1e-6))
    True
    """

    def __init__(
        self, n_features: int, hidden_size: int = 30, n_layers: int = 1, fused: bool = True
    ) -> None:
        super().__init__()
        self.n_features = n_features
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.fused = fused
        self.encoder = nn.LSTM(n_features, hidden_size, num_layers=n_layers)
        self.cell = nn.LSTMCell(hidden_size, n_features)
        self.feedback = None if hidden_size == n_features else nn.Linear(n_features, hidden_size)
        self.upper = (
            nn.LSTM(n_features, n_features, num_layers=n_layers - 1) if n_layers > 1 else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = x.shape[0]
        _, (h_enc, _) = self.encoder(x)
        h, c = self.cell(h_enc[-1])
        if steps == 1:
            decoded = h.unsqueeze(0)
        elif self.fused:
            rest = self_fed_lstm(self.cell, self.feedback, h, c, steps - 1)
            decoded = torch.cat([h.unsqueeze(0), rest])
        else:
            outputs = [h]
            for _ in range(steps - 1):
                u = h if self.feedback is None else self.feedback(h)
                h, c = self.cell(u, (h, c))
                outputs.append(h)
            decoded = torch.stack(outputs)
        x_hat = torch.flip(decoded, dims=[0])  # step 0 reconstructs the last sample
        if self.upper is not None:
            x_hat, _ = self.upper(x_hat)
        return x_hat
