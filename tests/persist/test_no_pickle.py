"""Loading never unpickles: no torch.load, no pickle; old torch payloads are refused."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import pickle

import pytest
import torch

from streamad import Monitor, RollingDetector, persist
from streamad.persist import CheckpointError
from streamad.persist.checkpoint import MAGIC


def forbid(*_args, **_kwargs):
    raise AssertionError("loading a checkpoint unpickled something")


@contextlib.contextmanager
def unpickling_forbidden():
    """torch.load and every pickle entry point raise (numba's cache unpickles when learning)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch, "load", forbid)
        patch.setattr(torch.serialization, "load", forbid)
        for name in ("load", "loads", "Unpickler"):
            patch.setattr(pickle, name, forbid)
        yield


def test_a_state_loads_without_torch_load_or_pickle(tmp_path):
    state = {"weights": torch.ones(3, dtype=torch.float16), "n": 2, "dtype": torch.int64}
    persist.save(state, tmp_path / "c.ckpt", kind="Example")
    with unpickling_forbidden():
        loaded = persist.load(tmp_path / "c.ckpt", kind="Example")
    assert torch.equal(loaded["weights"], state["weights"]) and loaded["dtype"] is torch.int64


def test_a_detector_and_a_monitor_load_without_torch_load_or_pickle(tmp_path):
    detector, monitor = RollingDetector(window_size=3, hidden_size=2), Monitor()
    for i in range(60):
        x = {"a": float(i % 7), "b": float(i % 3)}
        detector.learn_one(x)
        monitor.process_one(x)
    detector.save(tmp_path / "d.ckpt")
    monitor.save(tmp_path / "m.ckpt")
    with unpickling_forbidden():
        loaded_detector = RollingDetector.load(tmp_path / "d.ckpt")
        loaded_monitor = Monitor.load(tmp_path / "m.ckpt")
    x = {"a": 2.0, "b": 1.0}
    assert loaded_detector.score_one(x) == detector.score_one(x)
    assert loaded_monitor.process_one(x).score == monitor.process_one(x).score


def version_1_file(path, state: dict, kind: str) -> None:
    """A checkpoint as streamad wrote it before format version 2: a torch.save payload."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    digest = hashlib.sha256(f"1\n{kind}\n{len(payload)}\n".encode() + payload).hexdigest()
    header = {"version": 1, "kind": kind, "size": len(payload), "sha256": digest}
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)


def test_a_version_1_file_is_refused_as_an_older_format_without_unpickling(tmp_path):
    path = tmp_path / "old.ckpt"
    version_1_file(path, {"weights": torch.zeros(2)}, kind="Example")
    with unpickling_forbidden(), pytest.raises(CheckpointError, match="older.*version 1") as info:
        persist.load(path, kind="Example")
    assert str(path) in str(info.value)


def test_pickled_code_in_an_old_payload_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.ckpt"
    version_1_file(path, {"x": Payload()}, kind="RollingDetector")
    with pytest.raises(CheckpointError, match="version 1"):
        RollingDetector.load(path)
    assert not marker.exists()
