"""streamad.aio: a reader that starts late gets every result; nothing hangs."""

from __future__ import annotations

import asyncio

import pytest

from streamad import RollingDetector
from streamad.aio import StreamDetector, detect

WAIT = 60.0  # seconds before a stuck test fails rather than hangs (never reached when it works)


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


def samples(n: int) -> list[dict]:
    return [{"a": float((i * 7) % 11) / 10, "b": float(i % 13)} for i in range(n)]


async def until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.001)


LATE = ["while_the_producer_waits", "after_0.2_s", "after_the_input_ended"]


@pytest.mark.parametrize("trial", range(20))
@pytest.mark.parametrize("late", LATE)
def test_a_reader_that_starts_late_gets_every_result(late, trial):
    max_pending = 1 + trial % 8
    n = max_pending if late == "after_the_input_ended" else 60 + trial
    xs = samples(n)

    async def main():
        stream = StreamDetector(small(), max_pending=max_pending)

        async def produce():
            for x in xs:
                await stream.submit(x)
            stream.end_input()

        async def read():
            if late == "while_the_producer_waits":
                await until(lambda: stream.n_processed == max_pending)  # and the producer waits
            elif late == "after_0.2_s":
                await asyncio.sleep(0.2)
            else:
                await until(lambda: stream.n_processed == n)  # the input ended, nothing read
            return [r async for r in stream.results()]

        producer = asyncio.create_task(produce())
        reader = asyncio.create_task(read())
        _, read_back = await asyncio.wait_for(asyncio.gather(producer, reader), WAIT)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        return read_back

    results = asyncio.run(main())
    assert [r.x for r in results] == xs and [r.index for r in results] == list(range(n))


def test_a_consumer_that_starts_iterating_late_gets_every_result():
    xs = samples(50)

    async def collect(results):
        return [r.x async for r in results]

    async def main():
        results = detect(xs, small())
        await asyncio.sleep(0.2)
        return await asyncio.wait_for(collect(results), WAIT)

    assert asyncio.run(main()) == xs
