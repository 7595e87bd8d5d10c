"""Prequential (test-then-train) evaluation of anomaly detectors on streams.

`prequential` is the one loop that scores each sample, updates the metrics, then learns it;
it accepts any River-compatible anomaly detector, pipeline or threshold filter, so baselines
run through the same code. It returns a `Report`: a table, a JSON file and a figure, with the
alarms raised (`AlarmRecord`: where, when, how strong, and the features to blame).
`summarise` computes the end-of-run label metrics from arrays.
"""

from __future__ import annotations

from streamad.evaluate._alarms import AlarmRecord
from streamad.evaluate.prequential import prequential
from streamad.evaluate.report import Report
from streamad.evaluate.summary import summarise

__all__ = ["AlarmRecord", "Report", "prequential", "summarise"]
