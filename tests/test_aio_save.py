"""streamad.aio: a running stream saves its model between two samples, every checkpoint whole."""

from __future__ import annotations

import asyncio
import functools
import threading

import pytest

from streamad import Monitor, RollingDetector
from streamad.aio import Detection, Result, StreamDetector, detect

WAIT = 60.0  # seconds before a stuck test fails rather than hangs (never reached when it works)
N = 150


def monitor() -> Monitor:
    return Monitor(RollingDetector(window_size=4, hidden_size=3))


def samples(n: int) -> list[dict]:
    return [{"a": float((i * 7) % 11) / 10, "b": 9.0 if i % 40 == 39 else 1.0} for i in range(n)]


@functools.cache
def reference_counters() -> list[dict]:
    """A monitor's counters, its detector's among them, after each number of samples."""
    model, counters = monitor(), []
    for x in [*samples(N), None]:
        state = model.get_state()
        counters.append({**state["counters"], "detector": state["detector"]["counters"]})
        if x is not None:
            model.process_one(x)
    return counters


async def drive(saver: StreamDetector | Detection, xs: list[dict]) -> list[Result]:
    """Every result of ``xs`` through ``saver``."""
    if isinstance(saver, Detection):
        return [r async for r in saver]

    async def produce():
        for x in xs:
            await saver.submit(x)
        saver.end_input()

    producer = asyncio.create_task(produce())
    results = [r async for r in saver.results()]
    await producer
    return results


WAYS = ["detect_save", "detect_lock", "stream_save", "stream_lock"]


@pytest.mark.parametrize("trial", range(5))
@pytest.mark.parametrize("way", WAYS)
def test_checkpoints_of_a_running_stream_are_whole(way, trial, tmp_path):
    xs = samples(N)
    model = monitor()
    every = 1 + trial  # steps between two saves

    async def main():
        saver = detect(xs, model) if way.startswith("detect") else StreamDetector(model)
        running = asyncio.create_task(drive(saver, xs))
        paths = []
        while not running.done():
            path = tmp_path / f"{len(paths)}.ckpt"
            if way.endswith("_save"):
                await asyncio.wait_for(saver.save(path), WAIT)
            else:
                with saver.lock:
                    model.save(path)  # a plain save, between two steps
            paths.append(path)
            last = saver.n_processed  # the next save a few steps on, while one is under way
            while saver.n_processed < last + every and not running.done():
                await asyncio.sleep(0)
        return await running, paths

    results, paths = asyncio.run(main())
    assert len(results) == N and len(paths) >= 5
    counters = reference_counters()
    for path in paths:
        loaded = Monitor.load(path)
        state = loaded.get_state()
        seen = loaded.n_seen
        assert {**state["counters"], "detector": state["detector"]["counters"]} == counters[seen]
        if seen < N:  # the next sample scores as it did in the stream
            assert loaded.score_one(xs[seen]) == results[seen].score


def test_a_stopped_stream_saves_and_a_model_without_save_is_refused(tmp_path):
    from streamad.thresholds import SigmaThreshold

    async def main():
        async with StreamDetector(monitor()) as stream:
            for x in samples(20):
                await stream.submit(x)
        await stream.save(tmp_path / "stopped.ckpt")
        filtered = detect(samples(3), RollingDetector(window_size=2), threshold=SigmaThreshold)
        with pytest.raises(TypeError, match="has no save"):
            await filtered.save(tmp_path / "never.ckpt")
        return [r.index async for r in stream.results()]

    assert asyncio.run(main()) == list(range(20))
    assert Monitor.load(tmp_path / "stopped.ckpt").n_seen == 20
    assert not (tmp_path / "never.ckpt").exists()
    for thread in threading.enumerate():
        if thread.name.startswith("streamad-detector"):
            thread.join(timeout=WAIT)
            assert not thread.is_alive()


def test_save_options_reach_the_models_save(tmp_path):
    class Saving:
        def score_one(self, x):
            return 0.0

        def learn_one(self, x):
            pass

        def save(self, path, *, key=None):
            path.write_text(f"key={key}")

    async def main():
        detection = detect(samples(3), Saving())
        assert len([r async for r in detection]) == 3
        await detection.save(tmp_path / "signed", key="secret")

    asyncio.run(main())
    assert (tmp_path / "signed").read_text() == "key=secret"
