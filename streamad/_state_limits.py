"""Sizes in a saved RollingDetector state, checked before anything of that size is built.

A checkpoint names the sizes of what loading builds: the window, the module's arguments (a
hidden size, a number of layers), the features. A crafted file could name a ``hidden_size`` of
a million (16 TB of LSTM weights) or a ``window_size`` of a billion (22 GiB of window), so each
size is checked first: against a limit no real detector comes near, and against the tensors the
file holds. The module is first built on torch's ``meta`` device, which allocates nothing, under
a count of the parameters and buffers it registers that stops it past the limits.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as torch_module
from torch.overrides import TorchFunctionMode

from streamad.persist import CheckpointError

__all__ = ["MAX_ELEMENTS", "MAX_TENSORS", "MAX_WINDOW", "bounded", "check_state", "shapes_of"]

MAX_WINDOW = 100_000  # samples in a detector's window
MAX_ELEMENTS = 2**28  # numbers in a module's parameters and buffers (1 GiB of float32)
MAX_TENSORS = 4096  # parameters and buffers of a module

Shapes = dict[str, tuple[int, ...]]


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """Stop modules built in this thread once they register more than the limits allow.

    Examples
    --------
    >>> import torch
    >>> from streamad._state_limits import bounded
    >>> from streamad.persist import CheckpointError
    >>> try:
    ...     with bounded(), torch.device("meta"):
    ...         torch.nn.LSTM(4, hidden_size=1_000_000)
    ... except CheckpointError as error:
    ...     print(str(error)[:43])
    the module would hold more than 268,435,456
    """
    me, counts = threading.get_ident(), [0, 0]

    def count(_module: nn.Module, _name: str, tensor: torch.Tensor | None) -> None:
        if tensor is None or threading.get_ident() != me:
            return
        counts[0] += tensor.numel()
        counts[1] += 1
        if counts[0] > MAX_ELEMENTS or counts[1] > MAX_TENSORS:
            raise CheckpointError(
                f"the module would hold more than {MAX_ELEMENTS:,} parameters or "
                f"{MAX_TENSORS:,} parameter and buffer tensors: its stored arguments are "
                f"beyond any real detector's"
            )

    handles = [
        torch_module.register_module_parameter_registration_hook(count),
        torch_module.register_module_buffer_registration_hook(count),
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


class _ShapesOnly(TorchFunctionMode):
    """Skip the initialisers of meta tensors: they change values only, which meta has none of.

    Run on meta, torch's random initialisers go through decompositions whose first use imports
    torch's symbolic machinery (about a second); the shapes are the same without them.
    """

    VALUES_ONLY = frozenset(
        ["uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_"]
        + ["log_normal_", "cauchy_", "erfinv_"]
    )

    def __torch_function__(
        self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None
    ) -> Any:
        kwargs = kwargs or {}
        target = args[0] if args else kwargs.get("tensor")
        name, where = getattr(func, "__name__", ""), getattr(func, "__module__", None)
        if (where == "torch.nn.init" or name in self.VALUES_ONLY) and (
            isinstance(target, torch.Tensor) and target.is_meta
        ):
            return target
        return func(*args, **kwargs)


def shapes_of(build: Callable[[], nn.Module]) -> Shapes | None:
    """The shapes in the ``state_dict`` of the module ``build()`` makes, built on ``meta``.

    Nothing is allocated; a module beyond the limits raises :class:`CheckpointError`. None when
    the module cannot be built on ``meta`` (a custom module may not): the real build is then
    still :func:`bounded`.

    Examples
    --------
    >>> from streamad._state_limits import shapes_of
    >>> from streamad.modules import Cho
    >>> shapes_of(lambda: Cho(4, hidden_size=3))["encoder.weight_ih_l0"]
    (12, 4)
    """
    try:
        with bounded(), torch.device("meta"), _ShapesOnly():
            module = build()
        return {name: tuple(value.shape) for name, value in module.state_dict().items()}
    except CheckpointError:
        raise
    except Exception:  # not buildable on meta: the real build will raise, or be bounded
        return None


def _shape(value: Any, expected: tuple[int, ...], what: str) -> None:
    if not isinstance(value, torch.Tensor) or tuple(value.shape) != expected:
        found = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise CheckpointError(f"{what} is {found}, not {expected} as its sizes say")


def _int(value: Any, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise CheckpointError(f"{what} is {value!r}: it must be an int from {low:,} to {high:,}")
    return value


def check_state(state: dict[str, Any], module_shapes: Callable[[int], Shapes | None]) -> None:
    """Raise :class:`CheckpointError` if a state's sizes are beyond limits or disagree.

    ``module_shapes(n_features)`` gives the shapes of the module the state would build (see
    :func:`shapes_of`). Checked: ``window_size`` (at most ``MAX_WINDOW``); the module's size
    (:func:`bounded`); and, for a detector that has learned, that its features are distinct
    names, its window, means and weights have the shapes its sizes imply.

    Examples
    --------
    >>> from streamad import RollingDetector
    >>> from streamad._state_limits import check_state
    >>> from streamad.persist import CheckpointError
    >>> state = RollingDetector(hidden_size=2).get_state()
    >>> state["params"]["window_size"] = 10**9
    >>> try:
    ...     check_state(state, lambda n: None)
    ... except CheckpointError as error:
    ...     print(error)
    window_size is 1000000000: it must be an int from 1 to 100,000
    """
    window = _int(state["params"]["window_size"], 1, MAX_WINDOW, "window_size")
    if "module_state" not in state:
        module_shapes(1)  # built at the first sample: its size is checked now all the same
        return
    features = state["features"]
    if not (isinstance(features, list) and all(type(f) is str for f in features)):
        raise CheckpointError("features must be a list of names")
    n = len(features)
    if n == 0 or len(set(features)) != n:
        raise CheckpointError(f"features must be distinct names, at least one: {features[:5]}")
    _shape(state["window"]["buffer"], (2 * window, n), "the window's buffer")
    _int(state["window"]["position"], 0, window - 1, "the window's position")
    _int(state["window"]["count"], 0, window, "the window's count")
    _shape(state["means"]["sums"], (n,), "the means' sums")
    _shape(state["means"]["counts"], (n,), "the means' counts")
    stored = state["module_state"]
    if not isinstance(stored, dict):
        raise CheckpointError("module_state must be a dict of tensors")
    expected = module_shapes(n)
    if expected is None:
        return
    if stored.keys() != expected.keys():
        names = sorted(set(stored) ^ set(expected))[:5]
        raise CheckpointError(f"module_state does not fit the module: names {names} differ")
    for name, shape in expected.items():
        _shape(stored[name], shape, f"module_state[{name!r}]")
