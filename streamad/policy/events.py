"""Events: what the monitor did that a user should know of."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Event"]


@dataclass(frozen=True)
class Event:
    """Something the monitor did that a user should know of.

    ``kind`` is ``"accepted"`` (a run of ``accept_after`` alarms: the monitor takes the change
    as the new normal, and its threshold forgets the run), ``"feature_reset"`` (the guard
    clipped a feature too long and starts its statistics, and the scaler's, again from its new
    level), ``"feature_varies"`` (a long-constant feature that changed goes on changing: taken
    as normal), ``"feature_added"`` (a feature first seen mid-stream: the detector is rebuilt
    on every feature), ``"feature_back"`` (a feature missing for ``accept_after`` samples is
    back: it is eased in) or ``"trained"`` (a warm start on a normal history). ``index`` is the
    sample's position in the stream (from 0).

    Examples
    --------
    >>> from streamad.policy import Event
    >>> Event(120, "accepted", "50 alarms in a row: learning them as the new normal")
    Event(index=120, kind='accepted', message='50 alarms in a row: learning them as the new normal')
    """

    index: int
    kind: str
    message: str
