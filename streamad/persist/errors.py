"""The one error a checkpoint that cannot be loaded raises."""

from __future__ import annotations

__all__ = ["CheckpointError"]


class CheckpointError(ValueError):
    """A checkpoint cannot be loaded; the message names the file and the problem.

    Raised for a missing, empty, truncated or corrupt file, a file that is not a streamad
    checkpoint, a checkpoint of another kind or of an unsupported format version (the older
    ``torch.save`` format, version 1, included), a signature that does not match the key (or a
    key missing on either side), a state whose sizes are beyond limits or disagree with each
    other, and for a class or function named in a checkpoint that streamad does not know
    (nothing named in a file is ever imported: see :func:`streamad.persist.register`).

    Examples
    --------
    >>> from streamad.persist import CheckpointError
    >>> issubclass(CheckpointError, ValueError)
    True
    """
