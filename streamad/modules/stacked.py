"""Keras-style LSTM autoencoder: stacked encoder, RepeatVector, stacked decoder, linear head."""

from __future__ import annotations

import torch
from torch import nn


class Stacked(nn.Module):
    """Stacked LSTM autoencoder in the Keras style.

    LSTM layers narrow the window down to an embedding (the last hidden state of the last
    encoder layer), which is repeated over the window (Keras' ``RepeatVector``); LSTM layers widen
    it back, and a per-step linear head (Keras' ``TimeDistributed(Dense)``) maps to the
    features, so reconstructions are unbounded.

    Parameters
    ----------
    n_features
        Number of features of each sample.
    encoder_sizes
        Hidden sizes of the encoder layers, outermost first (e.g. ``(32, 16)``).
    embedding_size
        Size of the embedding; None uses the last encoder size.
    decoder_sizes
        Hidden sizes of the decoder layers; None mirrors the encoder (e.g. ``(16, 32)``).

    Examples
    --------
    >>> import torch
    >>> from streamad.modules import Stacked
    >>> _ = torch.manual_seed(0)
    >>> module = Stacked(n_features=3, encoder_sizes=(32, 16), embedding_size=8)
    >>> module(torch.randn(10, 2, 3)).shape
    torch.Size([10, 2, 3])
    >>> [layer.hidden_size for layer in module.encoder]
    [32, 16, 8]
    >>> [layer.hidden_size for layer in module.decoder]
    [16, 32]
    """

    def __init__(
        self,
        n_features: int,
        encoder_sizes: tuple[int, ...] = (32, 16),
        embedding_size: int | None = None,
        decoder_sizes: tuple[int, ...] | None = None,
    ) -> None:
        super().__init__()
        if not encoder_sizes:
            raise ValueError("encoder_sizes needs at least one layer size")
        self.n_features = n_features
        self.encoder_sizes = tuple(encoder_sizes)
        self.embedding_size = embedding_size
        self.decoder_sizes = decoder_sizes
        down = [*self.encoder_sizes] + ([embedding_size] if embedding_size else [])
        up = list(decoder_sizes) if decoder_sizes is not None else self.encoder_sizes[::-1]
        if embedding_size is None and decoder_sizes is None:
            up = up[1:] or [down[-1]]
        self.encoder = nn.ModuleList(
            nn.LSTM(n_in, n_out) for n_in, n_out in zip([n_features, *down[:-1]], down, strict=True)
        )
        self.decoder = nn.ModuleList(
            nn.LSTM(n_in, n_out) for n_in, n_out in zip([down[-1], *up[:-1]], up, strict=True)
        )
        self.head = nn.Linear(up[-1], n_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for layer in self.encoder:
            h, _ = layer(h)
        h = h[-1].expand(x.shape[0], -1, -1)  # RepeatVector
        for layer in self.decoder:
            h, _ = layer(h)
        return self.head(h)
