"""A module's initial weights drawn from a local generator, as torch's default init draws them.

torch's layers draw their initial weights from the global generator while they are built, so
seeding a build means seeding that generator, which every thread shares: modules built in
parallel threads then take each other's draws. :func:`draw_initial_weights` draws them
instead from a generator of the caller's own, with the same distributions, in the same order
and with the same calls as torch's ``reset_parameters`` (so the same seed gives the same
weights, to the bit, as a build under ``torch.manual_seed``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import init


def _linear(layer: nn.Module, generator: torch.Generator) -> None:
    """``nn.Linear.reset_parameters``: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both."""
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(layer.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(layer.bias, -bound, bound, generator=generator)


def _recurrent(layer: nn.Module, generator: torch.Generator) -> None:
    """``reset_parameters`` of torch's recurrent layers and cells: U(-1/sqrt(H), 1/sqrt(H))."""
    stdv = 1.0 / math.sqrt(layer.hidden_size) if layer.hidden_size > 0 else 0
    for weight in layer.parameters():
        init.uniform_(weight, -stdv, stdv, generator=generator)


DEFAULT_INIT: dict[type, Callable[[nn.Module, torch.Generator], None]] = {
    nn.Linear: _linear,
    **dict.fromkeys((nn.LSTM, nn.GRU, nn.RNN, nn.LSTMCell, nn.GRUCell, nn.RNNCell), _recurrent),
}


def draw_initial_weights(module: nn.Module, generator: torch.Generator) -> None:
    """Draw every parameter of ``module`` from ``generator`` as torch's default init does.

    Layers are drawn in the order ``module.modules()`` lists them, which is the order a module
    builds them in when it assigns each layer as it builds it (as streamad's modules do).

    Parameters
    ----------
    module
        A module whose every parameter belongs to a layer of :data:`DEFAULT_INIT`.
    generator
        Where the draws come from.

    Examples
    --------
    >>> import torch
    >>> from streamad.modules import Srivastava
    >>> from streamad.modules._init import draw_initial_weights
    >>> _ = torch.manual_seed(3)
    >>> seeded = Srivastava(4, hidden_size=6)  # drawn from the global generator
    >>> module = Srivastava(4, hidden_size=6)
    >>> draw_initial_weights(module, torch.Generator().manual_seed(3))
    >>> all(torch.equal(a, b) for a, b in zip(module.parameters(), seeded.parameters()))
    True
    """
    layers = list(module.modules())
    for layer in layers:
        if type(layer) not in DEFAULT_INIT and any(True for _ in layer.parameters(recurse=False)):
            raise TypeError(f"no default init known for {type(layer).__name__}")
    for layer in layers:
        draw = DEFAULT_INIT.get(type(layer))
        if draw is not None:
            draw(layer, generator)
