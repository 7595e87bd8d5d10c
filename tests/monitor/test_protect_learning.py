"""protect="learning": an alarmed sample is kept from the weights, not from the window."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from streamad import Monitor, RollingDetector
from streamad.thresholds import SigmaThreshold
from tests.monitor.helpers import labelled_stream


def small(protect) -> Monitor:
    # a windowed threshold forgets the scores of the scaler's first few values
    threshold = functools.partial(SigmaThreshold, window=200)
    detector = RollingDetector(window_size=4, hidden_size=4)
    return Monitor(detector, threshold=threshold, protect=protect)


def window_and_weights(monitor: Monitor) -> tuple[np.ndarray, list]:
    det = monitor.detector_
    return det._window.last(1)[0].copy(), [p.detach().clone() for p in det.module_.parameters()]


@pytest.mark.parametrize("protect", [True, "learning"])
def test_an_alarmed_sample_is_not_learned_and_the_window_holds_what_the_mode_says(protect):
    monitor = small(protect)
    stream = labelled_stream(600)
    for x, _ in stream[:250]:
        monitor.process_one(x)
    alarmed = 0
    for x, _ in stream[250:]:
        _, before = window_and_weights(monitor)
        z = monitor.scaler_.transform_one(monitor.guard_.guard_one(x).x)
        alarm = monitor.process_one(x)
        row, after = window_and_weights(monitor)
        if (alarm.is_alarm or alarm.ongoing) and not monitor.accepting:  # above the threshold
            alarmed += 1
            assert all((a == b).all() for a, b in zip(after, before, strict=True))  # not learned
            own = np.float32([z[name] for name in monitor.detector_.features])
            assert np.array_equal(row, own) == (protect == "learning")
    assert alarmed >= 3 and monitor.n_protected >= alarmed


def test_block_mode_keeps_skipped_rows_as_themselves():
    xs = [x for x, _ in labelled_stream(40)]
    det = RollingDetector(window_size=4, hidden_size=4)
    for x in xs[:20]:
        det.learn_one(x)
    det.learn_many(xs[20:28], skip=[False, True] * 4, stand_in=False)
    rows = np.float32([[x[name] for name in det.features] for x in xs[24:28]])
    np.testing.assert_array_equal(det._window.last(4), rows)
    assert det.n_protected == 4 and det.n_learned == 24


def test_protect_takes_only_its_three_values():
    for bad in ("yes", 1, 0, None):
        with pytest.raises(ValueError, match="protect"):
            Monitor(protect=bad)
