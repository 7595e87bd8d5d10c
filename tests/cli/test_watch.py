"""`streamad watch` end to end: a pipe; a followed file killed with SIGKILL mid-stream and
resumed; a socket stopped with SIGTERM and resumed from a resent stream. Each resumed run writes
exactly the alarm lines of the uninterrupted run, and ends in exactly its state.

The runs are started together, in two rounds, to keep the wall time down: each process spends
most of its time importing torch.
"""

from __future__ import annotations

import functools
import json
import signal
import socket
import subprocess
from types import SimpleNamespace

import pytest

from tests.cli.helpers import SMALL, Process, rows, wait_until, write

SPIKES = {150: 9.0, 290: -7.0, 370: 8.0}
N = 420


def _lines() -> list[str]:
    lines = rows(N, SPIKES)
    lines[1 + 100] = "100,,0.5"  # an empty cell: imputed
    lines[1 + 200] = "200,high,0.3"  # text: the line is skipped
    lines[1 + 250] = "250,inf,0.2"  # not finite: imputed
    return lines


LINES = _lines()
FIRST = 1 + 300  # the header and rows 0..299: what the interrupted runs see first


def _text(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _alarms(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _send(port: int, lines: list[str]) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sender:
        sender.sendall(_text(lines).encode())


def _port(run: Process) -> int:
    line = run.wait_for("watching tcp 127.0.0.1:")
    return int(line.split("127.0.0.1:")[1].split()[0])


def _written(path) -> bool:
    """Whether the alarm of the spike at row 290 is in ``path`` (samples after the last
    checkpoint, at 280, have been scored and written)."""
    return path.exists() and '"time": "290"' in path.read_text()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("watch")
    done = SimpleNamespace(tmp=tmp)
    # round 1: the reference through a pipe; a followed file and a socket, each interrupted
    reference = Process(
        ["watch", *SMALL, "--checkpoint", str(tmp / "ref.ckpt"), "--status-every", "0"],
        stdin=subprocess.PIPE,
    )
    data = write(tmp / "feed.csv", LINES[:FIRST])
    follow = [*SMALL, "--follow", str(data), "--out", str(tmp / "follow.jsonl")]
    follow += ["--checkpoint", str(tmp / "follow.ckpt"), "--every", "40", "--status-every", "0"]
    listen = [*SMALL, "--listen", "0", "--out", str(tmp / "socket.jsonl")]
    listen += ["--checkpoint", str(tmp / "socket.ckpt"), "--every", "40", "--status-every", "0"]
    followed, listening = Process(["watch", *follow]), Process(["watch", *listen])
    assert reference.proc.stdin is not None
    reference.proc.stdin.write(_text(LINES))
    reference.proc.stdin.close()
    _send(_port(listening), LINES[:FIRST])
    wait_until(lambda: _written(tmp / "follow.jsonl"), timeout=120)
    followed.proc.send_signal(signal.SIGKILL)
    wait_until(lambda: _written(tmp / "socket.jsonl"), timeout=120)
    listening.proc.send_signal(signal.SIGTERM)  # a final checkpoint, then exit 0
    done.reference = reference.finish(timeout=120)
    done.killed = followed.finish()
    done.stopped = listening.finish()
    # round 2: both resumed; the file grows, the sender sends its whole stream again
    with open(data, "a") as f:
        f.write(_text(LINES[FIRST:]))
    resumed = Process(["watch", *follow, "--resume", "--idle-timeout", "0.5"])
    relistening = Process(["watch", *listen, "--resume", "--idle-timeout", "0.5"])
    _send(_port(relistening), LINES)
    done.resumed = resumed.finish(timeout=120)
    done.relistened = relistening.finish(timeout=120)
    return done


def test_pipe_writes_one_json_line_per_alarm(runs):
    code, out, err = runs.reference
    assert code == 0, err
    alarms = _alarms(out)
    assert {"150", "290", "370"} <= {alarm["time"] for alarm in alarms}  # every spike
    spike = next(a for a in alarms if a["time"] == "150")
    assert spike["score"] > spike["threshold"] == 2.5
    assert spike["features"][0][0] == "cpu" and 0.5 < spike["features"][0][1] <= 1.0
    assert set(spike) >= {"index", "time", "score", "threshold", "imputed", "clipped", "events"}
    assert "skipped line 202: column 'cpu': 'high' is not a number" in err
    assert f"samples={N - 1}" in err and "imputed=2" in err and "Traceback" not in err


def test_pipe_alarms_match_the_monitor_api(runs):
    """The CLI runs the Monitor of the API: its defaults, with the options given."""
    from streamad import Monitor
    from streamad.feeds import BadRecord, RecordParser
    from streamad.modules import Srivastava
    from streamad.thresholds import FixedThreshold

    small = {"module": Srivastava, "window_size": 5, "hidden_size": 4}
    monitor = Monitor(
        detector=Monitor().detector_.clone(small),
        threshold=functools.partial(FixedThreshold, threshold=2.5),
    )
    parser, expected = RecordParser(), []
    for line in LINES:
        try:
            record = parser.parse(line)
        except BadRecord:
            continue
        if record is not None and monitor.process_one(record.x).is_alarm:
            expected.append(record.time)
    assert [alarm["time"] for alarm in _alarms(runs.reference[1])] == expected


def _same_state(a, b) -> None:
    from streamad import Monitor

    first, second = Monitor.load(a), Monitor.load(b)
    assert (first.n_seen, first.n_alarms) == (second.n_seen, second.n_alarms)
    probe = {"cpu": 0.3, "mem": -0.2}
    assert first.score_one(probe) == second.score_one(probe)


def test_followed_file_killed_and_resumed_loses_and_repeats_nothing(runs):
    assert runs.killed[0] == -signal.SIGKILL
    code, _, err = runs.resumed
    assert code == 0, err
    assert "watching file" in err and "from sample 280" in err
    assert _alarms((runs.tmp / "follow.jsonl").read_text()) == _alarms(runs.reference[1])
    _same_state(runs.tmp / "follow.ckpt", runs.tmp / "ref.ckpt")


def test_socket_stopped_by_sigterm_and_resumed_from_a_resent_stream(runs):
    code, _, err = runs.stopped
    assert code == 0 and "stopped (signal); saved to" in err, err
    code, _, err = runs.relistened
    assert code == 0, err
    assert "lines: the checkpoint has learned them" in err
    assert _alarms((runs.tmp / "socket.jsonl").read_text()) == _alarms(runs.reference[1])
    _same_state(runs.tmp / "socket.ckpt", runs.tmp / "ref.ckpt")


def test_listen_refuses_a_busy_port_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = Process(["watch", "--listen", str(port)]).finish()
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"streamad: error: cannot listen on 127.0.0.1:{port}")
