"""The `streamad` console script: the sine demo, real data, and one-line errors on bad input."""

from __future__ import annotations

import gzip
import json

import pytest

from streamad.cli import build_parser, main


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default demo, run once with every output."""
    out = tmp_path_factory.mktemp("demo")
    code = main(["replay", "--quiet", "--json", str(out / "r.json"), "--png", str(out / "r.png")])
    return code, out


def test_default_demo_is_the_monitor_of_the_api(demo):
    """No option: Monitor() with its own defaults, exactly as prequential runs it."""
    from streamad import Monitor, prequential
    from streamad.synth import SineWithSpikes

    code, out = demo
    assert code == 0
    report = json.loads((out / "r.json").read_text())
    api = prequential(SineWithSpikes(), Monitor(), progress=False)
    assert report["n_samples"] == 1000 and report["metrics"]["n_events"] == 4
    assert report["model"] == api.model == "Monitor()"
    assert report["metrics"]["n_alarms"] == api.metrics["n_alarms"]
    assert report["metrics"]["roc_auc"] == pytest.approx(api.metrics["roc_auc"])
    assert report["metrics"]["n_imputed"] == 0


def test_default_demo_writes_the_png(demo):
    _, out = demo
    assert (out / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_table_is_printed(capsys):
    assert main(["replay", "--limit", "120", "--hidden", "4", "--threshold", "none"]) == 0
    table = capsys.readouterr().out
    assert "rolling ROC-AUC (5000)" in table
    assert "120" in table.splitlines()[2]
    assert any(line.startswith("values imputed  ") for line in table.splitlines())


@pytest.mark.parametrize(
    ("args", "model"),
    [
        (["--threshold", "fixed", "--value", "0.5"], "threshold=functools.partial(<class"),
        (["--threshold", "spot", "--q", "0.01"], "SPOTThreshold'>, q=0.01)"),
        (["--threshold", "quantile", "--module", "cho"], "module=Cho"),
        (["--threshold", "none", "--module", "srivastava"], "threshold=None"),
        (["--k", "3", "--block-size", "16"], "SigmaThreshold'>, k=3.0)"),
    ],
)
def test_threshold_and_module_options(args, model, tmp_path):
    out = tmp_path / "r.json"
    common = ["replay", "--limit", "80", "--hidden", "4", "--quiet", "--json", str(out)]
    assert main([*common, *args]) == 0
    report = json.loads(out.read_text())
    assert report["model"].startswith("Monitor(detector=RollingDetector(")
    assert model in report["model"] and report["n_samples"] == 80


def test_model_options_default_to_none_meaning_the_monitors_defaults():
    args = build_parser().parse_args(["replay"])
    assert [args.module, args.window, args.hidden, args.lr, args.seed] == [None] * 5
    assert [args.threshold, args.k, args.q, args.value, args.accept_after] == [None] * 5


def test_version(capsys):
    from streamad import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"streamad {__version__}\n"


def test_help_lists_examples(capsys):
    assert main(["replay", "--help"]) == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "--creditcard" in text and "--threads" in text
    assert "--delimiter" in text and "--train" in text and "defaults:" in text


def _csv(path, text, gz=False):
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return str(path)


def test_csv_source_with_label_and_excluded_column(tmp_path, capsys):
    rows = "".join(f"{i},{(i % 5) / 4},{int(i == 30)}\n" for i in range(50))
    path = _csv(tmp_path / "m.csv.gz", "time,cpu,anomaly\n" + rows, gz=True)
    args = ["replay", "--csv", path, "--label", "anomaly", "--exclude", "time", "--hidden", "4"]
    args += ["--threshold", "quantile", "--q", "0.9", "--quiet", "--json", str(tmp_path / "r.json")]
    assert main(args) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n_samples"] == 50 and report["metrics"]["n_events"] == 1


BAD = {
    "missing file": (["--csv", "{tmp}/nope.csv"], "not found"),
    "wrong column": (["--csv", "{ok}", "--label", "is_anomaly"], "is_anomaly"),
    "non-numeric": (["--csv", "{text}", "--label", "y"], "not a number"),
    "empty file": (["--csv", "{empty}"], "empty"),
    "zero window": (["--window", "0"], "--window"),
    "negative lr": (["--lr", "-1"], "--lr"),
    "unknown module": (["--module", "transformer"], "--module"),
    "q above one": (["--threshold", "quantile", "--q", "2"], "--q"),
    "fixed without value": (["--threshold", "fixed"], "--value"),
    "two sources": (["--csv", "{ok}", "--smd", "{tmp}"], "not allowed"),
    "nab folder without series": (["--nab", "{tmp}"], "--series"),
    "missing smd machine": (["--smd", "{tmp}/machine-9-9"], "not found"),
    "smd root without machine": (["--smd", "{smd}"], "--machine"),
    "label without csv": (["--label", "y"], "--label only applies to --csv"),
    "delimiter without csv": (["--delimiter", ";"], "--delimiter only applies to --csv"),
    "long delimiter": (["--csv", "{ok}", "--delimiter", ";;"], "one character"),
    "json into a missing folder": (["--json", "{tmp}/no/r.json"], "does not exist"),
    "bad creditcard": (["--creditcard", "{ok}"], "Class"),
    "missing train file": (["--train", "{tmp}/nope.csv"], "not found"),
    "removed scaler option": (["--scaler", "minmax"], "unrecognized arguments: --scaler"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_one_line_and_status_2(case, tmp_path, capsys):
    args, fragment = BAD[case]
    files = {
        "tmp": str(tmp_path),
        "ok": _csv(tmp_path / "ok.csv", "a,y\n1,0\n2,1\n"),
        "text": _csv(tmp_path / "text.csv", "a,y\n1,0\nhigh,1\n"),
        "empty": _csv(tmp_path / "empty.csv", ""),
        "smd": str(tmp_path),
    }
    (tmp_path / "machine-1-1").mkdir()
    code = main(["replay", "--quiet", *(a.format(**files) for a in args)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("streamad: error: "), err
    assert fragment in err and "Traceback" not in err


def test_creditcard_through_the_cli_matches_the_api(data_dir, tmp_path):
    from streamad import Monitor
    from streamad.datasets import CreditCard
    from streamad.evaluate import prequential
    from streamad.modules import Sutskever

    path = data_dir / "creditcard" / "creditcard.csv.gz"
    options = ["--module", "sutskever", "--window", "10", "--hidden", "8", "--lr", "0.005"]
    code = main(
        ["replay", "--creditcard", str(path), "--limit", "700", *options, "--threshold", "none"]
        + ["--quiet", "--json", str(tmp_path / "cc.json")]
    )
    assert code == 0
    cli = json.loads((tmp_path / "cc.json").read_text())["metrics"]
    detector = Monitor().detector_.clone(
        {"module": Sutskever, "window_size": 10, "lr": 0.005, "hidden_size": 8}
    )
    api = prequential(CreditCard(path), Monitor(detector, threshold=None), max_samples=700)
    assert cli["rolling_roc_auc"] == pytest.approx(api.metrics["rolling_roc_auc"])
    assert cli["pr_auc"] == pytest.approx(api.metrics["pr_auc"])
