"""A griffe extension for the API reference: Sphinx roles in docstrings as Markdown code.

streamad's numpydoc docstrings name objects with Sphinx roles (``:class:`~streamad.Monitor```),
which Markdown would show as the literal text ``:class:`` followed by the target. This rewrites
each role as a code span of the name it shows: the last part of a ``~`` target, else the whole
target (``Title <target>`` shows ``Title``). Loaded by mkdocstrings (``mkdocs.yml``); not part of
the package.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|obj|exc|const):`([^`]+)`")


def shown(target: str) -> str:
    """The text a Sphinx role shows for ``target``.

    Examples
    --------
    >>> shown("~streamad.calibrate.Percentile"), shown("streamad.Monitor")
    ('Percentile', 'streamad.Monitor')
    >>> shown("the monitor <streamad.Monitor>")
    'the monitor'
    """
    titled = re.fullmatch(r"(.+?)\s*<[^>]+>", target)
    if titled:
        return titled.group(1)
    if target.startswith("~"):
        return target[1:].rpartition(".")[2]
    return target


def markdown(text: str) -> str:
    """``text`` with every Sphinx role replaced by a Markdown code span.

    Examples
    --------
    >>> markdown("a :class:`~streamad.Guard` before :func:`percentile_rank`")
    'a `Guard` before `percentile_rank`'
    """
    return _ROLE.sub(lambda match: f"`{shown(match.group(1))}`", text)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of each docstring as it is loaded."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and ":" in docstring.value:
            docstring.value = markdown(docstring.value)
