"""Running the ``streamad`` command in a subprocess, and streams to feed it."""

from __future__ import annotations

import math
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "streamad.cli"]
#: A small, quick model whose fixed threshold alarms on the spikes of `rows` (and in warm-up).
SMALL = ["--module", "srivastava", "--window", "5", "--hidden", "4"]
SMALL += ["--threshold", "fixed", "--value", "2.5"]
SPIKES = {150: 9.0, 320: -7.0, 470: 8.0}


def rows(n: int, spikes: dict[int, float] | None = None) -> list[str]:
    """CSV lines ``time,cpu,mem`` of a sine and a cosine, with spikes in cpu; header first."""
    spikes = SPIKES if spikes is None else spikes
    lines = ["time,cpu,mem"]
    for i in range(n):
        cpu = spikes.get(i, math.sin(i / 5))
        lines.append(f"{i},{cpu:.5f},{math.cos(i / 7):.5f}")
    return lines


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


class Process:
    """A ``streamad`` subprocess whose stderr lines are collected by a thread."""

    def __init__(self, args: list[str], stdin: int | None = None, **kwargs: object) -> None:
        self.proc = subprocess.Popen(
            [*COMMAND, *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,  # type: ignore[arg-type]
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.out: list[str] = []
        self.readers = [
            threading.Thread(target=self._read_err, daemon=True),
            threading.Thread(target=self._read_out, daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)
            self.lines.put(line)

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line)

    def wait_for(self, fragment: str, timeout: float = 60.0) -> str:
        """The first stderr line holding ``fragment`` (fails after ``timeout`` seconds)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            if fragment in line:
                return line
        raise AssertionError(f"no {fragment!r} on stderr: {''.join(self.err)}")

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        """Exit status, stdout and stderr once the process ends."""
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        for reader in self.readers:
            reader.join(timeout=5)
        return self.proc.returncode, "".join(self.out), "".join(self.err)


def wait_until(check, timeout: float = 60.0, every: float = 0.02) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(every)
    raise AssertionError("timed out waiting")
