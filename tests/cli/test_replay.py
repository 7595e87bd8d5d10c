"""`streamad replay` never loses work: bad cells follow the Monitor's input policy and are
counted; an unreadable file or Ctrl-C still writes the report of what was read."""

from __future__ import annotations

import gzip
import json
import signal
import time

import pytest

from streamad.cli import main
from tests.cli.helpers import SMALL, Process, rows, write

QUICK = ["--window", "5", "--hidden", "4"]


def _run(tmp_path, *args: str) -> tuple[int, dict | None]:
    out = tmp_path / "r.json"
    code = main(["replay", "--quiet", *QUICK, "--json", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else None


def test_bad_cells_near_the_end_are_imputed_and_counted(tmp_path, capsys):
    """The issue's case: an empty, a NaN and an inf cell at rows 1,991-1,995 of 2,000."""
    lines = rows(2000)
    lines[1 + 1990] = "1990,,0.5"
    lines[1 + 1992] = "1992,NaN,0.5"
    lines[1 + 1994] = "1994,0.1,inf"
    path = write(tmp_path / "data.csv", lines)
    png = tmp_path / "r.png"
    code, report = _run(tmp_path, "--csv", str(path), "--png", str(png), "--block-size", "16")
    assert code == 0, capsys.readouterr().err
    assert report is not None and report["n_samples"] == 2000
    assert report["metrics"]["n_missing_cells"] == 3 and report["metrics"]["n_imputed"] == 3
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "column 'time' is the time of each sample" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["huge field", "truncated gzip"])
def test_an_unreadable_file_gives_one_line_status_2_and_the_partial_report(kind, tmp_path, capsys):
    lines = rows(120)
    if kind == "huge field":
        lines.insert(1 + 100, "100," + "1" * (10 << 20) + ",0.5")  # a 10 MB field at line 102
        path = write(tmp_path / "data.csv", lines)
    else:
        data = gzip.compress("".join(f"{line}\n" for line in lines).encode())
        path = tmp_path / "data.csv.gz"
        path.write_bytes(data[: len(data) * 2 // 3])
    png = tmp_path / "r.png"
    code, report = _run(tmp_path, "--csv", str(path), "--png", str(png))
    err = [line for line in capsys.readouterr().err.splitlines() if "note:" not in line]
    assert code == 2 and len(err) == 1, err
    fragment = "longer than 131,072 characters" if kind == "huge field" else "gzip file is trunc"
    assert err[0].startswith(f"streamad: error: {path}, line ") and fragment in err[0]
    assert "the report of those" in err[0] and "Traceback" not in err[0]
    assert report is not None and 0 < report["n_samples"] < 120
    assert report["n_samples"] == 100 if kind == "huge field" else True
    assert png.exists()


def test_ctrl_c_writes_the_partial_report(tmp_path):
    path = write(tmp_path / "long.csv", rows(50_000, {}))
    out, png = tmp_path / "r.json", tmp_path / "r.png"
    run = Process(["replay", "--csv", str(path), *SMALL, "--json", str(out), "--png", str(png)])
    run.wait_for("Ctrl-C stops and writes the report so far")
    time.sleep(0.5)  # well into the stream
    run.proc.send_signal(signal.SIGINT)
    code, stdout, err = run.finish(timeout=60)
    assert code == 130, err
    report = json.loads(out.read_text())
    assert 0 < report["n_samples"] < 50_000 and "samples" in stdout
    assert f"streamad: interrupted after {report['n_samples']:,} samples" in err
    assert png.read_bytes()[:4] == b"\x89PNG" and "Traceback" not in err


@pytest.mark.parametrize("delimiter", [";", "tab", "|"])
def test_delimiter(delimiter, tmp_path):
    sep = "\t" if delimiter == "tab" else delimiter
    lines = [line.replace(",", sep) for line in rows(60)]
    code, report = _run(tmp_path, "--csv", str(write(tmp_path / "d.csv", lines)), "--png",
                        str(tmp_path / "r.png"), "--delimiter", delimiter)  # fmt: skip
    assert code == 0 and report is not None and report["n_samples"] == 60
    assert report["features"] == ["cpu", "mem"]


def test_a_label_column_is_never_silently_a_feature(tmp_path, capsys):
    lines = ["cpu,mem,is_anomaly"] + [f"{i % 7},{i % 3},{int(i == 40)}" for i in range(60)]
    path = str(write(tmp_path / "l.csv", lines))
    code, report = _run(tmp_path, "--csv", path, "--png", str(tmp_path / "r.png"))
    assert code == 0 and report is not None
    assert report["features"] == ["cpu", "mem"] and report["labels"][40] == 1
    assert "using column 'is_anomaly' as the 0/1 label" in capsys.readouterr().err
    code, report = _run(tmp_path, "--csv", path, "--no-label", "--png", str(tmp_path / "r.png"))
    assert code == 0 and report is not None and report["labels"] is None
    assert report["features"] == ["cpu", "mem", "is_anomaly"]  # asked for: read as a feature


def test_train_warm_starts_the_monitor(tmp_path, capsys):
    history = write(tmp_path / "normal.csv", rows(300, {}))
    stream = write(tmp_path / "stream.csv", rows(50))
    args = ["--csv", str(stream), "--train", str(history), "--train-rows", "200"]
    code, report = _run(tmp_path, *args)
    assert code == 0 and report is not None and report["n_samples"] == 50
    err = capsys.readouterr().err
    assert "learned 200 rows of --train" in err and "warning" not in err


def test_messages_are_one_line_and_a_new_feature_is_no_warning(tmp_path, capsys):
    history = write(tmp_path / "normal.csv", ["other"] + [str(i % 5) for i in range(20)])
    code, _ = _run(tmp_path, "--train", str(history), "--limit", "20")
    err = capsys.readouterr().err
    assert code == 0
    assert "was not in the first sample" not in err  # the monitor rebuilds on every feature
    assert all(line.startswith("streamad: ") for line in err.splitlines()), err


# -- NAB --------------------------------------------------------------------------------------
def _nab_tree(root, n: int = 400):
    (root / "labels").mkdir(parents=True)
    (root / "demo").mkdir()
    stamps = [f"2014-04-{1 + i // 288:02d} {(i % 288) // 12:02d}:{5 * (i % 12):02d}:00"
              for i in range(n)]  # fmt: skip
    values = [9.0 if i == 300 else float(i % 12) for i in range(n)]
    lines = ["timestamp,value"] + [f"{t},{v}" for t, v in zip(stamps, values, strict=True)]
    write(root / "demo" / "spiky_series.csv", lines)
    windows = {"demo/spiky_series.csv": [[stamps[290], stamps[310]]]}
    (root / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    (root / "labels" / "combined_labels.json").write_text(json.dumps({"demo/spiky_series.csv": []}))
    return root / "demo" / "spiky_series.csv"


def test_nab_series_reports_the_nab_score(tmp_path, capsys):
    from streamad.metrics import normalised_score, score_file

    path = _nab_tree(tmp_path / "nab")
    code, report = _run(tmp_path, "--nab", str(path), "--threshold", "fixed", "--value", "3")
    assert code == 0 and report is not None, capsys.readouterr().err
    metrics = report["metrics"]
    assert metrics["n_events"] == 1 and metrics["nab_windows"] == 1
    start, stop = report["labels"].index(1), len(report["labels"]) - report["labels"][::-1].index(1)
    raw = score_file([float(a) for a in report["alarms"]], [[start, stop - 1]], threshold=0.5)
    assert metrics["nab_raw_score"] == pytest.approx(raw.score)
    assert metrics["nab_score"] == pytest.approx(normalised_score(raw.score, 1))
    assert "NAB score " in main_table(tmp_path, path)
    code, again = _run(tmp_path, "--nab", str(tmp_path / "nab"), "--series", "demo/spiky_series")
    assert code == 0 and again is not None and "nab_score" in again["metrics"]
    # the series' timestamps reach the report (the figure's time axis and the alarm list)
    assert again["times"] and again["times"][0] == _first_timestamp(path)


def _first_timestamp(path) -> str:
    with gzip.open(path, "rt") if str(path).endswith(".gz") else open(path) as f:
        next(f)
        return next(f).split(",")[0]


def main_table(tmp_path, path) -> str:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["replay", "--nab", str(path), *QUICK, "--block-size", "32"]) == 0
    return out.getvalue()


def test_a_mistyped_nab_series_suggests_the_closest(tmp_path, capsys):
    _nab_tree(tmp_path / "nab")
    code, _ = _run(tmp_path, "--nab", str(tmp_path / "nab"), "--series", "demo/spikey_seris")
    err = capsys.readouterr().err
    assert code == 2 and "did you mean 'demo/spiky_series'?" in err and err.count("\n") == 1


def test_the_real_nab_tree_suggests_the_closest_series(data_dir, capsys):
    code = main(["replay", "--nab", str(data_dir / "nab"), "--series", "realKnownCause/nyc_taxy"])
    assert code == 2 and "did you mean 'realKnownCause/nyc_taxi'?" in capsys.readouterr().err


def test_a_nab_file_outside_the_nab_tree_runs_unlabelled(tmp_path, capsys):
    path = _nab_tree(tmp_path / "nab")
    alone = tmp_path / "elsewhere.csv"
    alone.write_bytes(path.read_bytes())
    code, report = _run(tmp_path, "--nab", str(alone))
    err = capsys.readouterr().err
    assert code == 0 and report is not None and report["labels"] is None
    assert f"note: {alone} is not in a NAB folder: running it unlabelled" in err
