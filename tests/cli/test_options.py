"""The CLI builds streamad.Monitor with Monitor's own defaults; options override one by one."""

from __future__ import annotations

import functools
import re

import pytest

from streamad.cli import build_parser
from streamad.cli.build import monitor
from streamad.cli.parser import DEFAULTS_NOTE


def _monitor(*options: str):
    return monitor(build_parser().parse_args(["watch", *options]))


def test_no_option_gives_the_monitors_defaults():
    from streamad import Monitor

    built, default = _monitor(), Monitor()
    assert built.detector is None and built.threshold is default.threshold
    assert built.accept_after == default.accept_after
    assert repr(built) == repr(default)


def test_the_help_states_the_monitors_defaults():
    import inspect

    from streamad import Monitor
    from streamad.thresholds import RateThreshold

    detector, note = Monitor().detector_, " ".join(DEFAULTS_NOTE.split())
    defaults = {**{k: p.default for k, p in inspect.signature(detector.module).parameters.items()},
                **detector.module_kwargs}  # fmt: skip
    if "encoder_sizes" in defaults:  # stacked: --hidden H means layers (2H, H)
        hidden = defaults["encoder_sizes"][-1]
        assert tuple(defaults["encoder_sizes"]) == (2 * hidden, hidden)
    else:
        hidden = defaults["hidden_size"]
    stated = re.search(r"module (\w+), window (\d+), hidden (\d+), lr ([\d.]+), seed (\d+)", note)
    assert stated is not None
    assert stated.groups() == (
        detector.module.__name__.lower(),
        str(detector.window_size),
        str(hidden),
        str(detector.lr),
        str(detector.seed),
    )
    clipped = f"score mode {detector.score_mode}, gradient norm clipped to {detector.clip_grad:g})"
    assert clipped in note
    per = round(1 / inspect.signature(RateThreshold).parameters["rate"].default)
    assert Monitor().threshold is RateThreshold
    assert f"the threshold rate at about one false alarm per {per} normal samples," in note
    assert f"accept-after {Monitor().accept_after}," in note
    assert Monitor().context is None and "no context" in note
    assert Monitor().protect is False and "no protection (alarmed samples are learned)" in note


def test_each_option_overrides_only_its_own_parameter():
    from streamad import Monitor, modules

    built = _monitor("--module", "stacked", "--hidden", "8", "--lr", "0.1", "--window", "5")
    expected = Monitor().detector_.clone(
        {"module": modules.Stacked, "encoder_sizes": (16, 8), "lr": 0.1, "window_size": 5}
    )
    assert repr(built.detector) == repr(expected)
    assert built.detector.clip_grad == Monitor().detector_.clip_grad  # kept from the default
    assert _monitor("--seed", "7").detector.seed == 7
    assert _monitor("--accept-after", "never").accept_after is None
    assert _monitor("--accept-after", "5").accept_after == 5


@pytest.mark.parametrize(
    ("options", "name", "kwargs"),
    [
        (["--k", "3"], "SigmaThreshold", {"k": 3.0}),
        (["--threshold", "quantile", "--q", "0.9"], "QuantileThreshold", {"q": 0.9}),
        (["--threshold", "spot"], "SPOTThreshold", {}),
        (["--threshold", "fixed", "--value", "2"], "FixedThreshold", {"threshold": 2.0}),
    ],
)
def test_threshold_options(options, name, kwargs):
    threshold = _monitor(*options).threshold
    if kwargs:
        assert isinstance(threshold, functools.partial) and threshold.keywords == kwargs
        threshold = threshold.func
    assert threshold.__name__ == name
    assert _monitor("--threshold", "none").threshold is None


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--q", "0.9"], "--q and --value need --threshold"),
        (["--threshold", "sigma", "--value", "1"], "--value applies to --threshold fixed"),
        (["--threshold", "quantile", "--k", "3"], "--k applies to --threshold sigma"),
        (["--threshold", "fixed"], "--threshold fixed needs --value"),
    ],
)
def test_threshold_options_that_do_not_fit(options, fragment):
    from streamad.cli.errors import CliError

    with pytest.raises(CliError, match=re.escape(fragment)):
        _monitor(*options)
