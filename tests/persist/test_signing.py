"""A key signs checkpoints (HMAC-SHA256): only files signed with that key load while it is set."""

from __future__ import annotations

import pytest
import torch

from streamad import persist
from streamad.persist import CheckpointError
from tests.persist import tamper

WEIGHTS = torch.arange(64, dtype=torch.float32) / 3
KEY = "a long random secret, 0f3c9a1e7d"


def saved(path, **key) -> None:
    persist.save({"weights": WEIGHTS, "step": 4}, path, kind="Example", **key)


def refused(path, match: str, **key) -> None:
    with pytest.raises(CheckpointError, match=match) as info:
        persist.load(path, kind="Example", **key)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("key", [KEY, KEY.encode()], ids=["str", "bytes"])
def test_a_signed_round_trip(tmp_path, key):
    saved(tmp_path / "c.ckpt", key=key)
    header, _ = tamper.split(tmp_path / "c.ckpt")
    assert len(header["hmac"]) == 64 and KEY not in str(header)
    state = persist.load(tmp_path / "c.ckpt", kind="Example", key=KEY)
    assert torch.equal(state["weights"], WEIGHTS) and state["step"] == 4


def test_the_key_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STREAMAD_CHECKPOINT_KEY", KEY)
    saved(tmp_path / "c.ckpt")
    assert "hmac" in tamper.split(tmp_path / "c.ckpt")[0]
    assert persist.load(tmp_path / "c.ckpt", kind="Example")["step"] == 4
    monkeypatch.delenv("STREAMAD_CHECKPOINT_KEY")
    refused(tmp_path / "c.ckpt", "signed with a key")


def test_a_wrong_key_or_no_key_is_refused(tmp_path):
    saved(tmp_path / "c.ckpt", key=KEY)
    refused(tmp_path / "c.ckpt", "signed with another key", key="another key")
    refused(tmp_path / "c.ckpt", "signed with a key")


def test_an_unsigned_file_is_refused_while_a_key_is_set(tmp_path, monkeypatch):
    saved(tmp_path / "c.ckpt")
    assert "hmac" not in tamper.split(tmp_path / "c.ckpt")[0]
    refused(tmp_path / "c.ckpt", "not signed", key=KEY)
    monkeypatch.setenv("STREAMAD_CHECKPOINT_KEY", KEY)
    refused(tmp_path / "c.ckpt", "not signed")


def test_a_weight_changed_with_the_checksum_recomputed_is_refused_when_signed(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("STREAMAD_CHECKPOINT_KEY", KEY)
    saved(tmp_path / "c.ckpt")
    tampered = WEIGHTS.clone()
    tampered[5] = 1e6
    tamper.rewrite(tmp_path / "c.ckpt", WEIGHTS.numpy().tobytes(), tampered.numpy().tobytes())
    refused(tmp_path / "c.ckpt", "signature mismatch")


def test_without_a_key_the_checksum_only_catches_damage(tmp_path):
    """Honest about the limit: someone who can rewrite the file can recompute the checksum."""
    saved(tmp_path / "c.ckpt")
    tampered = WEIGHTS.clone()
    tampered[5] = 1e6
    tamper.rewrite(tmp_path / "c.ckpt", WEIGHTS.numpy().tobytes(), tampered.numpy().tobytes())
    assert persist.load(tmp_path / "c.ckpt", kind="Example")["weights"][5] == 1e6


def test_stripping_the_signature_or_changing_the_kind_does_not_help(tmp_path):
    saved(tmp_path / "c.ckpt", key=KEY)
    header, payload = tamper.split(tmp_path / "c.ckpt")
    unsigned = {k: v for k, v in header.items() if k not in ("hmac", "key_id")}
    tamper.write(tmp_path / "c.ckpt", unsigned, payload)
    refused(tmp_path / "c.ckpt", "not signed", key=KEY)
    header = {**header, "kind": "Other"}
    header["sha256"] = tamper.checksum(header["version"], "Other", payload)
    tamper.write(tmp_path / "c.ckpt", header, payload)
    with pytest.raises(CheckpointError, match="signature mismatch"):
        persist.load(tmp_path / "c.ckpt", kind="Other", key=KEY)


def test_an_empty_key_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="empty"):
        saved(tmp_path / "c.ckpt", key="")
    monkeypatch.setenv("STREAMAD_CHECKPOINT_KEY", "")
    with pytest.raises(ValueError, match="STREAMAD_CHECKPOINT_KEY"):
        saved(tmp_path / "c.ckpt")
    assert not (tmp_path / "c.ckpt").exists()


def test_a_detector_and_a_monitor_are_signed_with_the_key_in_the_environment(tmp_path, monkeypatch):
    from streamad import Monitor, RollingDetector, _monitor_state, _state

    detector, monitor = RollingDetector(window_size=3, hidden_size=2), Monitor()
    for i in range(30):
        detector.learn_one({"a": float(i % 4)})
        monitor.process_one({"a": float(i % 4)})
    monkeypatch.setenv("STREAMAD_CHECKPOINT_KEY", KEY)
    detector.save(tmp_path / "d.ckpt")
    monitor.save(tmp_path / "m.ckpt")
    assert RollingDetector.load(tmp_path / "d.ckpt").n_learned == 30
    assert Monitor.load(tmp_path / "m.ckpt").n_seen == 30
    monkeypatch.setenv("STREAMAD_CHECKPOINT_KEY", "another key")
    with pytest.raises(CheckpointError, match="another key"):
        RollingDetector.load(tmp_path / "d.ckpt")
    with pytest.raises(CheckpointError, match="another key"):
        Monitor.load(tmp_path / "m.ckpt")
    # the state layers take a key too (what `key=` on save/load would pass on)
    assert _state.load(RollingDetector, tmp_path / "d.ckpt", key=KEY).n_learned == 30
    assert _monitor_state.load(Monitor, tmp_path / "m.ckpt", key=KEY.encode()).n_seen == 30
    _state.save(detector, tmp_path / "d2.ckpt", key="third")
    with pytest.raises(CheckpointError, match="another key"):
        _state.load(RollingDetector, tmp_path / "d2.ckpt", key=KEY)
