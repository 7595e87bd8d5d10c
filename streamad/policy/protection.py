"""Protection and acceptance: what alarms do to learning, and when a change becomes normal."""

from __future__ import annotations

__all__ = ["Protection"]


class Protection:
    """Counts runs of alarms; says whether an alarmed sample is learned and when a run of
    alarms is accepted as the new normal.

    After ``accept_after`` alarms in a row the run is *accepted*: the change it marks is taken
    as the new normal (the monitor says so with an ``"accepted"`` event, and its threshold
    forgets the run's scores, so that later anomalies are judged against the new normal, not
    the change). With ``protect`` an alarmed sample is kept from the detector until then: the
    model does not learn an anomaly, and the acceptance ends a lockout. Without it (the
    default) every trusted sample is learned.

    Parameters
    ----------
    protect
        True: an alarmed sample is kept from the detector, its weights and its window (the
        window takes its reconstruction); ``"learning"``: from its weights only; False: learned.
    accept_after
        Alarms in a row after which the run is accepted (None: never).

    Examples
    --------
    >>> from streamad.policy import Protection
    >>> protection = Protection(protect=True, accept_after=3)
    >>> [protection.decide(True) for _ in range(4)]
    [False, False, True, True]
    >>> protection.n_accepted, protection.decide(False), protection.accepting
    (1, True, False)
    """

    def __init__(self, protect: bool | str = False, accept_after: int | None = 50) -> None:
        if not (isinstance(protect, bool) or protect == "learning"):
            raise ValueError(f"protect must be True, False or 'learning', not {protect!r}")
        if accept_after is not None and (
            isinstance(accept_after, bool) or not isinstance(accept_after, int) or accept_after < 1
        ):
            raise ValueError(f"accept_after must be None or an int >= 1, not {accept_after!r}")
        self.protect = protect
        self.accept_after = accept_after
        self.run_length = 0
        self.accepting = False
        self.n_accepted = 0
        self.just_accepted = False

    def decide(self, alarm: bool) -> bool:
        """Whether the detector learns this sample; counts alarms and runs of them."""
        self.just_accepted = False
        if not alarm:
            self.run_length, self.accepting = 0, False
            return True
        self.run_length += 1
        if self.accept_after is not None and self.run_length == self.accept_after:
            self.accepting = self.just_accepted = True
            self.n_accepted += 1
        return not self.protect or self.accepting
