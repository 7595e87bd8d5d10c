"""Each of streamad's modules as an instance of the compiled encoder-decoder.

:func:`layout_of` names a module's parameters in the order the compiled code takes them and
builds its ``plan`` (see :mod:`streamad._kernels.compiled`); it reads the module's structure
only, never its weights. Importing this module imports neither torch nor the modules (the
background compile, :mod:`streamad._kernels.build`, needs the plan's fields only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from torch import nn

# decoder kinds, and the fields of a plan (the LSTM layers' indices follow the last)
REPEAT, REVERSED, SELF_FED = 0, 1, 2
N_ENC, N_DEC, N_UP, KIND, PROJECT, FEEDBACK, HEAD, LSTMS = 0, 1, 2, 3, 4, 5, 6, 7


class Layout(NamedTuple):
    """A module's parameter names, in the compiled code's order, and its plan."""

    names: list[str]
    plan: np.ndarray


def _lstm(prefix: str, lstm: nn.LSTM) -> list[list[str]]:
    return [
        [f"{prefix}.{kind}_l{k}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        for k in range(lstm.num_layers)
    ]


def _linear(prefix: str, linear: nn.Module | None) -> list[str]:
    return [] if linear is None else [f"{prefix}.weight", f"{prefix}.bias"]


def _build(
    encoder: Sequence[list[str]],
    decoder: Sequence[list[str]],
    kind: int,
    project: Sequence[str] = (),
    feedback: Sequence[str] = (),
    upper: Sequence[list[str]] = (),
    head: Sequence[str] = (),
) -> Layout:
    names: list[str] = []

    def put(group: Sequence[str]) -> int:
        names.extend(group)
        return len(names) - len(group) if group else -1

    lstms = [put(layer) for layer in encoder]
    at_project = put(project)
    lstms += [put(layer) for layer in decoder]
    at_feedback = put(feedback)
    lstms += [put(layer) for layer in upper]
    at_head = put(head)
    counts = [len(encoder), len(decoder), len(upper), kind, at_project, at_feedback, at_head]
    return Layout(names, np.array(counts + lstms, dtype=np.int64))


def layout_of(module: nn.Module) -> Layout:
    """The layout of one of streamad's four modules (an exact instance of its class)."""
    from streamad.modules import Cho, Srivastava, Stacked, Sutskever

    if isinstance(module, Sutskever):
        cell = [f"cell.{kind}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        upper = _lstm("upper", module.upper) if module.upper is not None else []
        feedback = _linear("feedback", module.feedback)
        return _build(_lstm("encoder", module.encoder), [cell], SELF_FED, (), feedback, upper)
    if isinstance(module, Cho):
        return _build(_lstm("encoder", module.encoder), _lstm("decoder", module.decoder), REPEAT)
    if isinstance(module, Srivastava):
        project = _linear("project", module.project)
        encoder, decoder = _lstm("encoder", module.encoder), _lstm("decoder", module.decoder)
        return _build(encoder, decoder, REVERSED, project)
    if isinstance(module, Stacked):
        encoder = [g for k, m in enumerate(module.encoder) for g in _lstm(f"encoder.{k}", m)]
        decoder = [g for k, m in enumerate(module.decoder) for g in _lstm(f"decoder.{k}", m)]
        return _build(encoder, decoder, REPEAT, head=_linear("head", module.head))
    raise TypeError(f"no compiled layout for {type(module).__name__}")
