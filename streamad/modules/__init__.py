"""LSTM autoencoder modules: plain ``nn.Module``s taking ``n_features`` first.

Each accepts windows shaped (sequence, batch, features) and returns reconstructions of the same
shape. Give a detector the class (built on the first sample) or a ready instance.
"""

from __future__ import annotations

from streamad.modules.cho import Cho
from streamad.modules.srivastava import Srivastava
from streamad.modules.stacked import Stacked
from streamad.modules.sutskever import Sutskever

__all__ = ["Cho", "Srivastava", "Stacked", "Sutskever"]
