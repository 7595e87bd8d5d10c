"""Atomic saves: kill -9 in the middle of saves never leaves a broken file or temporaries."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from streamad import persist
from streamad.persist import atomic

posix_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")


def temps(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def with_pid(name: str, pid: int) -> str:
    head, _, token, tmp = name.rsplit(".", 3)  # .<target>.streamad.<host>.<pid>.<token>.tmp
    return f"{head}.{pid}.{token}.{tmp}"


@posix_only
def test_stale_temporaries_in_the_folder_are_removed_and_others_kept(tmp_path):
    gone = dead_pid()
    dead = [tmp_path / with_pid(atomic.temp_name(name), gone) for name in ("x.pt", "y.pt")]
    running = tmp_path / atomic.temp_name("x.pt")  # this process: a save still going on
    old = tmp_path / atomic.temp_name("x.pt")
    elsewhere = tmp_path / atomic.temp_name("x.pt").replace(atomic._HOST, "other-host")
    others = [tmp_path / ".x.pt.notes.tmp", tmp_path / with_pid(".x.pt.1.12345678.tmp", gone)]
    for path in [*dead, running, old, elsewhere, *others]:
        path.write_bytes(b"partial")
    hours_ago = time.time() - 2 * atomic.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    persist.save({"a": 1}, tmp_path / "x.pt", kind="Example")
    assert temps(tmp_path) == sorted(p.name for p in [running, elsewhere, *others])
    assert persist.load(tmp_path / "x.pt", kind="Example") == {"a": 1}


@posix_only
def test_kill_9_mid_save_leaves_the_old_or_the_new_checkpoint_and_no_temporary(tmp_path):
    path = tmp_path / "big.pt"
    big = [torch.full((4_000_000,), float(i)) for i in range(2)]  # 16 MB each
    persist.save({"n": 0, "w": big[0]}, path, kind="Big")
    rng = random.Random(0)
    last, kills, mid_write = 0, 0, 0
    deadline = time.monotonic() + 12
    while kills < 25 and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:  # the child saves new states until it is killed
            try:
                n = last + 1
                while True:
                    persist.save({"n": n, "w": big[n % 2]}, path, kind="Big")
                    n += 1
            finally:
                os._exit(1)  # never return into pytest
        time.sleep(rng.uniform(0.02, 0.3))
        if kills % 2:  # every other kill waits until the child is writing
            writing = time.monotonic() + 2
            while not any(f".{pid}." in name for name in temps(tmp_path)):
                assert time.monotonic() < writing, "the child never started writing"
                time.sleep(0.001)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        kills += 1
        mid_write += bool(temps(tmp_path))
        state = persist.load(path, kind="Big")  # complete, never a mix of old and new
        assert state["n"] >= last and torch.equal(state["w"], big[state["n"] % 2])
        last = state["n"]
    print(f"{kills} kills, {mid_write} in the middle of a write, {last} saves completed")
    assert last > 0  # saves completed between kills
    assert mid_write >= kills // 3  # and kills landed in the middle of writes
    persist.save({"n": -1, "w": big[0]}, path, kind="Big")
    assert [p.name for p in tmp_path.iterdir()] == ["big.pt"]
    assert persist.load(path, kind="Big")["n"] == -1
