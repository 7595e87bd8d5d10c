"""The stream ``replay`` reads: the built-in sine, or a local file under the input policy."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from streamad.cli.csvfile import CSVFile
from streamad.cli.errors import fail, note
from streamad.feeds.records import RecordParser

__all__ = ["history", "open_source"]

#: Source options and the source they belong to.
BELONGS = {"series": "nab", "machine": "smd", "split": "smd"}
CSV_ONLY = {"exclude": [], "delimiter": ","}


def _check(args: argparse.Namespace) -> None:
    for option, owner in BELONGS.items():
        if getattr(args, option) and not getattr(args, owner):
            fail(f"--{option} only applies to --{owner}")
    if not args.csv:
        if args.label not in ("auto", None):
            fail("--label only applies to --csv")
        for option, default in CSV_ONLY.items():
            if getattr(args, option) != default:
                fail(f"--{option} only applies to --csv")


def _smd(args: argparse.Namespace) -> Any:
    from streamad import datasets

    root, machine = Path(args.smd), args.machine
    if machine is None:
        machines = sorted(p.name for p in root.glob("machine-*") if p.is_dir())
        if machines:
            fail(f"--smd {root} holds machines {', '.join(machines)}: pick one with --machine")
        root, machine = root.parent, root.name
    return datasets.SMD(root, machine, args.split or "test")


def open_source(args: argparse.Namespace) -> Any:
    """The source the options name; notes on stderr say what was guessed."""
    _check(args)
    if args.nab:
        from streamad.cli.nab import open_nab

        return open_nab(args.nab, args.series)
    if args.csv:
        source = CSVFile(args.csv, args.label, "auto", tuple(args.exclude), args.delimiter)
        for text in source.notes:
            note(text)
        return source
    if args.creditcard:
        from streamad import datasets

        return datasets.CreditCard(args.creditcard)
    if args.smd:
        return _smd(args)
    from streamad.synth import SineWithSpikes

    return SineWithSpikes()


def history(args: argparse.Namespace) -> list[dict[str, float]]:
    """The rows of ``--train`` (CSV, or JSON lines), at most ``--train-rows``, without labels."""
    from streamad.cli.csvfile import open_text

    label = getattr(args, "label", "auto")
    parser = RecordParser(
        form="auto",
        delimiter=getattr(args, "delimiter", ","),
        label=label,
        time=getattr(args, "time", "auto"),
        exclude=tuple(getattr(args, "exclude", ())),
    )
    rows: list[dict[str, float]] = []
    with open_text(args.train) as f:
        for number, line in enumerate(f, start=1):
            try:
                record = parser.parse(line)
            except ValueError as error:
                fail(f"--train {args.train}, line {number}: {error}")
            if record is not None:
                rows.append(record.x)
                if args.train_rows is not None and len(rows) >= args.train_rows:
                    break
    if not rows:
        fail(f"--train {args.train} holds no rows")
    return rows
