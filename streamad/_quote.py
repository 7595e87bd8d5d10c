"""User data inside a message: escaped, so no raw byte reaches a terminal, and cut short.

Text read from a file or a feed (a column name, a cell, a JSON field) can hold anything: control
characters, the replacement characters of undecodable bytes, a megabyte without a newline. An
error or a note shows it through :func:`quote` (or :func:`quote_list` for names), never as is.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["LIMIT", "escape", "quote", "quote_list"]

#: Longest text of user data shown in a message, in characters (escapes included).
LIMIT = 80


def _escaped(char: str) -> str:
    if char == "\ufffd":  # what an undecodable byte became: printable, but says nothing
        return "\\ufffd"
    return char if char.isprintable() else repr(char)[1:-1]


def escape(text: str) -> str:
    """``text`` with what a terminal should not be sent (control characters, line and
    paragraph separators, format characters such as bidi overrides, undecodable bytes)
    written as backslash escapes; the rest, non-ASCII letters included, unchanged.

    Examples
    --------
    >>> from streamad._quote import escape
    >>> print(escape("température\\x1b[31m\\ufffd"))
    température\\x1b[31m\\ufffd
    """
    if text.isprintable() and "\ufffd" not in text:
        return text
    return "".join(map(_escaped, text))


def quote(value: object, limit: int = LIMIT) -> str:
    """``value``'s text in quotes, escaped as in :func:`escape` (quotes and backslashes too),
    cut to about ``limit`` characters with ``...`` after the closing quote when longer.

    Examples
    --------
    >>> from streamad._quote import quote
    >>> print(quote("cpu"), quote("it's"), quote("\\x00" * 3))
    'cpu' 'it\\'s' '\\x00\\x00\\x00'
    >>> print(quote("x" * 500, limit=10))
    'xxxxxxxxxx'...
    """
    text = value if isinstance(value, str) else str(value)
    pieces, size = [], 0
    for char in text[:limit]:  # each char shows as one character or more
        piece = "\\'" if char == "'" else "\\\\" if char == "\\" else _escaped(char)
        if size + len(piece) > limit:
            break
        pieces.append(piece)
        size += len(piece)
    cut = len(pieces) < len(text)
    return "'" + "".join(pieces) + "'" + ("..." if cut else "")


def quote_list(values: Iterable[object], limit: int = LIMIT) -> str:
    """``values`` quoted (:func:`quote`) and joined by commas, as many as fit in about
    ``limit`` characters (one at least), then how many there are in all.

    Examples
    --------
    >>> from streamad._quote import quote_list
    >>> print(quote_list(["time", "cpu"]))
    'time', 'cpu'
    >>> print(quote_list([f"column {i}" for i in range(100)], limit=30))
    'column 0', 'column 1', ... (100 in all)
    """
    values = list(values)
    shown: list[str] = []
    size = 0
    for value in values:
        text = quote(value, limit // 2)
        if shown and size + len(text) + 2 > limit:
            return ", ".join(shown) + f", ... ({len(values):,} in all)"
        shown.append(text)
        size += len(text) + 2
    return ", ".join(shown)
