"""Each sample a row once: the Monitor gives the scores, alarms and state that its chain on
dicts gave (tests/monitor/reference.py: Guard.guard_one, River's StandardScaler, the value
rules' and the detector's dict methods), side by side."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from streamad import Monitor, RollingDetector
from streamad.calibrate import Likelihood
from tests.monitor.reference import DictPathMonitor

TOL = 1e-9


def small(**kwargs) -> dict:
    return {"detector": RollingDetector(window_size=4, hidden_size=4, clip_grad=1.0), **kwargs}


def sine(n: int, width: int = 3, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [
        {f"f{j}": float(np.sin(i / (5 + j)) + 0.05 * rng.normal()) for j in range(width)}
        for i in range(n)
    ]


def wide(n: int = 1300, seed: int = 1) -> list[dict]:
    """SMD-like rows: 38 features in [0, 1], a few constant ones (one jumps after 1,000
    samples), steps, spikes."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        x = {f"dim_{j}": float(np.clip(0.5 + 0.3 * np.sin(i / (7 + j)), 0, 1)) for j in range(38)}
        for j in (3, 17, 30):
            x[f"dim_{j}"] = 0.0
        x["dim_30"] = 1.0 if i > 1100 else 0.0  # long constant, then changed
        x["dim_5"] = float(rng.random() < 0.2)  # a flag
        if i % 211 == 200:
            x["dim_12"] = 1.0 + 2.0 * rng.random()  # a spike
        if 600 <= i < 700:
            x["dim_20"] += 0.4  # a step
        rows.append(x)
    return rows


def bad(n: int = 1100, seed: int = 2) -> list[dict]:
    """Missing, None, NaN, ±inf, 1e300, a huge int, numpy floats, ints, bools, clipped values,
    a level change (reset), a feature new mid-stream that goes and comes back, another new."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    for i in range(n):
        x: dict = {
            "a": float(np.sin(i / 7) + 0.05 * rng.normal()),
            "b": float(np.cos(i / 11)),
            "c": 5.0 if i < 600 else float(i % 3),
        }
        r = i % 97
        if r == 10:
            x["a"] = None
        if r == 20:
            x["b"] = math.nan
        if r == 30:
            x["a"] = math.inf
        if r == 40:
            x["b"] = 1e300
        if r == 50:
            x["a"] = 10**400
        if r == 60:
            x["b"] = 1e9  # clipped
        if r == 70:
            del x["c"]
        if r == 80:
            x["a"] = -math.inf
        if r == 85:
            x["a"] = np.float64(0.3)
        if r == 86:
            x["b"] = 3
        if r == 87:
            x["b"] = True
        if 500 <= i < 530:
            x["b"] = 500.0  # a new level: clipped, then the feature starts again
        if i >= 400:
            x["d"] = float(i % 5)  # new mid-stream
        if 700 <= i < 760:
            x.pop("d", None)  # gone, then back: eased in
        if i >= 900 and i % 2:
            x["e"] = 1.0
        if 800 <= i < 860:
            x["c"] = math.inf  # no measurement for a while: not missing, not back after
        rows.append(x)
    return rows


def rules_stream(n: int = 2400, seed: int = 3) -> list[dict]:
    """A constant that changes (then varies), a sensor that freezes, a context command."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        x = {
            "load": float(np.sin(i / 10) + 0.05 * rng.normal()),
            "errors": 1.0 if i in (1100, 1700, 2300) else 0.0,
            "cmd": 1.0 if i < 1500 else 2.0,
            "temp": float(20 + np.cos(i / 30) + 0.01 * rng.normal()),
        }
        if 1200 <= i < 1260:
            x["errors"] = float(rng.normal())
        if 1800 <= i < 1850:
            x["load"] = 0.123
        if 2000 <= i < 2010:
            x["temp"] = None
        rows.append(x)
    return rows


def same_alarm(a, b) -> None:
    assert math.isclose(a.score, b.score, rel_tol=TOL, abs_tol=TOL)
    assert (a.threshold is None) == (b.threshold is None)
    if a.threshold is not None:
        assert math.isclose(a.threshold, b.threshold, rel_tol=TOL, abs_tol=TOL)
    assert (a.kind, a.is_alarm, a.ongoing, a.reason) == (b.kind, b.is_alarm, b.ongoing, b.reason)
    assert a.features == b.features  # the attribution's order
    assert np.allclose([s for _, s in a.attribution], [s for _, s in b.attribution], atol=TOL)
    assert (a.calibrated is None) == (b.calibrated is None)
    if a.calibrated is not None:
        assert math.isclose(a.calibrated, b.calibrated, rel_tol=TOL, abs_tol=TOL)


def same_state(rows: Monitor, dicts: Monitor) -> None:
    assert rows.guard_.get_state() == dicts.guard_.get_state()
    learned = dicts.scaler_.counts
    assert rows.scaler_.counts == {k: v for k, v in learned.items() if v}
    for table in ("means", "vars"):
        ref = getattr(dicts.scaler_, table)
        assert getattr(rows.scaler_, table) == {k: ref[k] for k in rows.scaler_.counts}
    if rows.rules_ is not None:
        assert rows.rules_.get_state() == dicts.rules_.get_state()
    assert rows.schema_.get_state() == dicts.schema_.get_state()
    assert [sorted(z.items()) for z in rows.recent_] == [sorted(z.items()) for z in dicts.recent_]
    counters = ("n_seen", "n_inputs", "n_alarms", "n_learned", "n_protected", "n_untrusted")
    assert [getattr(rows, c) for c in counters] == [getattr(dicts, c) for c in counters]
    assert list(rows.events) == list(dicts.events)


def side_by_side(params: dict, xs: list[dict], step: str = "process_one") -> tuple:
    rows, dicts = Monitor(**params), DictPathMonitor(**params)
    n_alarms = 0
    for x in xs:
        if step == "process_one":
            a, b = rows.process_one(dict(x)), dicts.process_one(dict(x))
        else:  # score, explain, then learn, in three calls
            sa, sb = rows.score_one(dict(x)), dicts.score_one(dict(x))
            assert math.isclose(sa, sb, rel_tol=TOL, abs_tol=TOL)
            a, b = rows.explain(), dicts.explain()
            rows.learn_one(dict(x))
            dicts.learn_one(dict(x))
        same_alarm(a, b)
        assert (rows.last_imputed, rows.last_clipped) == (dicts.last_imputed, dicts.last_clipped)
        assert rows.last_events == dicts.last_events
        n_alarms += a.is_alarm
    same_state(rows, dicts)
    return rows, n_alarms


def test_a_clean_stream():
    monitor, _ = side_by_side({}, sine(1200))
    assert monitor.n_learned > 1000


def test_wide_rows_with_constant_features_steps_and_a_change():
    monitor, n_alarms = side_by_side({}, wide())
    kinds = {e.kind for e in monitor.events}
    assert n_alarms >= 1 and "feature_varies" not in kinds  # the change alarms (once)


@pytest.mark.parametrize("protect", [False, True, "learning"])
def test_bad_values_new_and_returning_features(protect):
    monitor, n_alarms = side_by_side(small(protect=protect), bad())
    kinds = {e.kind for e in monitor.events}
    assert {"feature_reset", "feature_added", "feature_back"} <= kinds
    assert monitor.guard_.n_clipped > 10 and monitor.n_untrusted > 50 and n_alarms > 10


def test_value_rules_and_context():
    monitor, _ = side_by_side(small(context=["cmd"]), rules_stream())
    assert "feature_varies" in {e.kind for e in monitor.events}


def test_scored_learned_and_explained_in_separate_calls():
    side_by_side(small(context=["e"]), bad(), step="apart")


def test_a_calibration_that_reads_the_sample():
    side_by_side(small(calibration=Likelihood), [{"v": x["a"]} for x in bad()])
    side_by_side(small(calibration=functools.partial(Likelihood, range_rule=False)), bad(600))


@pytest.mark.filterwarnings("ignore:feature .* was not in the first sample")
@pytest.mark.parametrize("stream", ["bad", "rules"])
def test_blocks(stream):
    xs = bad() if stream == "bad" else rules_stream(2200)
    params = small(context=["cmd"])
    rows, dicts = Monitor(**params), DictPathMonitor(**params)
    for i in range(0, len(xs), 16):
        block = [dict(x) for x in xs[i : i + 16]]
        a, b = rows.score_many(block), dicts.score_many(block)
        assert np.allclose(a, b, rtol=TOL, atol=TOL)
        rows.learn_many(block)
        dicts.learn_many(block)
    same_state(rows, dicts)


def test_warm_start_then_live():
    params = small()
    rows, dicts = Monitor(**params), DictPathMonitor(**params)
    rows.warm_start(bad(500, seed=5), epochs=2)
    dicts.warm_start(bad(500, seed=5), epochs=2)
    for x in bad(500, seed=6):
        same_alarm(rows.process_one(dict(x)), dicts.process_one(dict(x)))
    same_state(rows, dicts)


def test_a_checkpoint_of_rivers_dicts_loads_and_goes_on_as_before():
    """Checkpoints keep the scaler as River's dicts (counts, means, vars; River's means and
    vars hold a 0 for every feature it has transformed): a state written by the chain on dicts
    loads into the Monitor on rows, which goes on as the chain on dicts does."""
    params, xs = small(), bad()
    dicts = DictPathMonitor(**params)
    for x in xs[:402]:  # "d", new at 400, transformed but not learned yet
        dicts.process_one(dict(x))
    state = dicts.get_state()
    assert set(state["scaler"]["vars"]) - set(state["scaler"]["counts"])  # River's zeros
    rows = Monitor.from_state(state)
    assert rows.scaler_.counts == dict(dicts.scaler_.counts)
    for x in xs[402:]:
        same_alarm(rows.process_one(dict(x)), dicts.process_one(dict(x)))
    same_state(rows, dicts)
    again = Monitor.from_state(rows.get_state())  # and its own checkpoint, River's dicts
    assert again.get_state()["scaler"] == rows.get_state()["scaler"]
