"""The first save of a Monitor builds no optimizer: torch's optimizers import torch._dynamo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import json, sys
from streamad import Monitor
from streamad.synth import SineWithSpikes
xs = [x for x, _ in SineWithSpikes(n=80, spikes=((60, 9.0),))]
monitor = Monitor()
for x in xs[:50]:
    monitor.process_one(x)
monitor.save({path!r})
saved = "torch._dynamo" in sys.modules
again = Monitor.load({path!r})
loaded = "torch._dynamo" in sys.modules
ours = [monitor.process_one(x).score for x in xs[50:]]
theirs = [again.process_one(x).score for x in xs[50:]]
print(json.dumps({{"saved": saved, "loaded": loaded, "same": ours == theirs}}))
"""


def test_saving_and_loading_a_monitor_import_no_torch_dynamo(tmp_path):
    """Reported: the first Monitor.save() took 1.2 s: it built the SGD optimizer (which the
    compiled kernel never needs) to save its fresh state, and building one imports
    torch._dynamo."""
    code = CODE.format(path=str(tmp_path / "monitor.ckpt"))
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result == {"saved": False, "loaded": False, "same": True}
