"""``main``: parse the command line, run the command, turn every failure into one line."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from streamad.cli.errors import CliError, one_line
from streamad.cli.parser import build_parser

__all__ = ["main"]


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    _quick_exit()
    if args.command == "watch":
        from streamad.cli.watch import watch

        return watch(args)
    if args.command == "warm":
        from streamad.cli.warm import warm

        return warm(args)
    from streamad.cli.replay import replay

    return replay(args)


def _quick_exit() -> None:
    """At exit, keep the objects left (torch's, scipy's, pandas'...) out of the interpreter's
    last garbage collections (``gc.freeze``): walking them took seconds after a run had done its
    work, on busy cores. Exit handlers and finalizers still run; the memory goes back with the
    process."""
    atexit.unregister(gc.freeze)  # (once, however often main runs in a process)
    atexit.register(gc.freeze)


def _warn(message: Any, category: Any, filename: str, lineno: int, *args: Any, **kw: Any) -> None:
    """A warning as one line, ``streamad: warning: ...``."""
    sys.stderr.write(f"streamad: warning: {one_line(message)}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``streamad`` console script; returns the exit status.

    0: done; 2: an error, told in one line ``streamad: error: ...`` on stderr (never a
    traceback; set ``STREAMAD_DEBUG=1`` to see one for an unexpected error); 130: interrupted
    (``replay`` still writes its partial report).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from streamad.cli import main
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sine.json"
    >>> main(["replay", "--limit", "400", "--quiet", "--json", str(path)])
    0
    >>> json.loads(path.read_text())["n_samples"]
    400
    """
    show, warnings.showwarning = warnings.showwarning, _warn
    try:
        return _run(argv)
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except CliError as error:
        sys.stderr.write(f"streamad: error: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("streamad: interrupted\n")
        return 130
    except Exception as error:  # unreadable or unsuitable data, or a bug: one line all the same
        if os.environ.get("STREAMAD_DEBUG"):
            raise
        sys.stderr.write(f"streamad: error: {one_line(error)}\n")
        return 2
    finally:
        warnings.showwarning = show
