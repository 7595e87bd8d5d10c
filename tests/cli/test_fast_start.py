"""`streamad --help`, `--version` and argument errors load no model code: no torch, no River.

The first test loads streamad.cli under a bare `streamad` package, so that it checks the CLI's own
imports whatever streamad/__init__.py imports; the second runs the real entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import streamad

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "river", "deep_river", "numpy", "streamad.monitor", "streamad.detector")

CALLS = """
import io, json, sys, contextlib
from streamad.cli import main
codes = []
for argv in (["--help"], ["--version"], ["replay", "--help"], ["watch", "--help"],
             ["replay", "--window", "0"], ["watch", "--every", "x"], ["nonsense"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        codes.append(main(argv))
print(json.dumps({"codes": codes, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""

BARE = """
import sys, types
package = types.ModuleType("streamad")
package.__path__ = [{path!r}]
package.__version__ = "0"
sys.modules["streamad"] = package
"""


def _run(prelude: str) -> dict:
    code = f"HEAVY = {HEAVY!r}\n{prelude}\n{CALLS}"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_the_cli_imports_no_model_code_for_help_version_and_bad_options():
    result = _run(BARE.format(path=str(ROOT / "streamad")))
    assert result == {"codes": [0, 0, 0, 0, 2, 2, 2], "heavy": []}


@pytest.mark.skipif(
    not hasattr(streamad, "__getattr__"),  # without it, `import streamad` imports torch
    reason="streamad/__init__.py imports everything eagerly: needs lazy re-exports (#12)",
)
def test_the_console_entry_point_imports_no_torch_for_help():
    result = _run("")
    assert result["codes"] == [0, 0, 0, 0, 2, 2, 2]
    assert result["heavy"] == []


def test_the_warm_up_probe_goes_past_the_monitors_own_warm_up():
    """Reported: fed three samples, the probe stayed inside the monitor's 16-sample warm-up, so
    the model was first built by the stream's 17th sample."""
    from streamad import Monitor, RollingDetector
    from streamad.cli.build import warm_up

    monitor = Monitor(RollingDetector(window_size=3, hidden_size=2))
    probe = warm_up(monitor)
    assert probe.detector_.module_ is not None and not probe.warming_up
    assert monitor.n_seen == 0 and monitor.detector_.module_ is None  # the monitor untouched
