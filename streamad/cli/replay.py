"""``streamad replay``: the prequential loop over a recorded stream, and a report that is always
written: after the last row, after an unreadable one, and after Ctrl-C."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from streamad.cli import build
from streamad.cli.errors import fail, note, one_line
from streamad.cli.stopping import Reader, StopOnSignal

__all__ = ["replay"]

#: Extra table rows: metric key and label (the Report's own table does not know them yet).
EXTRA_ROWS = (
    ("n_missing_cells", "missing cells"),
    ("n_imputed", "values imputed"),
    ("n_clipped", "values clipped"),
    ("nab_score", "NAB score"),
)


def _check_outputs(args: argparse.Namespace) -> None:
    for option, path in (("--json", args.json), ("--png", args.png)):
        if path and not Path(path).parent.is_dir():
            fail(f"{option} {path}: the folder {Path(path).parent} does not exist")
    if args.train and not Path(args.train).is_file():
        fail(f"--train {args.train}: file not found")
    if args.png:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            fail("--png needs matplotlib: pip install 'streamad[plot]'")


def _note_compiling(args: argparse.Namespace) -> None:
    """Say so when the compiled kernel is not in numba's cache yet (the first run on a
    machine): it compiles in a process of its own meanwhile, and the timings leave those
    samples out."""
    from streamad.evaluate._compiling import compiling

    if compiling() and not args.quiet:
        note(
            "streamad's compiled kernel is not cached yet: it compiles in the background, once "
            "for every later run (about 20 s on two cores; it finishes after this run if need "
            "be); the NumPy kernel serves meanwhile, and the report's timings leave those "
            "samples out (or say so, when it serves them all)"
        )


def _input_counts(source: Any, monitor: Any) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    missing = getattr(source, "n_missing", None)
    if missing is not None:
        counts["n_missing_cells"] = missing
    guard = getattr(monitor, "guard_", None)
    for name in ("n_imputed", "n_clipped"):
        if hasattr(guard, name):
            counts[name] = int(getattr(guard, name))
    return counts


def _nab(source: Any, report: Any) -> dict[str, Any]:
    from streamad.cli.nab import NABSource, nab_metrics

    if not isinstance(source, NABSource) or report.labels is None or not len(report.labels):
        return {}
    if report.alarms is None:
        note("no NAB score without alarms (--threshold none)")
        return {}
    if report.start:
        return {}
    return nab_metrics(report.labels, report.alarms)


def _cell(key: str, metrics: dict[str, Any]) -> str | None:
    value = metrics.get(key)
    if value is None:
        return None
    if key == "nab_score":
        shown = "n/a" if math.isnan(value) else f"{value:.4g}"
        raw, windows = metrics["nab_raw_score"], metrics["nab_windows"]
        plural = "" if windows == 1 else "s"
        return f"{shown} (raw {raw:.4g}, {windows} window{plural}, standard profile, of the alarms)"
    return f"{value:,}"


def _table(report: Any) -> str:
    """The report's table with the rows it does not know yet, after its metric rows."""
    lines = report.to_table().splitlines()
    width = len(lines[0]) - len(lines[0][len("source") :].lstrip()) - 2
    cells = [(label, _cell(key, report.metrics)) for key, label in EXTRA_ROWS]
    rows = [f"{label:<{width}}  {cell}" for label, cell in cells if cell is not None]
    end = lines.index("") if "" in lines else len(lines)
    return "\n".join([*lines[:end], *rows, *lines[end:]])


def _write(report: Any, args: argparse.Namespace) -> None:
    if not args.quiet:
        print(_table(report), flush=True)
    if args.json:
        report.to_json(args.json)
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        report.plot(args.png)


def replay(args: argparse.Namespace) -> int:
    """Run ``streamad replay`` with parsed arguments; return the exit status."""
    _check_outputs(args)
    from streamad.cli.sources import history, open_source

    source = open_source(args)
    with build.torch_threads(args.threads):
        from streamad.evaluate import prequential

        monitor = build.monitor(args)
        build.warm_up(monitor)
        _note_compiling(args)
        if args.train:
            n = build.warm_start(monitor, history(args))
            note(f"learned {n:,} rows of --train {args.train}")
        with StopOnSignal() as stop:
            reader = Reader(source, stop)
            if not args.quiet:
                note(f"replaying {source!r} (Ctrl-C stops and writes the report so far)")
            report = prequential(
                reader,
                monitor,
                block_size=args.block_size,
                max_samples=args.limit,
                store_values=bool(args.png),
                progress=False if args.quiet else None,
                timestamps=getattr(source, "timestamps", None),  # the Reader hides them
            )
    report.metrics.update(_input_counts(source, monitor))
    report.metrics.update(_nab(source, report))
    outputs = [p for p in (args.json, args.png) if p]
    done = f"{report.n_samples:,} sample{'' if report.n_samples == 1 else 's'}"
    if reader.error is not None and not report.n_samples:
        fail(reader.error)
    try:
        _write(report, args)
    except KeyboardInterrupt:
        raise
    except Exception as error:
        fail(f"could not write the report: {one_line(error)}")
    kept = f"; the report of those {done} is written"
    kept += f" ({', '.join(outputs)})" if outputs else ""
    if reader.error is not None:
        sys.stderr.write(f"streamad: error: {one_line(reader.error)}{kept}\n")
        return 2
    if reader.stopped:
        sys.stderr.write(f"streamad: interrupted after {done}{kept}\n")
        return 130
    return 0
