"""The Monitor a command runs, built from its options: unset ones keep the Monitor's defaults."""

from __future__ import annotations

import argparse
import functools
import inspect
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from streamad.cli.errors import fail

__all__ = ["monitor", "torch_threads", "warm_start", "warm_up"]

#: The keyword each module takes as its embedding size.
_HIDDEN = {"Sutskever": "hidden_size", "Cho": "hidden_size", "Srivastava": "hidden_size"}


def _hidden(module: Any, hidden: int) -> dict[str, Any]:
    name = getattr(module, "__name__", type(module).__name__)
    if name == "Stacked":
        return {"encoder_sizes": (2 * hidden, hidden)}
    if name not in _HIDDEN:
        fail(f"--hidden does not apply to the module {name}")
    return {_HIDDEN[name]: hidden}


def _detector(args: argparse.Namespace, default: Any) -> Any:
    """The Monitor's default detector with the options given; None when none is given."""
    from streamad import modules
    from streamad.cli.options import MODULES

    params: dict[str, Any] = {}
    if args.module is not None:
        params["module"] = getattr(modules, MODULES[args.module])
    for option, name in (("window", "window_size"), ("lr", "lr"), ("seed", "seed")):
        if getattr(args, option) is not None:
            params[name] = getattr(args, option)
    if args.hidden is not None:
        params.update(_hidden(params.get("module", default.module), args.hidden))
    return default.clone(params) if params else None


def _threshold(args: argparse.Namespace, default: Any) -> Any:
    """The threshold factory; the Monitor's own when no threshold option is given."""
    from streamad import thresholds

    kind = args.threshold
    per = getattr(args, "false_alarms_per", None)
    given = {
        "k": args.k,
        "q": args.q,
        "value": args.value,
        "rate": None if per is None else 1 / per,
    }
    if kind is None:
        if given["q"] is not None or given["value"] is not None:
            fail("--q and --value need --threshold (quantile or spot; fixed)")
        if given["k"] is not None:
            kind = "sigma"
        elif given["rate"] is None:
            return default
        else:
            kind = "rate"
    owner = {"k": "sigma", "q": "quantile or spot", "value": "fixed", "rate": "rate"}
    for option, value in given.items():
        if value is not None and kind not in owner[option].split(" or "):
            flag = "false-alarms-per" if option == "rate" else option
            fail(f"--{flag} applies to --threshold {owner[option]}, not {kind}")
    if kind == "none":
        return None
    if kind == "fixed":
        if args.value is None:
            fail("--threshold fixed needs --value")
        return functools.partial(thresholds.FixedThreshold, threshold=args.value)
    cls = {
        "rate": thresholds.RateThreshold,
        "sigma": thresholds.SigmaThreshold,
        "quantile": thresholds.QuantileThreshold,
        "spot": thresholds.SPOTThreshold,
    }[kind]
    kwargs = {k: v for k, v in given.items() if v is not None}
    return functools.partial(cls, **kwargs) if kwargs else cls


def monitor(args: argparse.Namespace) -> Any:
    """A fresh :class:`~streamad.Monitor` with the command's detector and threshold options."""
    from streamad import Monitor

    default = Monitor()
    params = inspect.signature(Monitor).parameters
    kwargs: dict[str, Any] = {
        "detector": _detector(args, default.detector_),
        "threshold": _threshold(args, params["threshold"].default),
    }
    if args.accept_after is not None:
        kwargs["accept_after"] = None if args.accept_after == "never" else args.accept_after
    if getattr(args, "context", None):
        kwargs["context"] = args.context
    return Monitor(**kwargs)


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch on ``n`` threads (see ``--threads``); the caller's count is restored after
    (tests and notebooks keep theirs)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def warm_up(monitor: Any) -> Any:
    """Load now what the monitor's first sample would load (torch, the compiled kernel or the
    start of its background compile), on a throwaway copy of it fed past its own warm-up: the
    first sample of the stream is then as quick as the others. Returns the copy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = monitor.clone()
        guard = getattr(probe, "guard_", None)
        samples = getattr(guard, "warmup", 0) + 3  # past the monitor's own warm-up
        for i in range(samples):
            probe.process_one({"warm-up": (0.0, 1.0, 0.5)[i % 3]})
    return probe


def warm_start(monitor: Any, history: Iterable[dict]) -> int:
    """Learn ``history`` (normal samples) with :meth:`Monitor.warm_start`; returns its size."""
    rows = list(history)
    monitor.warm_start(rows)
    return len(rows)
