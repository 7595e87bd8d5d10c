"""`streamad --help`, `--version` and argument errors load no model code: no torch, no River;
`replay` and `watch` load neither scikit-learn nor River's data sets.

The first test loads streamad.cli under a bare `streamad` package, so that it checks the CLI's own
imports whatever streamad/__init__.py imports; the second runs the real entry point.
"""

from __future__ import annotations

import json
import os
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


LEAN = """
import contextlib, io, json, sys
from streamad.cli import main
import streamad.cli.watch, streamad.feeds
from streamad import Monitor, datasets, synth
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(["replay", "--limit", "40", "--quiet"])
deferred = sys.modules.get("river.datasets")
print(json.dumps({
    "code": code,
    "sklearn": sorted(m for m in sys.modules if m.split(".")[0] == "sklearn")[:3],
    "river_datasets_ran": deferred is not None and "CreditCard" in vars(deferred),
    "river_data_sets": sorted(m for m in sys.modules if m.startswith("river.datasets.")),
}))
"""


def test_replay_and_watch_import_neither_scikit_learn_nor_rivers_data_sets():
    """Reported: `streamad replay` spent seconds before its first sample importing River's data
    sets and, through them, scikit-learn, which no run uses."""
    env = {**os.environ, "STREAMAD_KERNEL": "numpy"}  # (no compile: imports are the point)
    run = subprocess.run(
        [sys.executable, "-c", LEAN], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result == {
        "code": 0,
        "sklearn": [],
        "river_datasets_ran": False,
        "river_data_sets": ["river.datasets.base"],  # River's other packages subclass its base
    }


def test_rivers_data_sets_still_load_when_asked_for():
    code = (
        "import streamad.monitor, sys\n"
        "from river import datasets, stream\n"
        "print(datasets.Phishing.__name__, callable(stream.iter_csv), 'sklearn' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.split() == ["Phishing", "True", "True"], run.stderr


EXIT = """
import atexit, contextlib, gc, io
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))  # runs last
from streamad.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    codes = [main(["replay", "--limit", "30", "--quiet"]) for _ in range(2)]
print("codes:", codes, "frozen before exit:", gc.get_freeze_count() > 0)
"""


def test_a_command_keeps_its_objects_out_of_the_last_garbage_collections():
    """Reported: after its work, a run spent seconds at exit walking torch's, scipy's and
    pandas' objects (2.6-3 s on busy cores)."""
    env = {**os.environ, "STREAMAD_KERNEL": "numpy"}
    run = subprocess.run(
        [sys.executable, "-c", EXIT], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-2:] == [
        "codes: [0, 0] frozen before exit: False",
        "frozen at exit: True",
    ]
