"""How the ``streamad`` command speaks on stderr: one line per error or note, never a traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

__all__ = ["CliError", "fail", "note", "one_line"]


class CliError(Exception):
    """An error to show the user as one line, ``streamad: error: ...``, with exit status 2."""


def one_line(message: object) -> str:
    """``message`` with its whitespace runs (newlines included) squeezed to single spaces.

    Examples
    --------
    >>> from streamad.cli.errors import one_line
    >>> one_line("field larger\\n   than field limit")
    'field larger than field limit'
    """
    text = str(message) or repr(message)
    return " ".join(text.split())


def fail(message: object) -> NoReturn:
    """Stop the command with ``message`` (exit status 2)."""
    raise CliError(one_line(message))


def note(message: object) -> None:
    """Tell the user something worth knowing that is not an error."""
    sys.stderr.write(f"streamad: note: {one_line(message)}\n")
    sys.stderr.flush()
