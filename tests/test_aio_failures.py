"""streamad.aio: a failing sample yields an error result, the stream and the model go on intact."""

from __future__ import annotations

import asyncio
import functools
import json
import math

import pytest
import torch

from streamad import RollingDetector
from streamad.aio import Result, StreamDetector, detect
from streamad.thresholds import SigmaThreshold


def small() -> RollingDetector:
    return RollingDetector(window_size=4, hidden_size=3)


def samples(n: int) -> list[dict]:
    return [{"a": float((i * 7) % 11) / 10, "b": 9.0 if i % 40 == 39 else 1.0} for i in range(n)]


def run(source, model, **kwargs) -> list[Result]:
    async def main():
        return [r async for r in detect(source, model, **kwargs)]

    return asyncio.run(main())


def sequential(model, xs: list[dict]) -> list[float]:
    scores = []
    for x in xs:
        scores.append(model.score_one(x))
        model.learn_one(x)
    return scores


BAD = [{"a": "oops", "b": 1.0}, {"a": 1.0, "b": [2.0]}, {}]


@pytest.mark.parametrize("bad", BAD, ids=["string", "list", "empty"])
def test_a_bad_sample_leaves_the_model_as_if_it_was_never_seen(bad):
    xs = samples(30)
    model = small()
    results = run(xs[:10] + [bad] + xs[10:], model)
    assert [r.index for r in results] == list(range(31))
    failed = results[10]
    assert failed.x == bad and failed.error is not None
    assert math.isnan(failed.score) and failed.is_alarm is False and failed.attribution == {}
    good = [r for r in results if r.error is None]
    reference = small()
    assert [r.score for r in good] == sequential(reference, xs)
    assert model.n_learned == reference.n_learned == 30
    for name, tensor in reference.module_.state_dict().items():
        assert torch.equal(tensor, model.module_.state_dict()[name]), name


def test_the_threshold_filter_is_untouched_by_a_bad_sample():
    sigma = functools.partial(SigmaThreshold, k=3.0, warmup=20)
    xs = samples(80)
    with_bad = run(xs[:50] + [{"a": "x", "b": 1.0}] + xs[50:], small(), threshold=sigma)
    clean = run(xs, small(), threshold=sigma)
    kept = [r for r in with_bad if r.error is None]
    assert [(r.score, r.alarm.threshold, r.is_alarm) for r in kept] == [
        (r.score, r.alarm.threshold, r.is_alarm) for r in clean
    ]


def test_an_error_result_is_plain_json():
    results = run([{"a": 1.0}, {"a": "oops"}], small())
    data = results[1].to_dict()
    assert data["score"] is None and data["is_alarm"] is False and data["threshold"] is None
    assert data["error"].startswith("TypeError: ") and "'oops'" in data["error"]
    assert results[0].to_dict()["error"] is None
    json.dumps(data, allow_nan=False)


def test_the_stream_detector_counts_failures_and_goes_on():
    async def main():
        stream = StreamDetector(small(), max_pending=10)
        for x in [{"a": 1.0}, {"a": None}, {"a": "bad"}, {"a": 2.0}]:
            await stream.submit(x)
        with pytest.raises(TypeError, match="must be a dict"):
            await stream.submit([("a", 1.0)])  # type: ignore[arg-type]
        await stream.close()
        return stream, [r async for r in stream.results()]

    stream, results = asyncio.run(main())
    assert [r.error is None for r in results] == [True, True, False, True]  # None is imputed
    assert (stream.n_accepted, stream.n_processed, stream.n_failed) == (4, 4, 1)
    assert stream.model.n_learned == 3


class Duck:
    """Not a River estimator: score_one, learn_one, classify, threshold and feature_errors."""

    threshold = 2.0

    def __init__(self) -> None:
        self.n_learned = 0
        self.feature_errors: dict[str, float] = {}

    def score_one(self, x: dict) -> float:
        self.feature_errors = {k: abs(v) for k, v in x.items()}
        return float(sum(abs(v) for v in x.values()))

    def classify(self, score: float) -> bool:
        return score > self.threshold

    def learn_one(self, x: dict) -> None:
        self.n_learned += 1


def test_any_duck_typed_model_serves():
    model = Duck()
    results = run([{"a": 1.0, "b": 0.0}, {"a": 1.0, "b": 3.0}], model)
    assert [r.is_alarm for r in results] == [False, True]
    assert results[1].alarm.threshold == 2.0 and results[1].alarm.features == ("b", "a")
    assert model.n_learned == 2


def test_a_model_with_only_score_one_and_learn_one_serves():
    class Bare:
        def score_one(self, x):
            return 1.0

        def learn_one(self, x):
            pass

    results = run([{"a": 1.0}], Bare())
    assert (results[0].score, results[0].is_alarm, results[0].alarm.threshold) == (1.0, False, None)


def test_without_a_model_the_default_detector_is_used():
    results = run(samples(3), None)
    assert [r.error for r in results] == [None] * 3
