"""One set of defaults: the applications run a Monitor when given no model."""

from __future__ import annotations

import asyncio

from streamad import Monitor
from streamad.aio import detect
from streamad.keyed import KeyedDetector


def test_keyed_detector_makes_a_monitor_per_key():
    model = KeyedDetector(key="host")
    for i in range(40):
        model.learn_one({"host": "a" if i % 2 else "b", "load": float(i % 5)})
    assert set(model.detectors_) == {"a", "b"}
    assert all(isinstance(d, Monitor) for d in model.detectors_.values())


def test_asyncio_stream_runs_a_monitor_and_reports_calibrated_alarms():
    async def samples():
        for i in range(100):
            yield {"value": float(i % 7)}

    async def main():
        return [r async for r in detect(samples())]

    results = asyncio.run(main())
    assert len(results) == 100 and results[-1].alarm.calibrated is not None
    assert results[-1].to_dict()["calibrated"] == results[-1].alarm.calibrated
