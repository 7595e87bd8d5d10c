"""LSTM autoencoder after Srivastava et al. (2015): a conditional decoder, run in reverse."""

from __future__ import annotations

import torch
from torch import nn


class Srivastava(nn.Module):
    """LSTM autoencoder whose decoder is fed the reversed, shifted input.

    Decoding runs backwards: the first step sees the encoding and reconstructs the last sample;
    each later step sees the true sample after the one it reconstructs. When ``hidden_size``
    differs from ``n_features`` the encoding is mapped to ``n_features`` by a linear layer (the
    published example only worked when the two sizes were equal, and only for a batch of one).

    Parameters
    ----------
    n_features
        Number of features of each sample.
    hidden_size
        Size of the encoder state (the embedding).
    n_layers
        Layers of the encoder and of the decoder.

    Examples
    --------
    >>> import torch
    >>> from streamad.modules import Srivastava
    >>> _ = torch.manual_seed(0)
    >>> module = Srivastava(n_features=3, hidden_size=8)
    >>> module(torch.randn(10, 2, 3)).shape
    torch.Size([10, 2, 3])
    """

    def __init__(self, n_features: int, hidden_size: int = 30, n_layers: int = 1) -> None:
        super().__init__()
        self.n_features = n_features
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.encoder = nn.LSTM(n_features, hidden_size, num_layers=n_layers)
        self.project = None if hidden_size == n_features else nn.Linear(hidden_size, n_features)
        self.decoder = nn.LSTM(n_features, n_features, num_layers=n_layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.encoder(x)
        code = h[-1] if self.project is None else self.project(h[-1])
        inputs = torch.cat([code.unsqueeze(0), torch.flip(x[1:], dims=[0])])
        x_hat, _ = self.decoder(inputs)
        return torch.flip(x_hat, dims=[0])
