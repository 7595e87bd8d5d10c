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
    xs = [x for x, _ in labelled_stream(64)]
    monitor.process_one(xs[0])  # builds the module: scoring alone changes nothing after that
    before = monitor.get_state()
    scores = monitor.score_many(xs[1:33])
    assert same_state(before, monitor.get_state())
    assert len(set(scores[8:])) == 24
    monitor.learn_many(xs[1:33])
    assert monitor.n_seen == 33 and monitor.detector_.n_learned + monitor.n_untrusted == 33


def test_blocks_and_single_samples_see_the_same_inputs_during_warm_up():
    xs = [x for x, _ in labelled_stream(40)]
    one, block = small(), small()
    for x in xs:
        one.score_one(x)
        one.learn_one(x)
    block.score_many(xs)
    block.learn_many(xs)
    assert same_state(one.guard_.get_state(), block.guard_.get_state())
    assert dict(one.scaler_.means) == dict(block.scaler_.means)
