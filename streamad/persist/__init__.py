"""Checkpoints: atomic, checksummed files of plain data and tensors, loaded without running code.

:func:`save` writes a state (a dict of plain data and tensors) with a header naming its kind, the
format version and a SHA-256 checksum; :func:`load` checks all three and parses the payload, a
JSON tree and raw tensor bytes: no pickle, no ``torch.load``. The checksum catches damage; with
a key (``key=`` or the environment variable ``STREAMAD_CHECKPOINT_KEY``) files are also signed
with HMAC-SHA256, and a file changed by anyone without the key is refused. Any problem with a
file raises one :class:`CheckpointError` naming it. Classes and functions are stored by name
(:func:`name_of`) and read back through a registry (:func:`resolve`): streamad's modules, torch's
optimizers, the supported losses, and what you :func:`register`; nothing named in a file is
ever imported.

Examples
--------
>>> import pathlib, tempfile
>>> import torch
>>> from streamad import persist
>>> path = pathlib.Path(tempfile.mkdtemp()) / "state.pt"
>>> state = {"optimizer": persist.name_of(torch.optim.Adam), "weights": torch.zeros(3)}
>>> persist.save(state, path, kind="Example")
>>> loaded = persist.load(path, kind="Example")
>>> persist.resolve(loaded["optimizer"]), loaded["weights"].tolist()
(<class 'torch.optim.adam.Adam'>, [0.0, 0.0, 0.0])
>>> try:
...     persist.load(path, kind="Monitor")
... except persist.CheckpointError as error:
...     print(str(error).split(": ")[-1])
a checkpoint of kind 'Example', not 'Monitor'
"""

from __future__ import annotations

from streamad.persist.checkpoint import load, save
from streamad.persist.errors import CheckpointError
from streamad.persist.registry import name_of, qualified_name, register, resolve

__all__ = ["CheckpointError", "load", "name_of", "qualified_name", "register", "resolve", "save"]
