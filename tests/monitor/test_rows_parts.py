"""The row path's parts against the ways they replace, bit for bit: River's StandardScaler,
the guard's general checks, the value rules' general learning, the detector's dicts and
attribution's sort."""

from __future__ import annotations

import math

import numpy as np
import pytest
from river import preprocessing

from streamad import Guard, RollingDetector
from streamad._scaler import RowScaler
from streamad.guard import _warm_bounds, clip_bounds, robust_stats
from streamad.policy import ValueRules
from streamad.thresholds import attribution
from streamad.thresholds.alarm import ranked_shares
from tests.monitor.reference import GeneralGuard, nanmedian_stats


def bits(values) -> bytes:
    return np.asarray(values, dtype=np.float64).tobytes()


def test_the_row_scaler_is_rivers_standard_scaler_bit_for_bit():
    rng = np.random.default_rng(0)
    river, rows = preprocessing.StandardScaler(), RowScaler()
    names = [f"f{i}" for i in range(12)]
    for t in range(3000):
        scale = 10 ** rng.uniform(-6, 6, len(names))
        x = {n: float(rng.normal(i, s)) for i, (n, s) in enumerate(zip(names, scale, strict=True))}
        x = {n: v for n, v in x.items() if rng.random() > 0.15}  # some features not learned
        if t % 9 == 0:
            x = dict.fromkeys(names[:4], 2.5)  # constant values: variance 0, then not
        z_river, z_rows = river.transform_one(x), rows.transform_one(x)
        assert list(z_rows) == list(z_river) and bits(list(z_rows.values())) == bits(
            list(z_river.values())
        )
        river.learn_one(x)
        rows.learn_one(x)
        if t % 500 == 499:  # a feature starts again
            for table in (river.counts, river.means, river.vars):
                table.pop(names[t % 12], None)
            rows.reset(np.array([n == names[t % 12] for n in rows.features]))
    assert rows.counts == dict(river.counts)
    for table in ("means", "vars"):
        ours, ref = getattr(rows, table), getattr(river, table)
        assert all(bits(value) == bits(ref[name]) for name, value in ours.items())


def test_var_to_the_half_is_pythons_pow_not_sqrt():
    """River computes ``var ** 0.5``: C's pow, which differs from sqrt in the last bit for
    about one variance in a thousand."""
    rng = np.random.default_rng(1)
    variances = rng.random(20_000) * 10.0 ** rng.uniform(-30, 30, 20_000)
    scaler = RowScaler()
    scaler.grow([f"f{i}" for i in range(len(variances))])
    scaler._vars = variances
    got = scaler.transform(np.ones(len(variances)) + scaler._means)
    want = [1.0 / v**0.5 for v in variances.tolist()]
    assert bits(got) == bits(want)
    assert not np.array_equal(1.0 / np.sqrt(variances), want)  # sqrt would not do


def random_sample(rng: np.random.Generator, names: list[str]) -> dict:
    kinds = [1.5, None, math.nan, math.inf, -math.inf, 1e300, 10**400, 3, True, np.float64(2.0)]
    x = {n: float(rng.normal(5, 2)) for n in names}
    if rng.random() < 0.3:
        x[names[int(rng.integers(len(names)))]] = kinds[int(rng.integers(len(kinds)))]
    if rng.random() < 0.05:
        del x[names[0]]
    if rng.random() < 0.02:
        x[f"new{int(rng.integers(3))}"] = 1.0
    return x


def test_the_guards_short_ways_check_as_its_general_ways():
    rng = np.random.default_rng(2)
    short, general = Guard(clip_sigma=3.0), GeneralGuard(clip_sigma=3.0)
    names = [f"f{i}" for i in range(6)]
    for t in range(3000):
        x = random_sample(rng, names)
        if 1000 <= t < 1030:
            x["f1"] = 1e6  # a new level: clipped, then the feature starts again
        a, b = short.check(x), general.check(x)
        assert a.names == b.names and a.new == b.new and a.implausible == b.implausible
        for field in ("values", "kept", "filled"):
            assert bits(getattr(a, field)) == bits(getattr(b, field))
        for field in ("missing", "clipped", "bounded"):
            u, v = getattr(a, field), getattr(b, field)
            assert (u is None and v is None) or np.array_equal(u, v)
        assert short.guarded(a) == general.guarded(b)
        short.learn_checked(a)
        general.learn_checked(b)
        assert short.get_state() == general.get_state()
    assert short.n_clipped > 20 and short.n_resets >= 1


def test_warm_bounds_and_robust_medians_give_the_general_bounds():
    rng = np.random.default_rng(3)
    for t in range(3000):
        k = int(rng.integers(1, 40))
        center = rng.normal(0, 10 ** rng.uniform(-5, 14), k)
        spread = np.abs(rng.normal(0, 10 ** rng.uniform(-14, 10), k))
        spread[rng.random(k) < 0.2] = 0.0  # never varied: no bound
        warm, general = _warm_bounds(center, spread, 100.0), clip_bounds(center, spread, 100.0)
        for a, b in zip(warm, general, strict=True):
            assert bits(a) == bits(b)
        first = rng.normal(0, 10 ** rng.uniform(-10, 14), (k, 16))
        if t % 3 == 0:
            first = np.round(first, int(rng.integers(0, 3)))  # ties, and -0.0
        n = rng.integers(0, 17, k)
        new, old = robust_stats(first, n), nanmedian_stats(first, n)
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(new, old, strict=True))
        for a, b in zip(clip_bounds(*new, 3.0), clip_bounds(*old, 3.0), strict=True):
            assert bits(a) == bits(b)  # a zero median's sign aside, the same numbers


def rules_stream(seed: int, n: int = 2500, k: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    holds = rng.integers(1, 60, k)
    current = rng.normal(size=k)
    rows = []
    for i in range(n):
        current[0] = rng.normal()  # varies at every sample
        current[1] = 0.0 if (i + 1) % 1100 else 1.0  # long constant, with blips
        for j in range(2, k):
            if rng.random() < 1 / holds[j]:
                current[j] = float(rng.integers(0, 3))
        if 1500 <= i < 1540:
            current[0] = 0.5  # freezes
        rows.append(current.copy())
    return rows


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"constant_after": 50, "frozen_after": 5},
        {"constant_after": 2, "frozen_after": 2},
        {"constant_after": None},
        {"frozen_after": None},
        {"constant_after": 300, "frozen_after": 3, "ignore": ["f5"]},
    ],
)
def test_value_rules_on_rows_learn_as_the_general_way(params):
    """Rows of features all seen take the short way (in place, masks kept between countdowns);
    dicts the general way. Same findings, events, state and masks at every sample."""
    names = [f"f{j}" for j in range(6)]
    kinds = set()
    for seed in range(4):
        rows, dicts = ValueRules(**params), ValueRules(**params)
        for values in rules_stream(seed):
            x = dict(zip(names, values.tolist(), strict=True))
            found = rows.check_row(names, values)
            assert found == dicts.check(x)
            assert rows.learn_row(names, values) == dicts.learn(x)
            assert rows.get_state() == dicts.get_state()
            for mask in ("_armed", "_freezing"):
                a, b = getattr(rows, mask), getattr(dicts, mask)
                assert (a is None and b is None) or np.array_equal(a, b)
            kinds.add(found and found.kind)
    if params.get("constant_after", 1000) and params.get("frozen_after", 30):
        assert {"changed", "frozen"} <= kinds


def test_a_varying_feature_that_freezes_after_a_long_calm_of_every_feature():
    """No feature one run from frozen (every one held long), then one that varied changes
    and holds: the short way must see it coming (its countdown is capped by a new run's)."""
    rows, dicts = ValueRules(frozen_after=3), ValueRules(frozen_after=3)
    names = ["a", "b"]
    values = [float(i) for i in range(400)] + [399.0] * 3 + [7.0] * 3 + [8.0, 9.0]
    found = []
    for v in values:
        row = np.array([v, 0.0])
        x = dict(zip(names, row.tolist(), strict=True))
        finding = rows.check_row(names, row)
        assert finding == dicts.check(x)
        rows.learn_row(names, row)
        dicts.learn(x)
        assert rows.get_state() == dicts.get_state()
        found.append(finding and finding.kind)
    assert found.count("frozen") == 2  # at 399 held, and at 7 held


def test_the_detectors_rows_score_and_learn_as_its_dicts():
    rng = np.random.default_rng(4)
    rows, dicts = (
        RollingDetector(window_size=4, hidden_size=4),
        RollingDetector(window_size=4, hidden_size=4),
    )
    names = ("a", "b", "c")
    first = dict.fromkeys(names, 0.0)
    rows.learn_one(first)  # built by a first dict
    dicts.learn_one(first)
    for t in range(300):
        x = {n: float(v) for n, v in zip(names, rng.normal(size=3), strict=True)}
        row = np.array([x[n] for n in rows.features], dtype=np.float32)
        assert rows.score_row(row) == dicts.score_one(x)
        assert rows.feature_errors == dicts.feature_errors
        names_, errors = rows.feature_error_array()
        assert dict(zip(names_, errors.tolist(), strict=True)) == dicts.feature_errors
        if t % 7 == 3:
            rows.skip_row(row)
            dicts.skip_one(x)
        elif t % 11 == 5:
            rows.pass_row(row)
            dicts.pass_one(x)
        else:
            rows.learn_row(row)
            dicts.learn_one(x)
    assert all(
        np.array_equal(a, b) for a, b in zip(rows._window.buffer, dicts._window.buffer, strict=True)
    )
    for p, q in zip(rows.module_.parameters(), dicts.module_.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_ranked_shares_are_attributions_pairs():
    rng = np.random.default_rng(5)
    names = sorted(f"dim_{i}" for i in range(38))
    for t in range(2000):
        errors = rng.random(38) ** 4
        if t % 3 == 0:
            errors = np.round(errors, 2)  # ties: in name order
        if t % 50 == 0:
            errors[:] = 0.0  # no error: every share 0
        pairs = dict(zip(names, errors.tolist(), strict=True))
        assert ranked_shares(names, errors) == attribution(pairs)
    with pytest.raises(ValueError, match="finite"):
        ranked_shares(["a", "b"], np.array([1.0, np.inf]))
