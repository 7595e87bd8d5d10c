"""The Monitor's decisions, one small room each.

- :class:`Trust`: whether a sample's values are fit for the detector to learn.
- :class:`Protection`: what alarms do to learning, and when a run of them is accepted.
- :class:`ValueRules`: alarms of their own kind for implausible, changed and frozen values.
- :class:`Schema`: features that appear, vanish and come back mid-stream.
- :class:`Event`: what the monitor did that a user should know of.
"""

from __future__ import annotations

from streamad.policy.events import Event
from streamad.policy.protection import Protection
from streamad.policy.schema import Schema
from streamad.policy.trust import Trust
from streamad.policy.values import Finding, ValueRules

__all__ = ["Event", "Finding", "Protection", "Schema", "Trust", "ValueRules"]
