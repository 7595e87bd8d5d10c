"""Trust: whether a sample's values are fit for the detector to learn."""

from __future__ import annotations

from typing import Any

__all__ = ["Trust"]


class Trust:
    """A sample is learned unless a value of it was imputed (an imputed mean is no
    measurement) or clipped (a value so far out that learning it could wreck the model: 100
    standard deviations by default). Imputations that last
    ``accept_after`` samples in a row (a feature gone for good) are learned: the detector
    must not freeze; a feature clipped again and again is started afresh by the guard.

    Parameters
    ----------
    accept_after
        Samples with imputed values in a row after which they are learned.

    Examples
    --------
    >>> from streamad.policy import Trust
    >>> trust = Trust(accept_after=3)
    >>> [trust.judge(("a",)) for _ in range(4)], trust.judge(()), trust.judge((), ("b",))
    ([False, False, True, True], True, False)
    """

    def __init__(self, accept_after: int = 50) -> None:
        if isinstance(accept_after, bool) or not isinstance(accept_after, int) or accept_after < 1:
            raise ValueError(f"accept_after must be an int >= 1, not {accept_after!r}")
        self.accept_after = accept_after
        self.imputed_run = 0

    def judge(self, imputed: Any, clipped: Any = ()) -> bool:
        """Whether a sample with these imputed and clipped features may be learned; counts
        the run of imputed ones."""
        self.imputed_run = self.imputed_run + 1 if imputed else 0
        if clipped:
            return False
        return not imputed or self.imputed_run >= self.accept_after
