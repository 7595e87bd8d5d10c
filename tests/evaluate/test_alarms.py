"""The alarms a prequential run keeps: where, when, how strong, and the features to blame."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from river import anomaly

from streamad import Monitor, RollingDetector
from streamad.evaluate import AlarmRecord, Report, prequential
from streamad.synth import SineWithSpikes
from streamad.thresholds import FixedThreshold, SigmaThreshold

START = dt.datetime(2014, 2, 1)
SPIKES = {300: "b", 620: "c", 830: "a"}  # sample -> the feature that spikes there


def three_features(n: int = 1000) -> list[tuple[dict, int]]:
    """Three smooth signals; at each of SPIKES one feature jumps by 12 (labelled 1)."""
    t = np.arange(n)
    rows = np.c_[np.sin(t / 20), np.cos(t / 15), np.sin(t / 30 + 1)] * 2
    for i, name in SPIKES.items():
        if i < n:
            rows[i, "abc".index(name)] += 12
    return [
        (dict(zip("abc", map(float, row), strict=True)), int(i in SPIKES))
        for i, row in enumerate(rows)
    ]


def small_monitor() -> Monitor:
    detector = RollingDetector(window_size=8, hidden_size=8, clip_grad=1.0, score_mode="max")
    return Monitor(detector, threshold=SigmaThreshold)  # alarms at exactly the three spikes


@pytest.fixture(scope="module")
def monitored() -> Report:
    times = [START + dt.timedelta(minutes=5 * i) for i in range(1000)]
    return prequential(three_features(), small_monitor(), timestamps=times, store_values=True)


def test_each_alarm_is_kept_with_its_position_score_threshold_and_time(monitored):
    report = monitored
    positions = np.flatnonzero(report.alarms).tolist()
    assert positions and [a.index for a in report.alarm_list] == positions
    assert report.alarms_left_out == 0
    for alarm in report.alarm_list:
        assert alarm.score == report.scores[alarm.index]
        assert alarm.threshold == report.thresholds[alarm.index] < alarm.score
        assert alarm.time == str(START + dt.timedelta(minutes=5 * alarm.index))
        assert alarm.calibrated is not None and 0.0 <= alarm.calibrated <= 1.0
    assert report.times[:2] == ["2014-02-01 00:00:00", "2014-02-01 00:05:00"]


def test_attribution_blames_the_feature_that_spiked_and_sums_to_one(monitored):
    alarms = {a.index: a for a in monitored.alarm_list}
    for index, feature in SPIKES.items():
        assert alarms[index].feature == feature
    for alarm in monitored.alarm_list:
        assert sorted(alarm.features) == ["a", "b", "c"]
        assert sum(share for _, share in alarm.attribution) == pytest.approx(1.0)
        shares = [share for _, share in alarm.attribution]
        assert shares == sorted(shares, reverse=True)


def test_the_cap_keeps_the_last_alarms_and_counts_the_rest():
    full = prequential(three_features(), small_monitor())
    assert len(full.alarm_list) == 3
    capped = prequential(three_features(), small_monitor(), store_alarms=2)
    assert capped.alarm_list == full.alarm_list[-2:]
    assert capped.alarms_left_out == 1
    assert "3 alarms (the last 2 kept):" in capped.to_table()
    none = prequential(three_features(), small_monitor(), store_alarms=False)
    assert none.alarm_list == [] and none.alarms_left_out == len(full.alarm_list)
    np.testing.assert_array_equal(none.scores, full.scores)  # explaining changes nothing
    with pytest.raises(ValueError, match="store_alarms"):
        prequential(three_features(), small_monitor(), store_alarms=0)


def test_many_features_keep_only_the_top_ones():
    rng = np.random.default_rng(0)
    rows = rng.normal(0, 0.1, (300, 20))
    rows[250, 7] += 30
    stream = [({f"f{j}": float(v) for j, v in enumerate(row)}, None) for row in rows]
    model = FixedThreshold(RollingDetector(window_size=4, hidden_size=4), threshold=5.0)
    report = prequential(stream, model)
    alarm = next(a for a in report.alarm_list if a.index == 250)
    assert alarm.feature == "f7" and len(alarm.attribution) == 10
    assert sum(share for _, share in alarm.attribution) <= 1.0 + 1e-9


def test_a_filter_gives_attribution_without_calibration():
    model = FixedThreshold(RollingDetector(window_size=4, hidden_size=4), threshold=1.0)
    report = prequential(three_features(400), model)
    alarm = next(a for a in report.alarm_list if a.index == 300)
    assert alarm.feature == "b" and alarm.calibrated is None and alarm.threshold == 1.0


class Plain(anomaly.base.AnomalyDetector):
    """Scores a sample by its largest value; counts how often its feature errors are read."""

    def __init__(self):
        self.reads = 0

    def score_one(self, x):
        return max(abs(v) for v in x.values())

    def learn_one(self, x):
        pass

    def score_many(self, X):
        return [self.score_one(x) for x in X]

    def learn_many(self, X):
        pass

    @property
    def feature_errors(self):
        self.reads += 1
        return {name: 1.0 for name in "abc"}


@pytest.mark.parametrize("block_size", [1, 4])
def test_a_run_without_alarms_explains_nothing(block_size):
    detector = Plain()
    report = prequential(
        three_features(100), FixedThreshold(detector, threshold=1e9), block_size=block_size
    )
    assert report.alarm_list == [] and detector.reads == 0
    report = prequential(
        three_features(400), FixedThreshold(detector, threshold=5.0), block_size=block_size
    )
    assert [a.index for a in report.alarm_list] == [300] and detector.reads == 1


def test_a_detector_without_feature_errors_gives_alarms_without_attribution():
    class Bare(Plain):
        feature_errors = None

    report = prequential(three_features(400), FixedThreshold(Bare(), threshold=5.0))
    assert [(a.index, a.attribution, a.feature) for a in report.alarm_list] == [(300, (), None)]


def test_block_mode_explains_each_alarm_with_its_own_window():
    model = FixedThreshold(RollingDetector(window_size=4, hidden_size=4), threshold=8.0)
    report = prequential(three_features(), model, block_size=16)
    blamed = {a.index: a.feature for a in report.alarm_list}
    assert [a.index for a in report.alarm_list] == np.flatnonzero(report.alarms).tolist()
    for index, feature in SPIKES.items():  # spikes in the middle of their blocks
        assert index % 16 and blamed[index] == feature
    assert all(a.score == report.scores[a.index] for a in report.alarm_list)


def test_block_mode_with_a_monitor_explains_without_changing_what_it_learns():
    def monitor() -> Monitor:
        return small_monitor().warm_start([x for x, _ in three_features(200)], epochs=2)

    blocks = prequential(three_features(), monitor(), block_size=16)
    unexplained = prequential(three_features(), monitor(), block_size=16, store_alarms=False)
    np.testing.assert_array_equal(blocks.scores, unexplained.scores)
    np.testing.assert_array_equal(blocks.alarms, unexplained.alarms)
    alarms = {a.index: a for a in blocks.alarm_list}
    assert list(alarms) == np.flatnonzero(blocks.alarms).tolist()
    for index, feature in SPIKES.items():
        assert alarms[index].feature == feature
        assert alarms[index].score == blocks.scores[index]
        assert 0.0 <= alarms[index].calibrated <= 1.0


def test_timestamps_from_the_source_from_triples_and_from_the_argument():
    class Timed(list):
        timestamps = [f"2014-02-01 00:{i:02d}:00" for i in range(20)]

    stream = [({"v": float(i == 12) * 50}, None) for i in range(20)]
    model = FixedThreshold(RollingDetector(window_size=3, hidden_size=2), threshold=10.0)
    own = prequential(Timed(stream), model.clone())
    assert own.times == Timed.timestamps and own.alarm_list[0].time == "2014-02-01 00:12:00"
    triples = [(x, y, i * 60) for i, (x, y) in enumerate(stream)]
    assert prequential(triples, model.clone()).alarm_list[0].time == 720
    given = prequential(stream, model.clone(), timestamps=np.arange(20).astype("datetime64[D]"))
    assert given.alarm_list[0].time == "1970-01-13"
    plain = prequential(stream, model.clone())
    assert plain.times is None and plain.alarm_list[0].time is None
    with pytest.raises(TypeError, match="timestamps"):
        prequential(stream, model.clone(), timestamps=5)  # type: ignore[arg-type]


def test_json_round_trip_keeps_every_alarm(monitored, tmp_path):
    monitored.to_json(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    first = data["alarm_list"][0]
    assert set(first) == {"index", "time", "score", "threshold", "calibrated", "attribution"}
    assert {entry["feature"] for entry in first["attribution"]} == {"a", "b", "c"}
    back = Report.from_json(tmp_path / "r.json")
    assert back.alarm_list == monitored.alarm_list and back.times == monitored.times
    assert back.alarms_left_out == 0 and back.to_table() == monitored.to_table()


def test_an_old_report_without_alarms_still_reads(tmp_path):
    report = prequential(three_features(50), Plain())
    data = report.to_dict()
    for name in ("alarm_list", "times", "alarms_left_out"):
        del data[name]
    (tmp_path / "old.json").write_text(json.dumps(data))
    back = Report.from_json(tmp_path / "old.json")
    assert back.alarm_list == [] and back.times is None


def test_the_table_lists_the_first_alarms_with_their_features(monitored):
    table = monitored.to_table()
    assert f"\n{len(monitored.alarm_list)} alarms:\n" in table
    header = next(line for line in table.splitlines() if "features to blame" in line)
    assert header.split() == [
        "sample",
        "time",
        "score",
        "threshold",
        "calibrated",
        "features",
        "to",
        "blame",
    ]
    first = monitored.alarm_list[0]
    row = table.splitlines()[table.splitlines().index(header) + 1]
    assert row.split()[0] == str(first.index) and f"{first.feature} " in row
    assert "features to blame" not in monitored.to_table(alarms=0)
    assert monitored.alarm_table(2).count("\n") == 3  # head, header, two alarms


def test_non_finite_scores_survive_json():
    alarm = AlarmRecord(3, math.inf, 1.0, (("a", 1.0),))
    assert AlarmRecord.from_dict(json.loads(json.dumps(alarm.to_dict()))).index == 3


def test_sine_demo_alarms_are_the_spikes():
    # the in-range spike at 300 scores as a normal sample under the default detector
    report = prequential(SineWithSpikes(), Monitor())
    assert [a.index for a in report.alarm_list] == [100, 900]  # as the README says
    assert all(a.attribution == (("value", 1.0),) for a in report.alarm_list)
