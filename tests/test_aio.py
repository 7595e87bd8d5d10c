"""streamad.aio: off-loop steps, order, backpressure, draining, cancellation, a TCP server."""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import time

import pytest
import torch
from river import anomaly

from streamad import RollingDetector
from streamad.aio import Result, StreamDetector, detect

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


def samples(n: int) -> list[dict]:
    return [{"a": float((i * 7) % 11) / 10, "b": 9.0 if i % 40 == 39 else 1.0} for i in range(n)]


def sequential(model, xs: list[dict]) -> list[float]:
    scores = []
    for x in xs:
        scores.append(model.score_one(x))
        model.learn_one(x)
    return scores


class Watched(anomaly.base.AnomalyDetector):
    """A detector that records where and how often it runs, and can wait on a gate."""

    def __init__(self, detector, gate: threading.Event | None = None, delay: float = 0.0) -> None:
        self.detector = detector
        self.gate = gate
        self.delay = delay  # seconds each score takes at least (a heavy model's step)
        self.n_scored = self.n_learned = 0
        self.threads: set[int] = set()
        self.busy = False
        self.released: bool | None = None

    def score_one(self, x):
        self.busy = True
        self.threads.add(threading.get_ident())
        self.n_scored += 1
        score = self.detector.score_one(x)
        if self.delay:
            time.sleep(self.delay)
        self.busy = False
        return score

    @property
    def feature_errors(self):
        return self.detector.feature_errors

    def learn_one(self, x):
        self.busy = True
        if self.gate is not None and self.released is None:
            self.released = self.gate.wait(timeout=20)
        self.n_learned += 1
        self.detector.learn_one(x)
        self.busy = False


async def aiter(xs):
    for x in xs:
        yield x


def test_detect_matches_a_sequential_run_and_runs_off_the_loop():
    xs = samples(120)
    model = Watched(small())

    async def main():
        return [r async for r in detect(aiter(xs), model)]

    results = asyncio.run(main())
    assert [r.index for r in results] == list(range(120))
    assert [r.score for r in results] == sequential(small(), xs)
    assert threading.main_thread().ident not in model.threads
    assert (model.n_scored, model.n_learned) == (120, 120)


def test_results_carry_the_alarm_and_the_attribution():
    thresholds = pytest.importorskip("streamad.thresholds")
    sigma = functools.partial(thresholds.SigmaThreshold, k=3.0, warmup=20)

    async def main():
        return [r async for r in detect(samples(80), small(), threshold=sigma)]

    results = asyncio.run(main())
    alarms = [r for r in results if r.is_alarm]
    assert [r.index for r in alarms] == [39, 79]
    assert all(r.alarm.features[0] == "b" for r in alarms)
    assert all(r.alarm.threshold is not None and r.score > r.alarm.threshold for r in alarms)
    assert abs(sum(results[10].attribution.values()) - 1.0) < 1e-9


def test_close_drains_every_accepted_sample_exactly_once():
    model = Watched(small())

    async def main():
        stream = StreamDetector(model, max_pending=100)
        for i, x in enumerate(samples(50)):
            await stream.submit(x, y=i % 2)
        await stream.close()
        with pytest.raises(RuntimeError, match="closed"):
            await stream.submit({"a": 1.0, "b": 1.0})
        return [r async for r in stream.results()]

    results = asyncio.run(main())
    assert [r.index for r in results] == list(range(50))
    assert [r.y for r in results] == [i % 2 for i in range(50)]
    assert (model.n_scored, model.n_learned) == (50, 50)


def test_submit_waits_while_max_pending_results_are_unread():
    gate = threading.Event()
    model = Watched(small(), gate)

    async def main():
        stream = StreamDetector(model, max_pending=3)
        reader = stream.results()
        first = asyncio.create_task(reader.__anext__())  # a reader is open, nothing is read yet
        accepted = 0
        for x in samples(10):
            try:
                await asyncio.wait_for(stream.submit(x), timeout=0.3)
            except TimeoutError:
                break
            accepted += 1
        gate.set()
        left = await stream.abort()
        read = [await first] + [r async for r in reader]
        return accepted, left, read

    accepted, left, read = asyncio.run(main())
    assert accepted == 3
    assert [r.index for r in read] == list(range(len(read)))
    assert model.n_learned == len(read) and len(read) + len(left) == 3  # nothing lost


def test_the_loop_keeps_ticking_while_the_detector_works():
    gate = threading.Event()
    model = Watched(small(), gate)

    async def main():
        async def heartbeat():
            for _ in range(20):  # the first learn_one waits in its thread until 20 ticks
                await asyncio.sleep(0.001)
            gate.set()

        beat = asyncio.create_task(heartbeat())
        results = [r async for r in detect(samples(5), model)]
        await beat
        return results

    assert len(asyncio.run(main())) == 5
    assert model.released is True  # released by the heartbeat, not by the 20 s timeout


def test_cancelling_mid_stream_leaves_the_detector_consistent():
    xs = samples(400)
    model = small()
    seen: list[Result] = []

    async def main():
        async def consume():
            async for result in detect(aiter(xs), model):
                seen.append(result)

        task = asyncio.create_task(consume())
        while len(seen) < 30 and not task.done():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        n = model.n_learned
        await asyncio.sleep(0.05)
        assert model.n_learned == n  # nothing runs after the cancellation
        return n

    n = asyncio.run(main())
    assert len(seen) <= n <= len(seen) + 1 < 400  # nothing read ahead
    reference = small()
    assert [r.score for r in seen] == sequential(reference, xs[:n])[: len(seen)]
    for name, tensor in reference.module_.state_dict().items():
        assert torch.equal(tensor, model.module_.state_dict()[name]), name
    assert model.score_one(xs[n]) == reference.score_one(xs[n])


def test_a_failing_sample_yields_an_error_result_and_the_stream_goes_on():
    async def main():
        return [r async for r in detect([{"a": 1.0}, {"a": "oops"}, {"a": 2.0}], small())]

    results = asyncio.run(main())
    assert [r.index for r in results] == [0, 1, 2]
    assert [r.error is None for r in results] == [True, False, True]
    assert isinstance(results[1].error, TypeError)
    with pytest.raises(TypeError, match="dict x or a pair"):
        asyncio.run(detect([3.0], small()).__anext__())


def test_a_tcp_server_scores_json_lines_while_the_loop_stays_responsive():
    xs = samples(200)
    model = Watched(small(), delay=0.002)  # a step long enough for the loop to tick during it

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def lines():
            async for line in reader:
                yield json.loads(line)

        async for result in detect(lines(), model):
            writer.write((json.dumps(result.to_dict()) + "\n").encode())
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        ticks = {"all": 0, "while_busy": 0}

        async def heartbeat():
            while True:
                await asyncio.sleep(0.0005)
                ticks["all"] += 1
                ticks["while_busy"] += model.busy

        beat = asyncio.create_task(heartbeat())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)

        async def send():
            for x in xs:
                writer.write((json.dumps(x) + "\n").encode())
                await writer.drain()
            writer.write_eof()

        sender = asyncio.create_task(send())
        received = [json.loads(line) async for line in reader]
        await sender
        writer.close()
        beat.cancel()
        server.close()
        await server.wait_closed()
        return received, ticks

    received, ticks = asyncio.run(main())
    assert [r["index"] for r in received] == list(range(200))
    assert [r["score"] for r in received] == sequential(small(), xs)
    assert all(set(r["attribution"]) == {"a", "b"} for r in received)
    assert ticks["while_busy"] > 0  # the loop ran while a model step was under way


def test_a_monitor_scored_without_learning_reports_its_threshold_and_calibration():
    from streamad import Monitor
    from streamad.aio._result import step

    monitor = Monitor(RollingDetector(window_size=4, hidden_size=4))
    xs = samples(120)
    for x in xs[:100]:
        monitor.process_one(x)
    state = monitor.get_state()
    alarm = step(monitor, xs[100], learn=False)
    assert alarm.threshold == monitor.threshold_value is not None
    assert alarm.calibrated is not None and alarm.attribution
    assert monitor.n_seen == 100  # nothing learned
    assert monitor.get_state()["counters"] == state["counters"]
