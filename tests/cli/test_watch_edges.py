"""`streamad watch` at its edges: a line the monitor cannot take is skipped, not a crash loop;
one live watcher per checkpoint; a resume that would start afresh over kept alarms refuses."""

from __future__ import annotations

import json

import pytest

from streamad.cli import main
from streamad.feeds import Positions, sidecar
from tests.cli.helpers import SMALL, rows, write

#: Rows whose cpu value makes the monitor raise (see `flaky`), and what it raises.
RAISES = {
    10: OverflowError("int too large to convert to float"),
    20: TypeError("feature 'cpu' is not a number"),
    30: ValueError("bad \x1b[2J value " + "x" * 1000),
}


@pytest.fixture
def flaky(monkeypatch):
    """Monitor.process_one raising for the rows of RAISES (their cpu is 100 + the row)."""
    from streamad.monitor import Monitor

    process_one = Monitor.process_one

    def raising(self, x, *args, **kwargs):
        row = x.get("cpu", 0.0) - 100
        if row in RAISES:
            raise RAISES[int(row)]
        return process_one(self, x, *args, **kwargs)

    monkeypatch.setattr(Monitor, "process_one", raising)


def _watch(capsys, *args: str) -> tuple[int, str]:
    code = main(["watch", *SMALL, "--status-every", "0", "--idle-timeout", "0.3", *args])
    return code, capsys.readouterr().err


def _lines_learned(checkpoint) -> int:
    from streamad import Monitor

    entry = Positions.read(sidecar(checkpoint)).entry_for(Monitor.load(checkpoint).n_seen)
    return entry["feed"]["lines"]


def test_a_line_the_monitor_cannot_take_is_skipped_and_the_run_goes_on(flaky, tmp_path, capsys):
    lines = rows(50, {row: 100.0 + row for row in RAISES})
    feed = write(tmp_path / "feed.csv", lines[:41])  # the header and rows 0..39
    ckpt, out = tmp_path / "m.ckpt", tmp_path / "alarms.jsonl"
    options = ["--follow", str(feed), "--checkpoint", str(ckpt), "--out", str(out)]
    code, err = _watch(capsys, *options)
    assert code == 0, err  # was: exit 2 on the first of them, no final checkpoint
    assert "skipped line 12: OverflowError: int too large to convert to float\n" in err
    assert "skipped line 22: TypeError: feature 'cpu' is not a number\n" in err
    skipped = next(line for line in err.splitlines() if "skipped line 32" in line)
    assert "ValueError: bad \\x1b[2J value xxx" in skipped and len(skipped) < 260
    assert "samples=37" in err and "rejected=3" in err and "Traceback" not in err
    assert _lines_learned(ckpt) == 41  # the position went past them: the file's end
    alarms = out.read_text()
    # resumed with the rest of the file: none of them read again, no loop
    with open(feed, "a") as f:
        f.write("".join(f"{line}\n" for line in lines[41:]))
    code, err = _watch(capsys, *options, "--resume")
    assert code == 0 and "from sample 37" in err and "skipped" not in err, err
    assert "samples=47" in err and _lines_learned(ckpt) == 51
    assert out.read_text().startswith(alarms)


def test_a_huge_json_integer_is_imputed_not_a_crash(tmp_path, capsys):
    lines = [json.dumps({"cpu": (i % 7) / 7, "mem": 0.5}) for i in range(30)]
    lines[12] = '{"cpu": ' + "9" * 400 + ', "mem": 0.5}'
    feed = write(tmp_path / "feed.jsonl", lines)
    code, err = _watch(capsys, "--follow", str(feed))
    assert code == 0 and "samples=30" in err and "imputed=1" in err and "rejected=0" in err, err
