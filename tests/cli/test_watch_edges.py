"""`streamad watch` at its edges: a line the monitor cannot take is skipped, not a crash loop;
one live watcher per checkpoint; a resume that would start afresh over kept alarms refuses."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from streamad.cli import main
from streamad.feeds import Positions, sidecar
from tests.cli.helpers import SMALL, Process, rows, wait_until, write

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


def _files(*paths) -> list[bytes | None]:
    return [path.read_bytes() if path.exists() else None for path in paths]


def test_one_live_watcher_per_checkpoint_and_no_stale_lock_after_kill_9(tmp_path, capsys):
    ckpt, out = tmp_path / "m.ckpt", tmp_path / "alarms.jsonl"
    lines = rows(60, {30: 9.0, 59: 9.0})
    feed = write(tmp_path / "feed.csv", lines)
    options = ["--checkpoint", str(ckpt), "--out", str(out)]
    first = Process(["watch", *SMALL, *options, "--status-every", "0"], stdin=subprocess.PIPE)
    try:
        assert first.proc.stdin is not None
        first.proc.stdin.write("".join(f"{line}\n" for line in lines))
        first.proc.stdin.flush()  # and kept open: the first watch stays live
        wait_until(lambda: out.exists() and '"time": "59"' in out.read_text(), timeout=180)
        before = _files(ckpt, sidecar(ckpt), out)
        for resume in ([], ["--resume"]):
            code, err = _watch(capsys, *options, "--follow", str(feed), *resume)
            assert code == 2 and err.count("\n") == 1, err
            assert err.startswith(
                f"streamad: error: --checkpoint {ckpt} is in use by another streamad watch "
                f"(process {first.proc.pid}; its lock: {ckpt}.lock)"
            )
            assert _files(ckpt, sidecar(ckpt), out) == before  # nothing written
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.finish()
    code, err = _watch(capsys, *options, "--follow", str(feed), "--resume")
    assert code == 0, err  # the lock died with its holder


@pytest.fixture
def watched(tmp_path, capsys):
    """A checkpoint, its position file and an alarm file with alarms in it."""
    ckpt, out = tmp_path / "m.ckpt", tmp_path / "alarms.jsonl"
    feed = write(tmp_path / "feed.csv", rows(60, {30: 9.0}))
    options = ["--checkpoint", str(ckpt), "--out", str(out), "--follow", str(feed)]
    code, err = _watch(capsys, *options)
    assert code == 0 and out.stat().st_size > 0, err
    return ckpt, out, options


def _refused(capsys, options, fragment: str, *files) -> None:
    before = _files(*files)
    code, err = _watch(capsys, *options, "--resume")
    assert code == 2 and err.count("\n") == 1 and fragment in err, err
    assert _files(*files) == before  # --out not emptied, nothing written


def test_resume_without_the_checkpoint_refuses_to_empty_the_alarms(watched, capsys):
    ckpt, out, options = watched
    ckpt.unlink()
    _refused(
        capsys,
        options,
        f"--resume: the checkpoint {ckpt} is missing, but its position file {sidecar(ckpt)} is "
        "there: put the checkpoint back to continue, or remove the position file and move "
        f"--out {out} away to start afresh",
        out,
        sidecar(ckpt),
    )
    sidecar(ckpt).unlink()  # both gone, the alarms kept: still refused
    size = out.stat().st_size
    _refused(capsys, options, f"--out {out} holds {size:,} bytes of alarms", out)
    out.rename(out.with_suffix(".old"))  # as the message says: a start afresh
    code, err = _watch(capsys, *options, "--resume")
    assert code == 0 and "starting afresh" in err and out.stat().st_size > 0, err


def test_resume_without_the_position_file_refuses(watched, capsys):
    ckpt, out, options = watched
    sidecar(ckpt).unlink()
    fragment = f"--resume: the checkpoint {ckpt} has no position file {sidecar(ckpt)}"
    _refused(capsys, options, fragment, out, ckpt)
