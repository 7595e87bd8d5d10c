"""NABSeries and nab_corpus against the NAB corpus and its all-in-one labelled file."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import defaultdict

import pytest

from streamad.datasets import NABSeries, nab_corpus, window_labels


@pytest.fixture(scope="module")
def nab(data_dir):
    return data_dir / "nab"


@pytest.fixture(scope="module")
def all_labeled(nab):
    """`nab_all_labeled.csv.gz`: per series, its (timestamp, value, label_point, label_window)."""
    rows = defaultdict(list)
    with gzip.open(nab / "nab_all_labeled.csv.gz", "rt", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["series"][:-4]].append(
                (
                    row["timestamp"],
                    float(row["value"]),
                    int(row["label_point"]),
                    int(row["label_window"]),
                )
            )
    return rows


def test_corpus_matches_the_data_readme(nab):
    corpus = nab_corpus(nab)
    assert len(corpus) == 58
    assert len({s.category for s in corpus}) == 7
    assert sum(s.n_samples for s in corpus) == 365_558
    assert sum(len(s.windows) for s in corpus) == 116
    assert sum(len(s.label_points) for s in corpus) == 120


def test_every_series_matches_the_labelled_file(nab, all_labeled):
    corpus = nab_corpus(nab)
    assert sorted(s.name for s in corpus) == sorted(all_labeled)
    for series in corpus:
        expected = all_labeled[series.name]
        samples = list(series)
        assert len(samples) == len(expected) == series.n_samples, series.name
        assert [x["value"] for x, _ in samples] == [e[1] for e in expected], series.name
        assert [y for _, y in samples] == [e[3] for e in expected], series.name
        assert series.timestamps == [e[0] for e in expected], series.name
        points = {e[0] for e in expected if e[2]}
        assert points == set(series.label_points), series.name


def test_series_attributes(nab):
    taxi = NABSeries(nab, "realKnownCause/nyc_taxi")
    assert taxi.n_samples == 10_320 and taxi.n_features == 1
    assert taxi.category == "realKnownCause"
    assert len(taxi.windows) == 5 and len(taxi.label_points) == 5
    assert taxi.windows[0] == ("2014-10-30 15:30:00", "2014-11-03 22:30:00")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in taxi.timestamps)
    # every labelled point lies in a window, and the windows are what iteration labels
    assert window_labels(taxi.label_points, taxi.windows) == [1] * 5
    assert taxi.labels == [y for _, y in taxi]
    assert list(NABSeries(nab, "realKnownCause/nyc_taxi.csv").take(3)) == list(taxi.take(3))
    assert repr(taxi) == f"NABSeries(root={nab!r}, name='realKnownCause/nyc_taxi')"


def test_window_ends_are_inclusive():
    stamps = [
        "2014-01-01 00:00:00",
        "2014-01-01 00:05:00",
        "2014-01-01 00:10:00",
        "2014-01-01 00:15:00",
    ]
    windows = [("2014-01-01 00:05:00", "2014-01-01 00:10:00")]
    assert window_labels(stamps, windows) == [0, 1, 1, 0]


def test_unknown_series_and_missing_labels(nab, tmp_path):
    with pytest.raises(ValueError, match=r"'realKnownCause/nyc' is not a NAB series"):
        NABSeries(nab, "realKnownCause/nyc")
    with pytest.raises(FileNotFoundError, match="combined_windows.json"):
        NABSeries(tmp_path, "realKnownCause/nyc_taxi")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps({"a/b.csv": []}))
    with pytest.raises(FileNotFoundError, match=r"NAB series file not found: .*b\.csv"):
        NABSeries(tmp_path, "a/b")
