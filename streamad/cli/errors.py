"""How the ``streamad`` command speaks on stderr: one line per error or note, never a traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

from streamad._quote import escape

__all__ = ["CliError", "fail", "note", "one_line"]


class CliError(Exception):
    """An error to show the user as one line, ``streamad: error: ...``, with exit status 2."""


def one_line(message: object, limit: int = 1000) -> str:
    """``message`` as one short line: whitespace runs (newlines included) squeezed to single
    spaces, what a terminal should not be sent escaped, and cut in its middle (`` ... ``) when
    longer than ``limit`` characters, so that its start and its end (often the advice) stay.

    User data inside a message is quoted and cut where the message is made
    (:func:`streamad._quote.quote`); this is the last guard, for any message.

    Examples
    --------
    >>> from streamad.cli.errors import one_line
    >>> one_line("field larger\\n   than field limit")
    'field larger than field limit'
    >>> print(one_line("bad \\x1b[2J bytes"))
    bad \\x1b[2J bytes
    >>> print(one_line("no column 'cpu' in " + "x" * 500 + ": pass --columns", limit=60))
    no column 'cpu' in xxxxxxxxxxxxxxxx ... xxxx: pass --columns
    """
    text = escape(" ".join((str(message) or repr(message)).split()))
    if len(text) <= limit:
        return text
    tail = limit // 3
    return f"{text[: limit - tail - 5].rstrip()} ... {text[-tail:].lstrip()}"


def fail(message: object) -> NoReturn:
    """Stop the command with ``message`` (exit status 2)."""
    raise CliError(one_line(message))


def note(message: object) -> None:
    """Tell the user something worth knowing that is not an error."""
    sys.stderr.write(f"streamad: note: {one_line(message)}\n")
    sys.stderr.flush()
