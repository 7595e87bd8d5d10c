"""What the kernel tests share: every shape of every module, and a smooth test stream."""

from __future__ import annotations

import numpy as np

from streamad.modules import Cho, Srivastava, Stacked, Sutskever

MODULES = {  # every shape of every module: feedback or not, projection or not, 1 or 2 layers
    "sutskever": lambda: Sutskever(5, hidden_size=7),
    "sutskever-square": lambda: Sutskever(5, hidden_size=5),
    "sutskever-2-layers": lambda: Sutskever(4, hidden_size=6, n_layers=2),
    "cho": lambda: Cho(5, hidden_size=7),
    "cho-2-layers": lambda: Cho(3, hidden_size=4, n_layers=2),
    "srivastava": lambda: Srivastava(5, hidden_size=7),
    "srivastava-square": lambda: Srivastava(5, hidden_size=5),
    "srivastava-2-layers": lambda: Srivastava(4, hidden_size=6, n_layers=2),
    "stacked": lambda: Stacked(5),
    "stacked-custom": lambda: Stacked(
        5, encoder_sizes=(8,), embedding_size=3, decoder_sizes=(4, 6)
    ),
}


def stream(n: int, n_features: int, seed: int = 0) -> list[dict[str, float]]:
    """``n`` samples of ``n_features`` slow sines with a little noise."""
    rng = np.random.default_rng(seed)
    values = np.sin(np.arange(n)[:, None] / (3 + np.arange(n_features)))
    values += 0.1 * rng.normal(size=values.shape)
    return [{f"f{j}": float(v) for j, v in enumerate(row)} for row in values]
