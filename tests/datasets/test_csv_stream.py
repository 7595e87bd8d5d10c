"""CSVStream and DataFrameStream: reading, and one-line errors for bad input."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from streamad.datasets import CSVStream, DataFrameStream


def _write(path, text: str):
    path.write_text(text)
    return path


@pytest.fixture
def cpu(tmp_path):
    text = "time,cpu,mem,anomaly\n1,0.5,0.25,0\n2,0.75,0.5,0\n3,9.5,0.5,1\n"
    return _write(tmp_path / "cpu.csv", text)


def test_reads_features_and_labels(cpu):
    stream = CSVStream(cpu, label="anomaly", exclude=["time"])
    assert list(stream) == [
        ({"cpu": 0.5, "mem": 0.25}, 0),
        ({"cpu": 0.75, "mem": 0.5}, 0),
        ({"cpu": 9.5, "mem": 0.5}, 1),
    ]
    assert list(stream) == list(stream)  # re-iterable
    assert stream.n_features == 2 and stream.n_samples is None
    assert repr(stream) == (
        f"CSVStream(path={cpu!r}, label='anomaly', features=None, exclude=['time'], delimiter=',')"
    )


def test_features_choose_and_order_columns(cpu):
    stream = CSVStream(cpu, features=["mem", "time"])
    assert next(iter(stream)) == ({"mem": 0.25, "time": 1.0}, None)


def test_gzip_is_recognised_by_content(tmp_path, cpu):
    path = tmp_path / "cpu.data"  # no .gz suffix
    with gzip.open(path, "wt") as f:
        f.write(cpu.read_text())
    assert list(CSVStream(path, label="anomaly", exclude=["time"])) == list(
        CSVStream(cpu, label="anomaly", exclude=["time"])
    )


def test_label_spellings_and_blank_lines(tmp_path):
    path = _write(tmp_path / "a.csv", "v,y\n1,True\n\n2,0.0\n3,1\n")
    assert [y for _, y in CSVStream(path, label="y")] == [1, 0, 1]


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data file not found: .*nope\.csv"):
        CSVStream(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    with pytest.raises(ValueError, match="is empty: expected a header row"):
        CSVStream(_write(tmp_path / "e.csv", ""))
    with pytest.raises(ValueError, match="has a header but no data rows"):
        CSVStream(_write(tmp_path / "h.csv", "a,b\n"))


def test_unknown_columns_list_the_available_ones(cpu):
    with pytest.raises(ValueError, match=r"no label column 'y'; available columns: 'time', 'cpu'"):
        CSVStream(cpu, label="y")
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['disk'\]; available columns"):
        CSVStream(cpu, features=["cpu", "disk"])


def test_label_among_features_and_duplicate_columns(tmp_path, cpu):
    with pytest.raises(ValueError, match="also listed among the features"):
        CSVStream(cpu, label="anomaly", features=["cpu", "anomaly"])
    with pytest.raises(ValueError, match=r"\['a'\] appear more than once"):
        CSVStream(_write(tmp_path / "d.csv", "a,b,a\n1,2,3\n"))


def test_non_numeric_value_names_line_and_column(tmp_path):
    path = _write(tmp_path / "t.csv", "timestamp,v\n2014-01-01,1\n")
    message = r"t\.csv, line 2, column 'timestamp': '2014-01-01', which is not a number"
    with pytest.raises(ValueError, match=message):
        list(CSVStream(path))
    path = _write(tmp_path / "b.csv", "a,b\n1,2\n3,oops\n")
    with pytest.raises(ValueError, match=r"line 3, column 'b': 'oops'"):
        list(CSVStream(path))


def test_missing_values_and_ragged_rows(tmp_path):
    with pytest.raises(ValueError, match=r"line 3, column 'b': an empty value"):
        list(CSVStream(_write(tmp_path / "m.csv", "a,b\n1,2\n3,\n")))
    with pytest.raises(ValueError, match=r"line 2, column 'a': missing value 'nan'"):
        list(CSVStream(_write(tmp_path / "n.csv", "a,b\nnan,2\n")))
    with pytest.raises(ValueError, match=r"line 2: expected 2 fields as in the header, found 3"):
        list(CSVStream(_write(tmp_path / "r.csv", "a,b\n1,2,3\n")))


def test_bad_label_names_line(tmp_path):
    path = _write(tmp_path / "l.csv", "a,y\n1,0\n2,2\n")
    with pytest.raises(ValueError, match=r"line 3, column 'y': label '2' is not 0 or 1"):
        list(CSVStream(path, label="y"))


def test_unnamed_index_column_is_refused(tmp_path):
    path = _write(tmp_path / "i.csv", ",a\n0,1\n1,2\n")
    with pytest.raises(ValueError, match="column 1 has no name"):
        CSVStream(path)
    assert list(CSVStream(path, exclude=[""])) == [({"a": 1.0}, None), ({"a": 2.0}, None)]


def test_dataframe_stream():
    df = pd.DataFrame({"cpu": [0.5, 0.75], "mem": [1, 2], "ok": [True, False], "y": [0, 1]})
    stream = DataFrameStream(df, label="y")
    assert list(stream) == [
        ({"cpu": 0.5, "mem": 1.0, "ok": 1.0}, 0),
        ({"cpu": 0.75, "mem": 2.0, "ok": 0.0}, 1),
    ]
    assert stream.n_samples == 2 and stream.n_features == 3
    unlabelled = DataFrameStream(df, features=["mem"])
    assert list(unlabelled) == [({"mem": 1.0}, None), ({"mem": 2.0}, None)]


def test_dataframe_errors_name_row_and_column():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["1", "x", "3"]}, index=[10, 11, 12])
    with pytest.raises(ValueError, match=r"row 11, column 'b': 'x', which is not a number"):
        DataFrameStream(df)
    assert list(DataFrameStream(df.assign(b=["1", "2", "3"])))[1] == ({"a": 2.0, "b": 2.0}, None)
    with pytest.raises(ValueError, match=r"row 12, column 'a': a missing value"):
        DataFrameStream(pd.DataFrame({"a": [1.0, 2.0, None]}, index=[10, 11, 12]))
    with pytest.raises(ValueError, match=r"row 1, column 'y': label 5 is not 0 or 1"):
        DataFrameStream(pd.DataFrame({"a": [1.0, 2.0], "y": [0, 5]}), label="y")
    with pytest.raises(ValueError, match=r"DataFrame: no label column 'z'; available columns: 'a'"):
        DataFrameStream(pd.DataFrame({"a": [1.0]}), label="z")
