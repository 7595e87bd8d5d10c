"""Block mode: score a block with frozen weights, learn it in one step."""

from __future__ import annotations

from streamad import Monitor, RollingDetector
from tests.monitor.helpers import labelled_stream, same_state


def small() -> Monitor:
    return Monitor(RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0))


def test_a_fresh_chain_scores_its_first_block_on_real_inputs_and_changes_nothing():
    """Reported: the first blocks were scaled by a scaler that had learned nothing (all zeros),
    so every sample of them got the same score."""
    monitor = small()
    xs = [x for x, _ in labelled_stream(80)]
    first = monitor.guard_.warmup + 1
    for x in xs[:first]:  # the warm-up, then a sample that builds the module
        monitor.process_one(x)
    before = monitor.get_state()
    scores = monitor.score_many(xs[first : first + 32])
    assert same_state(before, monitor.get_state())
    assert len(set(scores[8:])) == 24
    monitor.learn_many(xs[first : first + 32])
    assert monitor.n_seen == first + 32
    assert monitor.detector_.n_learned + monitor.n_untrusted == 33


def test_blocks_and_single_samples_see_the_same_inputs_during_warm_up():
    xs = [x for x, _ in labelled_stream(40)]
    one, block = small(), small()
    for x in xs:
        one.score_one(x)
        one.learn_one(x)
    scores = block.score_many(xs)
    block.learn_many(xs)
    warm = block.guard_.warmup
    assert scores[:warm] == [0.0] * warm and min(scores[warm:]) > 0  # as one by one
    assert block.n_inputs == one.n_inputs == 40 and not block.warming_up
    assert same_state(one.guard_.get_state(), block.guard_.get_state())
    assert dict(one.scaler_.means) == dict(block.scaler_.means)
