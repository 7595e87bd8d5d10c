"""Argument types and the option groups that ``replay`` and ``watch`` share.

Unset detector and threshold options are None, meaning: whatever :class:`streamad.Monitor`
does by default. Nothing here imports torch, River or streamad's models.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from streamad.cli.errors import fail

__all__ = [
    "MODULES",
    "THRESHOLDS",
    "Parser",
    "add_format",
    "add_model",
    "add_train",
    "count",
    "delimiter",
    "positive",
]

#: --module: name -> (class name in streamad.modules); --hidden sets its embedding size.
MODULES = {
    "sutskever": "Sutskever",
    "cho": "Cho",
    "srivastava": "Srivastava",
    "stacked": "Stacked",
}
THRESHOLDS = ("rate", "sigma", "quantile", "spot", "fixed", "none")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        fail(message)


def _number(kind: type, low: float, what: str, inclusive: bool = True) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}, not {text!r}") from None
        if value != value or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"{what}, not {text!r}")
        return value

    return parse


count = _number(int, 1, "must be a positive integer")
positive = _number(float, 0.0, "must be a positive number", inclusive=False)
seconds = _number(float, 0.0, "must be a number of seconds >= 0")


def probability(text: str) -> float:
    value = _number(float, 0.0, "must lie strictly between 0 and 1", inclusive=False)(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, not {text!r}")
    return float(value)


def accept_after(text: str) -> int | str:
    if text == "never":
        return text
    try:
        return int(count(text))
    except argparse.ArgumentTypeError:
        message = f"must be a positive integer or 'never', not {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def names(text: str) -> list[str]:
    """Comma-separated feature names or patterns, none empty."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"must be comma-separated names, not {text!r}")
    return items


def delimiter(text: str) -> str:
    """One character; ``tab``, ``\\t`` and ``space`` name the invisible ones."""
    value = {"tab": "\t", "\\t": "\t", "space": " "}.get(text, text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"must be one character (or tab, space), not {text!r}")
    return value


def add_model(parser: argparse.ArgumentParser) -> None:
    """Detector and threshold options; each unset one keeps the Monitor's default."""
    add = parser.add_argument_group(
        "detector (unset options keep streamad.Monitor's defaults: see below)"
    ).add_argument
    add("--module", choices=tuple(MODULES), help="the LSTM autoencoder")
    add("--window", type=count, metavar="N", help="samples per window")
    add("--hidden", type=count, metavar="H", help="embedding size (stacked: layers 2H, H)")
    add("--lr", type=positive, help="learning rate")
    add("--seed", type=int, help="seed of the module's weights")
    add(
        "--context",
        type=names,
        metavar="NAMES",
        help="comma-separated features (or patterns such as 'cmd_*') the model reads but "
        "never scores or blames: commands, set-points, states",
    )
    add(
        "--accept-after",
        type=accept_after,
        metavar="N",
        help="samples above the threshold in a row after which the change is accepted as the "
        "new normal and the threshold forgets them (default 50; 'never')",
    )
    add(
        "--threads",
        type=count,
        default=1,
        metavar="N",
        help="torch threads (default 1: a per-sample LSTM gains little from more, and 2 "
        "threads collapse when the other core is busy)",
    )
    add = parser.add_argument_group("threshold").add_argument
    add(
        "--threshold",
        choices=THRESHOLDS,
        help="rate: about one false alarm per --false-alarms-per normal samples (the default); "
        "sigma: mean + k*std of the scores so far; quantile: q-quantile; spot: extreme-value "
        "tail of risk q; fixed: --value; none: scores only",
    )
    add(
        "--false-alarms-per",
        type=count,
        metavar="N",
        help="rate's target: about one false alarm per N normal samples (default 1000)",
    )
    add("--k", type=positive, help="sigma's k")
    add("--q", type=probability, help="quantile's level or spot's risk")
    add("--value", type=float, help="the fixed threshold")


def add_format(group: Any, time: bool = False) -> None:
    """Options saying how to read rows: delimiter, label, time and excluded columns."""
    add = group.add_argument
    add(
        "--delimiter",
        type=delimiter,
        default=",",
        metavar="C",
        help="CSV field separator (default ,)",
    )
    labels = group.add_mutually_exclusive_group()
    labels.add_argument(
        "--label",
        metavar="COL",
        default="auto",
        help="the 0/1 label column; by default a column named is_anomaly, anomaly, label, "
        "class... is taken as the label (and said so), never as a feature",
    )
    labels.add_argument(
        "--no-label", dest="label", action="store_const", const=None, help="read no label"
    )
    if time:
        add("--time", metavar="COL", default="auto", help="the time column (default: auto)")
    add(
        "--exclude",
        metavar="COL",
        action="append",
        default=[],
        help="a column to leave out (repeatable); a column named timestamp, time, date... "
        "is the time of a sample, never a feature",
    )


def add_train(parser: argparse.ArgumentParser) -> None:
    """``--train``: learn a file of normal history first."""
    add = parser.add_argument_group("warm start").add_argument
    add(
        "--train",
        metavar="PATH",
        help="a CSV (or JSON-lines) file of normal history to learn before the stream, with "
        "no alarms and no protection; same columns as the stream",
    )
    add("--train-rows", type=count, metavar="N", help="learn only the first N rows of --train")
