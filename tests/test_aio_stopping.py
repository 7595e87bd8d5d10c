"""streamad.aio: abort, cancellation and backpressure account for every sample, and never hang."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest

from streamad import RollingDetector
from streamad.aio import StreamDetector, detect

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


def samples(n: int) -> list[dict]:
    return [{"a": float((i * 7) % 11) / 10, "b": float(i)} for i in range(n)]


class Gated(RollingDetector):
    """A detector whose first learn_one waits for a gate: a step is surely in progress."""

    def __init__(self, **kwargs) -> None:
        super().__init__(window_size=4, hidden_size=3, **kwargs)
        self.gate = threading.Event()
        self.entered = threading.Event()

    def learn_one(self, x, y=None, **kwargs):
        if not self.gate.is_set():
            self.entered.set()
            self.gate.wait(timeout=20)
        super().learn_one(x)


def test_abort_delivers_the_step_in_progress_and_returns_the_rest():
    model = Gated()
    xs = samples(5)

    async def main():
        stream = StreamDetector(model, max_pending=10)
        for x in xs:
            await stream.submit(x)
        await asyncio.to_thread(model.entered.wait, 20)  # sample 0 is in its step
        threading.Timer(0.05, model.gate.set).start()
        left = await stream.abort()
        return left, [r async for r in stream.results()], stream

    left, read, stream = asyncio.run(main())
    assert [r.index for r in read] == [0] and read[0].x == xs[0]
    assert [x for x, _ in left] == xs[1:] and stream.unprocessed == left
    assert model.n_learned == 1 == stream.n_processed


@pytest.mark.parametrize("trial", range(10))
def test_abort_accounts_for_every_accepted_sample_exactly_once(trial):
    xs = samples(60)
    model = small()
    rng = random.Random(trial)

    async def main():
        stream = StreamDetector(model, max_pending=8)
        read = []

        async def reader():
            async for result in stream.results():
                read.append(result)
                await asyncio.sleep(rng.random() * 0.002)

        async def producer():
            for x in xs:
                await stream.submit(x)

        tasks = [asyncio.create_task(reader()), asyncio.create_task(producer())]
        await asyncio.sleep(0.005 + 0.003 * trial)
        left = await stream.abort()
        await tasks[0]
        with pytest.raises(RuntimeError, match="closed"):
            await tasks[1]  # its waiting submit was refused: that sample was never accepted
        return read, left, stream

    read, left, stream = asyncio.run(main())
    assert [r.index for r in read] == list(range(len(read)))
    assert [r.x for r in read] + [x for x, _ in left] == xs[: stream.n_accepted]
    assert model.n_learned == len(read) == stream.n_processed


async def taking(xs: list[dict], taken: list, sync: bool):
    """A source that records what it hands out."""
    if sync:

        def plain():
            for x in xs:
                taken.append(x)
                yield x

        return plain()

    async def source():
        for x in xs:
            taken.append(x)
            yield x

    return source()


@pytest.mark.parametrize("trial", range(10))
def test_cancelling_detect_drops_nothing_taken_from_the_source(trial):
    xs = samples(400)
    model = small()
    taken: list[dict] = []
    seen = []

    async def main():
        results = detect(await taking(xs, taken, sync=trial % 2 == 1), model)

        async def consume():
            async for result in results:
                seen.append(result)

        task = asyncio.create_task(consume())
        while len(seen) < 10 + 5 * trial and not task.done():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        n = model.n_learned
        await asyncio.sleep(0.02)
        assert model.n_learned == n  # nothing runs after the cancellation
        return results

    results = asyncio.run(main())
    done = seen + results.unread
    assert [r.index for r in done] == list(range(len(done)))
    assert [r.x for r in done] == taken  # each taken sample yielded, or kept unread
    assert model.n_learned == len(done) == results.n_processed and len(taken) < 400


def test_cancelling_a_consumer_busy_between_results_inside_async_with():
    xs = samples(300)
    model = small()
    taken: list[dict] = []
    seen = []
    holder = {}

    async def main():
        async def consume():
            async with detect(await taking(xs, taken, False), model) as results:
                holder["results"] = results
                async for result in results:
                    seen.append(result)
                    await asyncio.sleep(0.001)  # busy elsewhere when cancelled

        task = asyncio.create_task(consume())
        while len(seen) < 20 and not task.done():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    results = holder["results"]
    done = seen + results.unread
    assert [r.x for r in done] == taken
    assert model.n_learned == len(done)


def test_break_then_leaving_async_with_reads_nothing_ahead():
    xs = samples(100)
    taken: list[dict] = []

    async def main():
        async with detect(await taking(xs, taken, False), small()) as results:
            async for result in results:
                if result.index == 10:
                    break
        return results

    results = asyncio.run(main())
    assert taken == xs[:11] and results.unread == [] and results.n_processed == 11


def test_a_submit_waiting_for_a_reader_is_refused_when_the_stream_stops():
    async def main():
        stream = StreamDetector(small(), max_pending=3)
        for x in samples(3):
            await stream.submit(x)
        waiting = asyncio.create_task(stream.submit({"a": 1.0, "b": 1.0}))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiting.done()  # no reader yet: it waits, as asyncio.Queue.put does
        await stream.close()
        with pytest.raises(RuntimeError, match="closed before the sample could be accepted"):
            await waiting
        assert stream.n_accepted == 3  # the refused sample was not accepted
        return [r.index async for r in stream.results()]

    assert asyncio.run(main()) == [0, 1, 2]


def test_a_reader_task_created_before_submitting_is_enough():
    xs = samples(50)

    async def main():
        stream = StreamDetector(small(), max_pending=2)

        async def collect():
            return [r.x async for r in stream.results()]

        reader = asyncio.create_task(collect())  # not started yet when the third submit waits
        for x in xs:
            await stream.submit(x)
        await stream.close()
        return await reader

    assert asyncio.run(main()) == xs


def test_a_cancelled_abort_still_completes_and_keeps_the_rest():
    model = Gated()
    xs = samples(4)

    async def main():
        stream = StreamDetector(model, max_pending=10)
        for x in xs:
            await stream.submit(x)
        await asyncio.to_thread(model.entered.wait, 20)
        aborting = asyncio.create_task(stream.abort())
        await asyncio.sleep(0.01)
        aborting.cancel()  # while the step of sample 0 is still in its thread
        threading.Timer(0.05, model.gate.set).start()
        with pytest.raises(asyncio.CancelledError):
            await aborting
        return stream, [r async for r in stream.results()]

    stream, read = asyncio.run(main())
    assert [r.index for r in read] == [0] and model.n_learned == 1
    assert [x for x, _ in stream.unprocessed] == xs[1:]


def test_a_detection_dropped_after_break_stops_its_worker():
    model = small()

    async def main():
        results = detect(samples(200), model)
        async for result in results:
            if result.index == 5:
                break
        del results  # dropped unclosed, as an async generator would be
        assert asyncio.all_tasks() == {asyncio.current_task()}
        for thread in threading.enumerate():
            if thread.name.startswith("streamad-detector"):
                thread.join(timeout=20)
                assert not thread.is_alive()
        await asyncio.sleep(0.02)

    asyncio.run(main())
    assert model.n_learned == 6
