"""streamad.aio: however a consumer of detect() stops, no sample taken is lost, nothing runs on."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest

from streamad import RollingDetector
from streamad.aio import Result, detect

WAIT = 60.0  # seconds before a stuck test fails rather than hangs (never reached when it works)


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


def samples(n: int) -> list[dict]:
    return [{"a": float((i * 7) % 11) / 10, "b": float(i % 13)} for i in range(n)]


def sequential(model, xs: list[dict]) -> list[float]:
    scores = []
    for x in xs:
        scores.append(model.score_one(x))
        model.learn_one(x)
    return scores


async def taking(xs: list[dict], taken: list[dict]):
    """A source that records what it hands out."""
    for x in xs:
        taken.append(x)
        yield x


def assert_no_worker_thread_left() -> None:
    """Every streamad worker thread ends (an idle one within half a second)."""
    for thread in threading.enumerate():
        if thread.name.startswith("streamad-detector"):
            thread.join(timeout=WAIT)
            assert not thread.is_alive(), thread


async def until(condition, task: asyncio.Task) -> None:
    while not condition() and not task.done():
        await asyncio.sleep(0.001)


STOPS = ["cancel_in_body", "cancel_waiting", "break", "error_in_body", "async_with_break"]


@pytest.mark.parametrize("trial", range(20))
@pytest.mark.parametrize("stop", STOPS)
def test_however_the_consumer_stops_every_sample_taken_is_yielded_or_unread(stop, trial):
    xs = samples(400)
    model = small()
    taken: list[dict] = []
    seen: list[Result] = []
    rng = random.Random(trial)
    at = 5 + 3 * trial

    async def consume(results):
        async for result in results:
            seen.append(result)
            if stop == "cancel_in_body":
                await asyncio.sleep(rng.random() * 0.002)  # busy elsewhere when cancelled
            elif len(seen) == at and stop in ("break", "async_with_break"):
                break
            elif len(seen) == at and stop == "error_in_body":
                raise ValueError("the body failed")

    async def main():
        results = detect(taking(xs, taken), model)
        if stop == "async_with_break":
            async with results:
                await consume(results)
        else:
            task = asyncio.create_task(consume(results))
            if stop.startswith("cancel"):
                await until(lambda: len(seen) >= at, task)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await asyncio.wait_for(task, WAIT)
            elif stop == "error_in_body":
                with pytest.raises(ValueError, match="the body failed"):
                    await asyncio.wait_for(task, WAIT)
            else:
                await asyncio.wait_for(task, WAIT)
        assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing runs on
        n = model.n_learned
        await asyncio.sleep(0.02)
        assert model.n_learned == n
        return results

    results = asyncio.run(main())
    done = seen + results.unread
    assert [r.x for r in done] == taken  # each taken sample yielded, or kept unread, in order
    assert [r.index for r in done] == list(range(len(taken)))
    assert model.n_learned == len(taken) == results.n_processed < 400
    if not stop.startswith("cancel"):
        assert results.unread == []  # nothing was under way
    assert_no_worker_thread_left()


@pytest.mark.parametrize("trial", range(20))
def test_a_cancelled_detection_goes_on_without_a_gap_when_iterated_again(trial):
    xs = samples(200)
    model = small()
    seen: list[Result] = []

    async def consume(results):
        async for result in results:
            seen.append(result)

    async def main():
        results = detect(taking(xs, []), model)
        task = asyncio.create_task(consume(results))
        await until(lambda: len(seen) >= 5 + 3 * trial, task)
        task.cancel()  # while it waits for a result: a step is under way
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, WAIT)
        await asyncio.wait_for(consume(results), WAIT)

    asyncio.run(main())
    assert [r.index for r in seen] == list(range(200))
    assert [r.score for r in seen] == sequential(small(), xs)


def test_after_a_break_the_source_goes_on_at_the_next_sample():
    xs = samples(60)
    taken: list[dict] = []
    model = small()

    async def main():
        source = taking(xs, taken)
        async for result in detect(source, model):
            if result.index == 19:
                break
        assert taken == xs[:20]  # nothing read ahead
        return [r.score async for r in detect(source, model)]

    rest = asyncio.run(main())
    assert taken == xs and rest == sequential(small(), xs)[20:]


def test_a_second_task_may_not_iterate_or_close_a_detection_in_use():
    async def slow():
        yield {"a": 1.0}
        await asyncio.sleep(WAIT)

    async def main():
        results = detect(slow(), small())
        assert (await results.__anext__()).index == 0
        first = asyncio.create_task(results.__anext__())
        await asyncio.sleep(0.01)  # first waits for the source
        with pytest.raises(RuntimeError, match="another task"):
            await results.__anext__()
        with pytest.raises(RuntimeError, match="another task"):
            await results.aclose()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        await results.aclose()
        with pytest.raises(StopAsyncIteration):
            await results.__anext__()
        return results

    assert asyncio.run(main()).n_processed == 1
    assert_no_worker_thread_left()
