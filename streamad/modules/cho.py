"""LSTM encoder-decoder after Cho et al. (2014): the encoding conditions every decoder step."""

from __future__ import annotations

import torch
from torch import nn


class Cho(nn.Module):
    """LSTM autoencoder whose decoder is given the encoding at every step, in natural order.

    The decoder's hidden size is ``n_features``: its outputs are the reconstruction, bounded in
    (-1, 1) as in deep-river's example.

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
    >>> from streamad.modules import Cho
    >>> _ = torch.manual_seed(0)
    >>> module = Cho(n_features=3, hidden_size=8)
    >>> module(torch.randn(10, 2, 3)).shape
    torch.Size([10, 2, 3])
    """

    def __init__(self, n_features: int, hidden_size: int = 30, n_layers: int = 1) -> None:
        super().__init__()
        self.n_features = n_features
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.encoder = nn.LSTM(n_features, hidden_size, num_layers=n_layers)
        self.decoder = nn.LSTM(hidden_size, n_features, num_layers=n_layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.encoder(x)
        x_hat, _ = self.decoder(h[-1].expand(x.shape[0], -1, -1))
        return x_hat
