"""The live feeds: long lines, a followed file through truncation and rotation, skipping lines
already learned, parsing, and the position file that survives a crash between two saves."""

from __future__ import annotations

import math
import os

import pytest

from streamad.feeds import (
    MAX_LINE,
    BadRecord,
    FollowFile,
    LineBuffer,
    PositionError,
    Positions,
    RecordParser,
    StreamFeed,
    sidecar,
)


def _texts(feed, n: int, ticks: int = 500) -> list:
    """The next ``n`` lines (text) of an iterator over a feed, within ``ticks`` ticks."""
    out: list = []
    for line in feed:
        if line is None:
            ticks -= 1
            assert ticks, f"only {out} came"
            continue
        out.append(line.text)
        if len(out) == n:
            break
    return out


def test_a_line_over_the_limit_is_dropped_not_kept_in_memory():
    buffer = LineBuffer(max_line=10)
    assert buffer.feed(b"x" * 25) == []
    assert len(buffer._pending) == 0
    assert buffer.feed(b"yy\nok\n") == [(None, 28), (b"ok", 3)]
    assert MAX_LINE == 1 << 20


def test_stream_feed_skips_the_lines_a_checkpoint_has_learned():
    read, write = os.pipe()
    os.write(write, b"h\n1\n2\n3\n")
    os.close(write)
    lines = [line for line in StreamFeed(read, skip=2, poll=0.01) if line is not None]
    assert [(line.text, line.position["lines"]) for line in lines] == [("2", 3), ("3", 4)]


def test_followed_file_through_truncation_and_rotation(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("a\n1\n")
    feed = FollowFile(path, poll=0.01)
    lines = iter(feed)
    assert _texts(lines, 2) == ["a", "1"]
    path.write_text("a\n")  # truncated (copytruncate), then written again
    assert _texts(lines, 1) == ["a"]
    with open(path, "a") as f:
        f.write("2\n")
    assert _texts(lines, 1) == ["2"]
    assert any("truncated" in note or "shorter" in note for note in feed.notes)
    with open(path, "a") as f:
        f.write("3")  # an unfinished line: waits for its newline...
    path.rename(tmp_path / "log.csv.1")  # ...until the file is rotated away
    path.write_text("a\n4\n")
    assert _texts(lines, 3) == ["3", "a", "4"]
    assert any("rotated" in note for note in feed.notes)


def test_followed_file_resumes_right_after_a_position(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("a\n1\n2\n3\n")
    first = iter(FollowFile(path, poll=0.01))
    position = [line for line in (next(first) for _ in range(2))][-1].position
    again = iter(FollowFile(path, position["offset"], position["inode"], position["lines"], 0.01))
    assert _texts(again, 2) == ["2", "3"]
    other = tmp_path / "other.csv"  # another file under the name: read from its start
    other.write_text("a\n9\n")
    other.replace(path)
    fresh = FollowFile(path, position["offset"], position["inode"], poll=0.01)
    assert _texts(iter(fresh), 2) == ["a", "9"]


def test_records_from_json_and_csv():
    parser = RecordParser()
    assert parser.parse('{"ts": "t1", "cpu": "NaN", "mem": 2, "is_anomaly": 1}') == (
        {"cpu": pytest.approx(math.nan, nan_ok=True), "mem": 2.0},
        1,
        "t1",
    )
    assert "using column 'is_anomaly' as the 0/1 label" in parser.notes[0]
    for bad, fragment in [
        ("{not json", "not JSON"),
        ('{"cpu": [1]}', "is not a number"),
        ('{"cpu": "high"}', "'high' is not a number"),
        ("[1, 2]", "must hold an object"),
    ]:
        with pytest.raises(BadRecord, match=fragment):
            parser.parse(bad)
    csv = RecordParser(delimiter=";", label=None)
    assert csv.parse("a;b") is None and csv.parse("1;") == ({"a": 1.0, "b": math.nan}, None, None)
    with pytest.raises(BadRecord, match="3 fields where the header has 2"):
        csv.parse("1;2;3")
    with pytest.raises(ValueError, match="no label column 'y'"):
        RecordParser(label="y").parse("a,b")


def test_a_number_too_large_for_a_float_is_infinite_as_1e400_is():
    """A JSON integer of 400 digits raised OverflowError, and took the watch down with it."""
    parser = RecordParser()
    huge = "9" * 400
    assert parser.parse(f'{{"a": {huge}, "b": -{huge}, "c": 1e400, "d": 2}}') == (
        {"a": math.inf, "b": -math.inf, "c": math.inf, "d": 2.0},
        None,
        None,
    )
    csv = RecordParser()
    assert csv.parse("a,b") is None and csv.parse(f"{huge},1").x == {"a": math.inf, "b": 1.0}


def test_position_file_survives_a_crash_between_the_two_writes(tmp_path):
    ckpt = tmp_path / "m.ckpt"
    positions = Positions(sidecar(ckpt))
    positions.prepare({"n_seen": 40, "feed": {"lines": 41}})
    positions.prepare({"n_seen": 80, "feed": {"lines": 81}})  # ...and the checkpoint of 80?
    read = Positions.read(sidecar(ckpt))
    assert read.entry_for(40)["feed"] == {"lines": 41}  # the crash left the checkpoint of 40
    assert read.entry_for(80)["feed"] == {"lines": 81}  # the checkpoint of 80 was written
    with pytest.raises(PositionError, match="holds 120 samples, the position file knows of 40, 80"):
        read.entry_for(120)
    sidecar(ckpt).write_text("{")
    with pytest.raises(PositionError, match="unreadable"):
        Positions.read(sidecar(ckpt))


def test_resume_after_a_crash_inside_a_save(tmp_path, monkeypatch):
    """The monitor's save dies after the position file is written: the old pair still holds."""
    from streamad import Monitor
    from streamad.cli.checkpoints import Checkpointer, Output, resume

    monitor, path = Monitor(), str(tmp_path / "m.ckpt")
    out = Output(str(tmp_path / "alarms.jsonl"))
    saver = Checkpointer(path)
    for i in range(12):
        monitor.process_one({"a": float(i % 3)})
    saver.save(monitor, {"samples": 12, "feed": {"lines": 13}}, out)
    out.write('{"index": 12}')
    monitor.process_one({"a": 1.0})

    def crash(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(monitor, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        saver.save(monitor, {"samples": 13, "feed": {"lines": 14}}, out)
    out.close()
    loaded, _, entry = resume(path)
    assert loaded.n_seen == 12 and entry["feed"] == {"lines": 13} and entry["samples"] == 12
    Output(str(tmp_path / "alarms.jsonl"), entry["out_bytes"]).close()
    assert (tmp_path / "alarms.jsonl").read_text() == ""  # the alarm of sample 12 is taken back
