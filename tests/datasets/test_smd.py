"""SMD splits and interpretation labels against the shared data."""

from __future__ import annotations

import pytest

from streamad.datasets import SMD, interpretation

MACHINES = {
    # machine: (train rows, test rows, anomalous test rows, interpretation segments)
    "machine-1-6": (23_688, 23_689, 3_708, 30),
    "machine-1-7": (23_697, 23_697, 2_398, 13),
    "machine-2-1": (23_693, 23_694, 1_170, 13),
    "machine-2-2": (23_699, 23_700, 2_833, 11),
}


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_counts_and_interpretation_convention(data_dir, machine):
    n_train, n_test, n_anomalous, n_segments = MACHINES[machine]
    root = data_dir / "smd"
    train, test = SMD(root, machine, split="train"), SMD(root, machine)
    assert (train.n_samples, test.n_samples) == (n_train, n_test)
    assert train.n_features == test.n_features == 38
    x, y = next(iter(train))
    assert list(x) == [f"dim_{i}" for i in range(38)] and y is None
    labels = [y for _, y in test]
    assert (len(labels), sum(labels)) == (n_test, n_anomalous)
    segments = interpretation(root, machine)
    assert len(segments) == n_segments
    # start/end are 0-based test rows, end excluded: they cover exactly the rows labelled 1
    covered = {i for s in segments for i in range(s.start, s.end)}
    assert covered == {i for i, y in enumerate(labels) if y}
    for s in segments:
        assert labels[s.start] == 1 and labels[s.end - 1] == 1
        assert s.features and set(s.features) <= set(x)


def test_first_segment_of_machine_1_6(data_dir):
    first = interpretation(data_dir / "smd", "machine-1-6")[0]
    start, end, features = first  # also a plain (start, end, dims) tuple
    assert (start, end) == (246, 252)
    assert features == tuple(f"dim_{d - 1}" for d in (1, 2, 3, 4, 6, 9, 10, 11, 12, 13, 15))


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test', not 'valid'"):
        SMD(tmp_path, "machine-1-1", split="valid")
    with pytest.raises(FileNotFoundError, match="SMD machine folder not found"):
        SMD(tmp_path, "machine-1-1")
    (tmp_path / "m").mkdir()
    with pytest.raises(FileNotFoundError, match=r"SMD train file not found: .*train\.csv\.gz"):
        SMD(tmp_path, "m", split="train")
    with pytest.raises(FileNotFoundError, match="interpretation_label.txt"):
        interpretation(tmp_path, "m")
    (tmp_path / "m" / "interpretation_label.txt").write_text("1-5:1,2\n5-9;3\n")
    with pytest.raises(ValueError, match=r"line 2: expected 'start-end:d1,d2,...', got '5-9;3'"):
        interpretation(tmp_path, "m")
    (tmp_path / "m" / "interpretation_label.txt").write_text("1-5:0,2\n")
    with pytest.raises(ValueError, match="dimensions are 1-based"):
        interpretation(tmp_path, "m")
