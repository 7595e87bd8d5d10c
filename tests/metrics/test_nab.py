"""The NAB scorer against NAB's own published results, and on small hand-made files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from streamad.metrics import (
    REWARD_LOW_FN_RATE,
    REWARD_LOW_FP_RATE,
    STANDARD,
    FileScore,
    NabResult,
    Profile,
    normalised_score,
    optimise_threshold,
    probation_length,
    read_nab_results,
    score_corpus,
    score_file,
    sweep_thresholds,
    windows_from_labels,
)

DETECTORS = ["numenta", "windowedGaussian", "randomCutForest"]
PROFILES = {
    "standard": STANDARD,
    "reward_low_FP_rate": REWARD_LOW_FP_RATE,
    "reward_low_FN_rate": REWARD_LOW_FN_RATE,
}
N_WINDOWS = 116  # windows in labels/combined_windows.json: NAB's count of true positives


@pytest.fixture(scope="module")
def nab(data_dir: Path) -> Path:
    root = data_dir / "nab"
    if not (root / "results").is_dir():
        pytest.skip(f"NAB results are absent under {root}")
    return root


@pytest.fixture(scope="module")
def results(nab: Path) -> dict[str, list[NabResult]]:
    return {detector: read_nab_results(nab, detector) for detector in DETECTORS}


def _published_threshold(nab: Path, detector: str, profile: str) -> float:
    thresholds = json.loads((nab / "config" / "thresholds.json").read_text())
    return float(thresholds[detector][profile]["threshold"])


def _published_table(nab: Path, detector: str, profile: str) -> list[dict[str, str]]:
    path = nab / "results" / detector / f"{detector}_{profile}_scores.csv"
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_profiles_match_nab_config(nab: Path) -> None:
    config = json.loads((nab / "config" / "profiles.json").read_text())
    for name, profile in PROFILES.items():
        weights = config[name]["CostMatrix"]
        assert profile == Profile(
            weights["tpWeight"], weights["fpWeight"], weights["fnWeight"], weights["tnWeight"]
        )


def test_windows_from_labels_rebuild_nab_windows(nab: Path, results: dict) -> None:
    labels = json.loads((nab / "labels" / "combined_labels.json").read_text())
    rebuilt = [
        r.name
        for r in results["numenta"]
        if np.array_equal(windows_from_labels(r.timestamps, labels[r.name]), r.windows)
    ]
    # NAB's published windows for this one file are not centred on its published labels.
    odd = "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv"
    assert set(rebuilt) == {r.name for r in results["numenta"]} - {odd}
    assert sum(len(r.windows) for r in results["numenta"]) == N_WINDOWS


@pytest.mark.parametrize("profile_name", list(PROFILES))
@pytest.mark.parametrize("detector", DETECTORS)
def test_per_file_scores_match_nab_tables(
    nab: Path, results: dict, detector: str, profile_name: str
) -> None:
    by_name = {r.name: r for r in results[detector]}
    rows = _published_table(nab, detector, profile_name)
    total = FileScore(0.0, 0, 0, 0, 0, 0)
    for row in rows:
        if row["Detector"] == "Totals":
            continue
        result = by_name[row["File"]]
        got = score_file(
            result.scores, result.windows, float(row["Threshold"]), PROFILES[profile_name]
        )
        expected = [int(row[key]) for key in ("TP", "TN", "FP", "FN", "Total_Count")]
        assert [got.tp, got.tn, got.fp, got.fn, got.total] == expected, row["File"]
        assert got.score == pytest.approx(float(row["Score"]), abs=1e-6), row["File"]
        total = total + got
    totals = next(row for row in rows if row["Detector"] == "Totals")
    assert len(rows) == len(by_name) + 1
    assert total.score == pytest.approx(float(totals["Score"]), abs=1e-6)
    assert total.total == int(totals["Total_Count"])


@pytest.mark.parametrize("profile_name", list(PROFILES))
@pytest.mark.parametrize("detector", DETECTORS)
def test_corpus_scores_match_final_results(
    nab: Path, results: dict, detector: str, profile_name: str
) -> None:
    profile = PROFILES[profile_name]
    corpus = results[detector]
    threshold = _published_threshold(nab, detector, profile_name)
    raw = score_corpus([r.scores for r in corpus], [r.windows for r in corpus], threshold, profile)
    published = json.loads((nab / "final_results.json").read_text())[detector][profile_name]
    assert normalised_score(raw.score, N_WINDOWS, profile) == pytest.approx(published, abs=1e-6)


@pytest.mark.parametrize("profile_name", list(PROFILES))
@pytest.mark.parametrize("detector", DETECTORS)
def test_sweep_finds_at_least_the_published_threshold(
    nab: Path, results: dict, detector: str, profile_name: str
) -> None:
    profile = PROFILES[profile_name]
    scores = [r.scores for r in results[detector]]
    windows = [r.windows for r in results[detector]]
    published = score_corpus(
        scores, windows, _published_threshold(nab, detector, profile_name), profile
    )
    best = optimise_threshold(scores, windows, profile)
    assert best.score >= published.score - 1e-9
    assert score_corpus(scores, windows, best.threshold, profile).score == pytest.approx(
        best.score, abs=1e-9
    )


def test_sweep_agrees_with_scoring_at_each_threshold() -> None:
    rng = np.random.default_rng(7)
    scores = [rng.choice(np.linspace(0, 1, 21), size=n) for n in (400, 1000, 3000)]
    windows = [[[20, 39], [300, 329]], [[600, 649], [800, 849]], [[1000, 1149]]]
    for profile in PROFILES.values():
        sweep = sweep_thresholds(scores, windows, profile)
        assert np.all(np.diff(sweep.thresholds) < 0)
        for threshold, score in zip(sweep.thresholds, sweep.scores, strict=True):
            expected = score_corpus(scores, windows, threshold, profile).score
            assert score == pytest.approx(expected, abs=1e-9)


def test_probation_length() -> None:
    assert probation_length(4032) == 604
    assert probation_length(5000) == 750
    assert probation_length(100_000) == 750


def test_score_file_rules() -> None:
    n = 1000  # probation: rows 0..149
    windows = [[100, 199], [600, 649]]
    scores = np.zeros(n)
    scores[120] = 1.0  # inside probation, in the first window: ignored
    assert score_file(scores, windows, 0.5).score == pytest.approx(-2.0)
    scores[175] = 1.0  # 25 rows from the end of a 100-row window
    expected_tp = (2 / (1 + np.exp(-5 * 0.25)) - 1) / (2 / (1 + np.exp(-5)) - 1)
    got = score_file(scores, windows, 0.5)
    assert got.score == pytest.approx(expected_tp - 1.0)
    assert (got.tp, got.fp, got.fn, got.tn, got.total) == (1, 0, 99, 750, n)
    scores[200] = 0.5  # right after the window: a false alarm costing ~fp_weight * 0
    assert score_file(scores, windows, 0.5, STANDARD).fp == 1
    assert score_file(scores, windows, 0.5).score == pytest.approx(
        expected_tp - 1.0 + 0.11 * (2 / (1 + np.exp(5 / 99)) - 1)
    )
    assert score_file(scores, windows, 0.51).fp == 0  # alarms are scores >= threshold


def test_false_alarm_before_any_window_costs_fp_weight() -> None:
    scores = np.zeros(1000)
    scores[160] = 1.0
    for profile in PROFILES.values():
        got = score_file(scores, [[600, 649]], 0.5, profile)
        assert got.score == pytest.approx(-profile.fp_weight - profile.fn_weight)


def test_window_wholly_in_probation_is_not_scored() -> None:
    got = score_file(np.zeros(1000), [[10, 20], [600, 649]], 0.5, REWARD_LOW_FN_RATE)
    assert got.score == pytest.approx(-2.0)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="NaN"):
        score_file(np.array([0.0, np.nan]), [], 0.5)
    with pytest.raises(ValueError, match="disjoint"):
        score_file(np.zeros(100), [[10, 30], [20, 40]], 0.5)
    with pytest.raises(ValueError, match="within"):
        score_file(np.zeros(100), [[90, 100]], 0.5)
    with pytest.raises(ValueError, match="files"):
        score_corpus([np.zeros(10)], [], 0.5)
    with pytest.raises(ValueError, match="positive"):
        normalised_score(1.0, 0)
