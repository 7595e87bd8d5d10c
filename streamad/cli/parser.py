"""The ``streamad`` argument parser: ``replay``, ``watch`` and ``warm``. Builds in milliseconds: it
imports no model code (checked by ``tests/cli/test_fast_start.py``)."""

from __future__ import annotations

import argparse

from streamad.cli import options
from streamad.cli.options import Parser, count, seconds

__all__ = ["DEFAULTS_NOTE", "KERNEL_NOTE", "build_parser"]

#: What unset options mean; ``tests/cli/test_options.py`` checks it against streamad.Monitor().
DEFAULTS_NOTE = """\
defaults: unset detector and threshold options keep those of streamad.Monitor(): its detector
(module srivastava, window 10, hidden 30, lr 0.01, seed 42; score mode fused, gradient norm
clipped to 1), the threshold rate at about one false alarm per 1000 normal samples,
accept-after 50, no context, no protection (alarmed samples are learned); a StandardScaler and
the input policy in front: missing, empty and NaN values are imputed and counted, inf and values
beyond 1e15 imputed and alarmed as implausible, huge ones clipped."""

#: What the first run on a machine does (streamad._kernels.warm, streamad._kernels.build).
KERNEL_NOTE = """\
first run: streamad's compiled kernel is built once for every later run, module and width (again
after a reinstall), by a process of its own in the background: about 20 s on two cores. Until it
is cached the NumPy kernel serves, several times slower, and a report leaves those samples out of
its timings; a run that ends sooner does not wait for it. `streamad warm` compiles it now and
waits; STREAMAD_KERNEL=compiled compiles in the foreground of each run that needs it instead,
STREAMAD_KERNEL=numpy never."""

REPLAY_EPILOG = f"""\
examples:
  streamad replay                                  # the built-in sine with 4 spikes
  streamad replay --png sine.png --json sine.json  # ...with the two-panel figure and the report
  streamad replay --creditcard data/creditcard/creditcard.csv.gz --limit 5000 \\
      --module sutskever --window 10 --hidden 30 --lr 0.005 --threshold none
  streamad replay --nab data/nab/realKnownCause/nyc_taxi.csv.gz
  streamad replay --nab data/nab --series realKnownCause/nyc_taxi --threshold spot --q 1e-3
  streamad replay --csv metrics.csv --label is_anomaly --exclude host --delimiter ';'
  streamad replay --smd data/smd/machine-1-6 --block-size 64 --quiet --json smd.json

The score of a sample is how many times its usual reconstruction error it shows: the larger of
the error of the window ending with it and half the error of the sample itself, each over its
mean on the first 1000 windows learned. An alarm is raised when the score crosses the threshold,
one per crossing however long the score stays above it; a value rule raises one of its own kind
for a value that is no measurement (inf, 1e300), a long-constant feature that changes, or a
varying one that freezes. Every sample is learned, alarms included. Data sets are read from local
files only. Ctrl-C stops the run and still writes the report, the JSON and the figure of what was
read; so does an unreadable row (then with exit status 2).

{DEFAULTS_NOTE}

{KERNEL_NOTE}"""

WATCH_EPILOG = f"""\
examples:
  tail -F app.csv | streamad watch                       # CSV rows (a header first) on stdin
  streamad watch --follow metrics.jsonl --out alarms.jsonl \\
      --checkpoint state/monitor.ckpt --every 1000 --resume
  streamad watch --listen 9000 --train normal.csv --train-rows 5000

Each alarm raised is one JSON line (none for the samples while it goes on): {{"index", "time",
"score", "threshold", "calibrated", "kind", "reason", "ongoing", "features": [[name, share], ...],
"imputed", "clipped", "events"}} ("index" counts samples from 0 across resumes; "time" is the
time column's, or null; "kind" is "score", or a value rule's "implausible", "changed" or
"frozen" with its "reason"); status lines go to stderr. Lines that cannot be read (not JSON, too
few fields, text where a number belongs) are skipped and reported.

checkpoints: --checkpoint saves the whole monitor every --every samples and when the run ends
(end of input, --limit, --idle-timeout, SIGTERM, Ctrl-C), with the feed's position in
PATH.position.json. --resume continues from it with nothing lost and nothing scored twice, even
after a crash or kill -9: a followed file from the byte after the last sample learned (read from
its start if it was rotated or truncated meanwhile); stdin and --listen skip the lines already
learned, so the sender must send the stream again from its start. An --out file is cut back to
the alarms of the samples learned, so each alarm is written once; alarms on stdout after the last
checkpoint are written again (their "index" tells them apart).

{DEFAULTS_NOTE}

{KERNEL_NOTE}"""


def _replay(commands: argparse._SubParsersAction) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    replay = commands.add_parser(
        "replay",
        help="evaluate a detector on a recorded stream, test-then-train",
        epilog=REPLAY_EPILOG,
        description="Replay a stream through a Monitor: score each sample, then learn it.",
        formatter_class=raw,
    )
    src = replay.add_argument_group("source (default: the built-in SineWithSpikes, no files)")
    one = src.add_mutually_exclusive_group()
    add = one.add_argument
    add("--nab", metavar="PATH", help="a NAB series .csv[.gz], or the NAB root with --series")
    add("--csv", metavar="PATH", help="any CSV file (gzipped or not)")
    add("--creditcard", metavar="PATH", help="creditcard.csv[.gz] (ULB fraud)")
    add("--smd", metavar="DIR", help="an SMD machine folder, or the SMD root with --machine")
    add = src.add_argument
    add("--series", metavar="NAME", help="NAB series under --nab, e.g. realKnownCause/nyc_taxi")
    add("--machine", metavar="NAME", help="SMD machine under --smd, e.g. machine-1-6")
    add("--split", choices=("test", "train"), help="SMD split (default test)")
    add("--limit", type=count, metavar="N", help="stop after N samples")
    options.add_format(replay.add_argument_group("--csv columns"))
    options.add_model(replay)
    replay.add_argument(
        "--block-size",
        type=count,
        default=1,
        metavar="K",
        help="score and learn K samples at a time (alarms up to K-1 samples late)",
    )
    options.add_train(replay)
    add = replay.add_argument_group("output").add_argument
    add("--json", metavar="PATH", help="save the report as JSON")
    add("--png", metavar="PATH", help="save the two-panel figure (signal and alarms; scores)")
    add("--quiet", action="store_true", help="no progress bar and no table")


def _watch(commands: argparse._SubParsersAction) -> None:
    watch = commands.add_parser(
        "watch",
        help="run a Monitor on a live feed and write its alarms as JSON lines",
        epilog=WATCH_EPILOG,
        description="Watch a live feed: score each sample, write each alarm, then learn it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    feed = watch.add_argument_group("feed (default: standard input)")
    one = feed.add_mutually_exclusive_group()
    one.add_argument("--follow", metavar="PATH", help="a file to follow as it grows (tail -F)")
    one.add_argument(
        "--listen",
        type=int,
        metavar="PORT",
        help="a TCP port to read lines from, one sender at a time (0: a free port, told on stderr)",
    )
    add = feed.add_argument
    add("--host", default="127.0.0.1", help="address --listen binds (default %(default)s)")
    add(
        "--format",
        choices=("auto", "csv", "json"),
        default="auto",
        help="CSV rows under a header line, or JSON objects (default: from the first line)",
    )
    add("--columns", metavar="A,B,...", help="the CSV column names, for a feed with no header")
    options.add_format(feed, time=True)
    add("--limit", type=count, metavar="N", help="stop after N samples (counted across resumes)")
    add(
        "--idle-timeout",
        type=seconds,
        metavar="S",
        help="stop when nothing arrives for S seconds (default: wait for ever)",
    )
    options.add_model(watch)
    options.add_train(watch)
    add = watch.add_argument_group("output").add_argument
    add("--out", metavar="PATH", help="write the alarm lines to PATH (default stdout)")
    add("--top", type=count, default=5, metavar="N", help="features listed per alarm (default 5)")
    add(
        "--status-every",
        type=seconds,
        default=10.0,
        metavar="S",
        help="seconds between status lines on stderr (default 10; 0: none)",
    )
    add = watch.add_argument_group("checkpoints").add_argument
    add("--checkpoint", metavar="PATH", help="save the monitor and the feed position to PATH")
    add("--every", type=count, default=1000, metavar="N", help="samples between saves (1000)")
    add("--resume", action="store_true", help="continue from --checkpoint if it exists")


def _warm(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "warm",
        help="compile streamad's kernel into numba's cache now (before a first run)",
        description=(
            "Compile streamad's kernel into numba's cache and wait for it (or for the compile\n"
            "another process is running), so that every later run loads it."
        ),
        epilog=KERNEL_NOTE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``streamad`` command."""
    from streamad import __version__

    parser = Parser(
        prog="streamad",
        description="Online anomaly detection with LSTM autoencoders.",
        epilog="streamad replay --help and streamad watch --help show each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"streamad {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _replay(commands)
    _watch(commands)
    _warm(commands)
    return parser
