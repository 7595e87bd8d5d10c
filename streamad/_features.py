"""Feature names: which of them are context (read by the model, never scored or blamed)."""

from __future__ import annotations

import fnmatch
from typing import Any

__all__ = ["is_context"]


def is_context(name: str, context: Any) -> bool:
    """Whether the feature ``name`` is context: named in ``context``, or matched by one of its
    shell-style patterns (``"cmd_*"``).

    Examples
    --------
    >>> from streamad._features import is_context
    >>> is_context("cmd_12", ["cmd_*"]), is_context("value", ["cmd_*", "mode"])
    (True, False)
    """
    return any(name == c or fnmatch.fnmatchcase(name, c) for c in context or ())
