"""Distributed detection: Ray-free shards and routing, then Ray actors, recovery and replay.

The Ray tests start a local Ray in this process (2 CPUs, a 150 MB object store) once for the
module; the shard tests need no Ray.
"""

from __future__ import annotations

import collections
import importlib
import subprocess
import sys

import pytest

from streamad import RollingDetector
from streamad.distributed import Shard, shard_of
from streamad.keyed import KeyedDetector


def keyed(**kwargs) -> KeyedDetector:
    return KeyedDetector(RollingDetector(window_size=4, hidden_size=3), **kwargs)


def stream(n: int, n_keys: int) -> list[dict]:
    return [{"key": f"k{i % n_keys}", "v": float((i * 7) % 11) / 10} for i in range(n)]


def per_key(results) -> dict:
    """``(position, key, score)`` results as each key's scores, in stream order."""
    scores = collections.defaultdict(list)
    for _, key, score in sorted(results):
        scores[key].append(score)
    return dict(scores)


def one_process(xs: list[dict], **kwargs) -> dict:
    model = keyed(**kwargs)
    results = []
    for position, x in enumerate(xs):
        results.append((position, model.key_of(x), model.score_one(x)))
        model.learn_one(x)
    return per_key(results)


def batches(xs: list[dict], size: int):
    """Consecutive ``(after, batch)`` pairs of ``(position, x)``, as a driver sends one shard."""
    after = -1
    for start in range(0, len(xs), size):
        batch = list(enumerate(xs[start : start + size], start))
        yield after, batch
        after = batch[-1][0]


def apply(shard: Shard, after: int, batch: list) -> list:
    positions, xs = zip(*batch, strict=True)
    return shard.process(after, list(positions), list(xs)).batches


def shard_results(shard: Shard, sent) -> list:
    results = []
    for after, batch in sent:
        for scored in apply(shard, after, batch):
            xs = dict(batch)
            pairs = zip(scored.positions, scored.scores, strict=True)
            results += [(p, xs[p]["key"], s) for p, s in pairs]
    return results


# -- No Ray ---------------------------------------------------------------------------------
def test_importing_streamad_never_imports_ray():
    code = "import sys, streamad, streamad.keyed, streamad.aio, streamad.distributed\n"
    code += "assert 'ray' not in sys.modules, 'ray was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_streamad_ray_says_what_to_install_when_ray_is_absent(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if absent
    monkeypatch.delitem(sys.modules, "streamad.ray", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'streamad-lstm\[ray\]'"):
        importlib.import_module("streamad.ray")


def test_keys_go_to_shards_by_a_stable_hash():
    assert [shard_of(f"k{i}", 3) for i in range(6)] == [2, 0, 1, 0, 1, 2]
    with pytest.raises(ValueError):
        shard_of("k", 0)


def test_a_shard_applies_batches_once_and_in_order():
    shard = Shard(keyed())
    (after0, first), (after1, second) = list(batches(stream(20, 2), 10))
    assert apply(shard, after1, second) == []  # does not follow: refused, untouched
    assert shard.position == -1
    assert len(apply(shard, after0, first)) == 1
    assert apply(shard, after0, first) == []  # already applied
    assert shard.position == 9


def test_a_restarted_shard_resumes_from_its_checkpoint_exactly(tmp_path):
    xs = stream(120, 4)
    sent = list(batches(xs, 20))
    model = keyed(max_keys=2, checkpoint_dir=tmp_path / "evicted")  # keys are evicted and revived
    path = tmp_path / "shard.pt"
    shard = Shard(model, path, checkpoint_every=2)
    shard_results(shard, sent[:3])  # checkpoint after batch 2; batch 3 is lost in the crash
    restarted = Shard(model, path, checkpoint_every=2)
    assert restarted.position == sent[2][0]
    results = shard_results(restarted, sent[:2])  # re-sent: refused
    assert results == []
    results = shard_results(restarted, sent[2:])
    expected = one_process(xs, max_keys=2, checkpoint_dir=tmp_path / "reference")
    ours = per_key(shard_results(Shard(model), sent[:2]) + results)
    assert ours == expected


def test_scores_not_acknowledged_survive_a_restart(tmp_path):
    path = tmp_path / "shard.pt"
    (after, batch), *_ = batches(stream(10, 2), 10)
    scores = apply(Shard(keyed(), path, checkpoint_every=1), after, batch)[0].scores
    restarted = Shard(keyed(), path)
    assert restarted.recover(acked=-1).batches[0].scores == scores
    assert restarted.recover(acked=9).batches == []


# -- Ray ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="Ray is absent: pip install 'streamad-lstm[ray]'")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=150 * 2**20,
        log_to_driver=False,
        ignore_reinit_error=True,
    )
    yield ray
    ray.shutdown()


def test_replay_gives_the_sequential_reports(local_ray):
    from streamad.evaluate import prequential
    from streamad.ray import replay
    from streamad.synth import SineWithSpikes

    sources = [SineWithSpikes(200, [(50 + 30 * i, 8.0)], noise=0.1, seed=i) for i in range(4)]
    model = RollingDetector(window_size=5, hidden_size=4)
    parallel = replay(sources, model, rolling_window=100)
    sequential = [
        prequential(s, model.clone(), rolling_window=100, progress=False) for s in sources
    ]
    assert len(parallel) == 4
    for ours, theirs in zip(parallel, sequential, strict=True):
        assert ours.n_samples == 200
        assert without_timings(ours.to_dict()) == without_timings(theirs.to_dict())


def without_timings(report: dict) -> dict:
    return {name: value for name, value in report.items() if name != "timings"}


def test_an_actor_killed_mid_stream_recovers_to_the_exact_scores(local_ray, tmp_path):
    from streamad.ray import RayKeyedDetector

    xs = stream(600, 12)
    sharded = RayKeyedDetector(
        keyed(), n_shards=2, batch_size=40, checkpoint_dir=tmp_path, checkpoint_every=3
    )
    results = []
    try:
        for result in sharded.run(xs):
            results.append(result)
            if len(results) == 200:
                local_ray.kill(sharded.actors[0], no_restart=False)  # Ray restarts it
    finally:
        sharded.shutdown()
    assert sharded.n_recoveries >= 1
    assert sorted(p for p, _, _ in results) == list(range(600))  # each exactly once
    for key_results in per_key_positions(results).values():
        assert key_results == sorted(key_results)  # each key's results in stream order
    assert per_key(results) == one_process(xs)
    assert sorted(path.name for path in tmp_path.glob("*.pt")) == ["shard-0.pt", "shard-1.pt"]


def per_key_positions(results) -> dict:
    positions = collections.defaultdict(list)
    for position, key, _ in results:
        positions[key].append(position)
    return positions
