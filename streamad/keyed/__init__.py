"""KeyedDetector: one anomaly detector per key (a device, a user, a series), made on first sight."""

from __future__ import annotations

from streamad.keyed._detector import KeyedDetector

__all__ = ["KeyedDetector"]
