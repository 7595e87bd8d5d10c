"""Names of classes and functions in checkpoints, looked up in a registry and never imported.

A checkpoint stores a module class, an optimizer class or a loss by its qualified name
(``module.QualName``, readable in the file). Loading looks the name up among streamad's own
modules, torch's optimizers, the losses streamad supports and the objects registered with
:func:`register`; any other name is refused, so a crafted file cannot make loading import (and
so run) a module it names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import torch

from streamad.persist.errors import CheckpointError

__all__ = ["name_of", "qualified_name", "register", "resolve"]

T = TypeVar("T", bound=Callable[..., Any])

# the user's own classes and functions, by the name they are stored under
_REGISTERED: dict[str, Any] = {}


def qualified_name(obj: Any) -> str:
    """``module.QualName`` of a class or function: the readable name a checkpoint stores.

    Examples
    --------
    >>> import torch
    >>> from streamad.persist import qualified_name
    >>> qualified_name(torch.optim.Adam)
    'torch.optim.adam.Adam'
    """
    try:
        return f"{obj.__module__}.{obj.__qualname__}"
    except AttributeError:
        raise TypeError(
            f"{obj!r} has no qualified name: register it under a name of your choice, "
            f"streamad.persist.register(obj, name='...')"
        ) from None


@functools.cache
def _known() -> dict[str, Any]:
    """streamad's own module classes, torch's optimizers and the supported losses, by name."""
    from streamad import modules
    from streamad._torch import _LOSSES

    known: dict[str, Any] = {}
    for name in modules.__all__:
        cls = getattr(modules, name)
        known[f"streamad.modules.{name}"] = known[qualified_name(cls)] = cls
    for name in dir(torch.optim):
        obj = getattr(torch.optim, name)
        optimizer = isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer)
        if optimizer and obj is not torch.optim.Optimizer:
            known[f"torch.optim.{name}"] = known[qualified_name(obj)] = obj
    for loss in _LOSSES.values():
        known[qualified_name(loss)] = loss
    return known


def register(obj: T, name: str | None = None) -> T:
    """Let checkpoints name ``obj`` (your module class, optimizer class or loss function).

    Register it before loading a checkpoint that names it; saving needs no registration (a
    checkpoint stores :func:`name_of` ``obj``). Registering a name again replaces the object,
    as redefining a class in a notebook does. Returns ``obj``, so it also works as a decorator.

    Parameters
    ----------
    obj
        A class or function.
    name
        The name to store (default: its qualified name, ``module.QualName``).

    Examples
    --------
    >>> import torch
    >>> from streamad.persist import name_of, register, resolve
    >>> @register
    ... class Tiny(torch.nn.Module):
    ...     def __init__(self, n_features):
    ...         super().__init__()
    ...         self.layer = torch.nn.Linear(n_features, n_features)
    ...
    ...     def forward(self, x):
    ...         return self.layer(x)
    >>> resolve(name_of(Tiny)) is Tiny
    True
    """
    if not callable(obj):
        raise TypeError(f"only classes and functions can be registered, not {obj!r}")
    name = qualified_name(obj) if name is None else name
    if not isinstance(name, str) or not name:
        raise TypeError(f"a registered name must be a non-empty string, not {name!r}")
    known = _known().get(name)
    if known is not None and known is not obj:
        raise ValueError(f"{name!r} names streamad's own {known!r}: choose another name")
    if known is None:
        _REGISTERED[name] = obj
    return obj


def name_of(obj: Any) -> str:
    """The name a checkpoint stores for ``obj``: its registered name, else its qualified name.

    Examples
    --------
    >>> import torch
    >>> from streamad.modules import Sutskever
    >>> from streamad.persist import name_of
    >>> name_of(Sutskever), name_of(torch.nn.functional.mse_loss)
    ('streamad.modules.sutskever.Sutskever', 'torch.nn.functional.mse_loss')
    """
    for name, registered in reversed(_REGISTERED.items()):
        if registered is obj:
            return name
    return qualified_name(obj)


def resolve(name: str) -> Any:
    """The class or function stored as ``name``, from the registry; nothing is imported.

    Known: streamad's module classes (``streamad.modules``), torch's optimizer classes
    (``torch.optim``), the losses streamad supports (``torch.nn.functional.mse_loss``, ...) and
    whatever was passed to :func:`register`. Any other name raises :class:`CheckpointError`.

    Examples
    --------
    >>> from streamad.persist import CheckpointError, resolve
    >>> resolve("torch.optim.adam.Adam")
    <class 'torch.optim.adam.Adam'>
    >>> try:
    ...     resolve("os.system")
    ... except CheckpointError as error:
    ...     print(str(error)[:53])
    'os.system' is not a class or function streamad knows
    """
    if not isinstance(name, str):
        raise CheckpointError(f"a stored name must be a string, not {name!r}")
    known = _known().get(name, _REGISTERED.get(name))
    if known is None:
        short = name.rpartition(".")[2]
        short = short if short.isidentifier() else "obj"
        raise CheckpointError(
            f"{name!r} is not a class or function streamad knows (names in a checkpoint are "
            f"looked up, never imported); if it is yours, import it and register it before "
            f"loading: streamad.persist.register({short})"
        )
    return known
