"""``streamad watch``: a Monitor on a live feed, one JSON line per alarm, resumable."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from streamad.cli import build
from streamad.cli.alarms import alarm_line, status_line
from streamad.cli.checkpoints import Checkpointer, Output, resume
from streamad.cli.errors import fail, note, one_line
from streamad.cli.lock import CheckpointLock
from streamad.cli.stopping import StopOnSignal
from streamad.feeds import BadRecord, FollowFile, RecordParser, StreamFeed, TCPFeed

__all__ = ["watch"]

MODEL_OPTIONS = ("module", "window", "hidden", "lr", "seed", "threshold", "k", "q", "value")
#: What a line's data can make parsing or the monitor raise: the line is skipped, the run goes
#: on (a programming error, of another kind, still stops it). OverflowError is an
#: ArithmeticError, UnicodeError and BadRecord are ValueErrors.
DATA_ERRORS = (ValueError, TypeError, ArithmeticError)


def _check(args: argparse.Namespace) -> None:
    if args.resume and not args.checkpoint:
        fail("--resume needs --checkpoint PATH")
    if args.train and not Path(args.train).is_file():
        fail(f"--train {args.train}: file not found")
    if args.listen is not None and not 0 <= args.listen <= 65535:
        fail(f"--listen must be a port number from 0 to 65535, not {args.listen}")
    for option in ("out", "checkpoint"):
        path = getattr(args, option)
        if path and not Path(path).absolute().parent.is_dir():
            fail(f"--{option} {path}: the folder {Path(path).parent} does not exist")
    if args.follow and args.train and Path(args.follow) == Path(args.train):
        note("--train is the followed file: its rows are learned, then scored again")


def _listen(args: argparse.Namespace) -> TCPFeed | None:
    """The TCP feed, bound before anything slow is loaded: senders may connect at once."""
    if args.listen is None:
        return None
    try:
        return TCPFeed(args.host, args.listen)
    except OSError as error:
        fail(f"cannot listen on {args.host}:{args.listen}: {error}")


def _feed(args: argparse.Namespace, position: dict[str, Any], listener: TCPFeed | None) -> Any:
    if args.follow:
        before = position.get("path")
        if before not in (None, str(Path(args.follow))):
            note(f"the checkpoint followed {before}: reading {args.follow} from its start")
            position = {}
        offset, inode, lines = (position.get(k) for k in ("offset", "inode", "lines"))
        return FollowFile(args.follow, offset or 0, inode, lines or 0)
    skip = int(position.get("lines", 0))
    if skip:
        note(f"skipping the first {skip:,} lines: the checkpoint has learned them")
    feed = listener if listener is not None else StreamFeed()
    feed.skip = skip
    return feed


def _parser(args: argparse.Namespace, entry: dict[str, Any] | None) -> RecordParser:
    columns = None if args.columns is None else [c.strip() for c in args.columns.split(",")]
    schema = (entry or {}).get("schema") or {}
    parser = RecordParser(
        form=schema.get("form", args.format),
        delimiter=args.delimiter,
        label=schema.get("label", args.label),
        time=schema.get("time", args.time),
        exclude=tuple(args.exclude),
        columns=columns,
    )
    if schema.get("header") and parser.header is None:
        parser.set_header(list(schema["header"]))
        parser.notes.clear()
    return parser


class _Run:
    """The loop's state: counts, the last position handled, the clock of the status lines."""

    def __init__(self, monitor: Any, samples: int, args: argparse.Namespace) -> None:
        self.monitor = monitor
        self.samples = samples
        self.args = args
        self.rejected = 0
        self.position: dict[str, Any] = {}
        self.start = self.last_status = self.last_data = time.monotonic()
        self.start_samples = samples

    def reject(self, where: Any, why: Exception) -> None:
        """Count a skipped line and say why in one short line (with STREAMAD_DEBUG set, the
        traceback of an error raised past the parser as well)."""
        self.rejected += 1
        if isinstance(why, BadRecord):
            note(f"skipped line {where}: {one_line(why, limit=200)}")
            return
        note(f"skipped line {where}: {type(why).__name__}: {one_line(why, limit=200)}")
        if os.environ.get("STREAMAD_DEBUG"):
            traceback.print_exception(why, file=sys.stderr)

    def status(self, now: float) -> None:
        guard = getattr(self.monitor, "guard_", None)
        rate = (self.samples - self.start_samples) / max(now - self.start, 1e-9)
        counts = {
            "samples": self.samples,
            "alarms": getattr(self.monitor, "n_alarms", 0),
            "rejected": self.rejected,
            "imputed": getattr(guard, "n_imputed", 0),
            "clipped": getattr(guard, "n_clipped", 0),
            "rate": rate,
        }
        sys.stderr.write(status_line(counts) + "\n")
        sys.stderr.flush()
        self.last_status = now

    def entry(self, parser: RecordParser) -> dict[str, Any]:
        schema = parser.schema
        saved = {
            "form": parser.form,
            "header": parser.header,
            "label": None if schema is None else schema.label,
            "time": None if schema is None else schema.time,
        }
        if schema is None:  # nothing read yet: keep the options as given
            del saved["label"], saved["time"]
        return {"samples": self.samples, "feed": self.position, "schema": saved}


def _loop(run: _Run, feed: Any, parser: RecordParser, out: Output, saver: Any, stop: Any) -> str:
    """Read, score, write and learn until the feed ends or a stop; returns why it stopped."""
    args, monitor = run.args, run.monitor
    every = args.status_every
    for line in feed:
        for text in [*getattr(feed, "notes", ()), *parser.notes]:
            note(text)
        getattr(feed, "notes", []).clear()
        parser.notes.clear()
        now = time.monotonic()
        if stop():
            return "signal"
        if every and now - run.last_status >= every:
            run.status(now)
        if line is None:
            if args.idle_timeout is not None and now - run.last_data >= args.idle_timeout:
                return f"nothing for {args.idle_timeout:g} s"
            continue
        run.last_data = now
        where = line.position.get("lines", "?")
        try:
            if line.text is None:
                raise BadRecord("longer than 1 MiB")
            record = parser.parse(line.text)
            alarm = None if record is None else monitor.process_one(record.x, record.y)
        except DATA_ERRORS as error:  # this line's data: skipped, and the position goes past it
            run.position = line.position
            run.reject(where, error)
            continue
        run.position = line.position
        if record is None or alarm is None:
            continue
        index, run.samples = run.samples, run.samples + 1
        if alarm.is_alarm:
            out.write(alarm_line(alarm, index, record.time, monitor, args.top, record.y))
        for event in getattr(monitor, "last_events", ()):
            note(f"sample {index}: {event.kind}: {event.message}")
        if saver is not None and run.samples % args.every == 0:
            saver.save(monitor, run.entry(parser), out)
        if args.limit is not None and run.samples >= args.limit:
            return f"--limit {args.limit}"
    return "end of input"


def watch(args: argparse.Namespace) -> int:
    """Run ``streamad watch`` with parsed arguments; return the exit status.

    A watch with ``--checkpoint`` holds its lock (:class:`~streamad.cli.lock.CheckpointLock`)
    from before it reads the checkpoint until it ends: a second watch of the same checkpoint
    stops at once, having written nothing.
    """
    _check(args)
    if not args.checkpoint:
        return _watch(args)
    with CheckpointLock(args.checkpoint):
        if not args.resume and Path(args.checkpoint).exists():
            fail(f"--checkpoint {args.checkpoint} exists: add --resume to continue from it")
        return _watch(args)


def _watch(args: argparse.Namespace) -> int:
    listener = _listen(args)
    with build.torch_threads(args.threads):
        state = resume(args.checkpoint, args.out) if args.resume else None
        saver: Checkpointer | None
        if state is not None:
            monitor, saver, entry = state
            given = [f"--{o}" for o in MODEL_OPTIONS if getattr(args, o) is not None]
            if given or args.train:
                note(f"{', '.join(given + ['--train'] * bool(args.train))} ignored: resuming")
        else:
            monitor, entry = build.monitor(args), None
            saver = Checkpointer(args.checkpoint) if args.checkpoint else None
            if args.train:
                from streamad.cli.sources import history

                n = build.warm_start(monitor, history(args))
                note(f"learned {n:,} rows of --train {args.train}")
        build.warm_up(monitor)
        run = _Run(monitor, entry["samples"] if entry else 0, args)
        run.position = entry["feed"] if entry else {}
        parser = _parser(args, entry)
        feed = _feed(args, run.position, listener)
        out = Output(args.out, entry["out_bytes"] if entry else None)
        if saver is not None and entry is None:
            saver.save(monitor, run.entry(parser), out)  # a resume never repeats --train
        with StopOnSignal((signal.SIGINT, signal.SIGTERM)) as stop:
            saves = " and saves" if saver else ""
            note(f"watching {feed!r} from sample {run.samples:,} (Ctrl-C or SIGTERM stops{saves})")
            try:
                why = _loop(run, feed, parser, out, saver, stop)
            finally:
                close = getattr(feed, "close", None)
                if callable(close):
                    close()
            if saver is not None:
                saver.save(monitor, run.entry(parser), out)
        out.close()
    run.status(time.monotonic())
    note(f"stopped ({why})" + (f"; saved to {args.checkpoint}" if saver else ""))
    return 130 if stop.signum == signal.SIGINT else 0
