"""persist.save/load: round trips, and one clear CheckpointError for every broken file."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch

from streamad import persist
from streamad.persist import CheckpointError
from streamad.persist.checkpoint import MAGIC, VERSION

WEIGHTS = torch.arange(1000, dtype=torch.float32) / 7  # distinctive bytes to find in the file


def state() -> dict:
    return {
        "format": "example/1",
        "weights": WEIGHTS,
        "params": {"lr": 0.01, "sizes": (8, 4), "name": None, "flag": True, "raw": b"\x00\xff"},
        "ordered": OrderedDict(a=torch.ones(2, dtype=torch.int64)),
        "meta": [torch.float16, torch.device("cpu"), torch.Size([2, 3]), {1: "one"}],
    }


def equal(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(equal, a, b))
    return type(a) is type(b) and a == b


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "ckpt.pt"
    persist.save(state(), path, kind="Example")
    return path


def refused(path, match: str, kind: str = "Example") -> CheckpointError:
    with pytest.raises(CheckpointError, match=match) as info:
        persist.load(path, kind=kind)
    assert str(path) in str(info.value)
    return info.value


def test_round_trip_keeps_every_plain_type(saved):
    assert equal(persist.load(saved, kind="Example"), state())
    first, second = saved.read_bytes().split(b"\n", 2)[:2]
    assert first + b"\n" == MAGIC
    header = json.loads(second)
    assert (header["version"], header["kind"]) == (2, "Example") and VERSION == 2
    assert len(header["sha256"]) == 64


def test_a_folder_is_created_and_nothing_else_is_left(tmp_path):
    path = tmp_path / "a" / "b" / "ckpt.pt"
    persist.save(state(), path, kind="Example")
    persist.save(state(), path, kind="Example")
    assert [p.name for p in path.parent.iterdir()] == ["ckpt.pt"]


def test_missing_empty_garbage_folder_and_bare_torch_files_are_refused(tmp_path):
    refused(tmp_path / "absent.pt", "no such file")
    (tmp_path / "empty.pt").write_bytes(b"")
    refused(tmp_path / "empty.pt", "empty")
    (tmp_path / "garbage.pt").write_bytes(bytes(range(256)) * 10)
    refused(tmp_path / "garbage.pt", "not a streamad checkpoint")
    (tmp_path / "text.pt").write_text("hello\n")
    refused(tmp_path / "text.pt", "not a streamad checkpoint")
    (tmp_path / "folder.pt").mkdir()
    refused(tmp_path / "folder.pt", "cannot read")
    torch.save(state(), tmp_path / "bare.pt")
    refused(tmp_path / "bare.pt", "bare torch file")


@pytest.mark.parametrize("cut", [1, 10, len(MAGIC), len(MAGIC) + 5, -4000, -1000, -100, -1])
def test_truncated_files_are_refused(saved, cut):
    saved.write_bytes(saved.read_bytes()[:cut])
    refused(saved, "truncated")


def flip_positions(data: bytes) -> dict[str, int]:
    tensor = data.find(WEIGHTS.numpy().tobytes())
    assert tensor > 0
    header = data.index(b"\n", len(MAGIC))
    return {
        "magic": 0,
        "header version": data.index(b'"version":2') + len('"version":'),
        "header kind": data.index(b"Example") + 2,
        "header size": data.index(b'"size":') + len('"size":') + 1,
        "header checksum": data.index(b'"sha256":"') + 20,
        "header newline": header,
        "payload start": header + 1,
        "tree tag": data.index(b'"$":"tensor"') + 2,
        "tree shape": data.index(b'"shape":[1000]') + 10,
        "tree end": data.index(b"\n", header + 1),
        "tensor data start": tensor,
        "tensor data middle": tensor + 2001,
        "tensor data end": tensor + WEIGHTS.numel() * 4 - 1,
        "last byte": len(data) - 1,
    }


def test_a_flipped_byte_anywhere_is_refused(saved):
    data = saved.read_bytes()
    for where, position in flip_positions(data).items():
        for bit in (0x01, 0x20, 0x80):
            corrupt = bytearray(data)
            corrupt[position] ^= bit
            saved.write_bytes(bytes(corrupt))
            with pytest.raises(CheckpointError) as info:
                persist.load(saved, kind="Example")
            assert str(saved) in str(info.value), where


def test_a_flip_in_the_tensor_data_is_a_checksum_mismatch(saved):
    data = bytearray(saved.read_bytes())
    data[data.find(WEIGHTS.numpy().tobytes()) + 1234] ^= 0x10
    saved.write_bytes(bytes(data))
    refused(saved, "checksum mismatch")


def test_bytes_appended_are_refused(saved):
    saved.write_bytes(saved.read_bytes() + b"\x00")
    refused(saved, "corrupt")


def test_a_checkpoint_of_another_kind_is_refused(saved):
    error = refused(saved, "kind 'Example', not 'Monitor'", kind="Monitor")
    assert "checksum" not in str(error)


def rewrite(path, header: dict, payload: bytes) -> None:
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)


def signed(kind: str, payload: bytes, version: int = VERSION) -> dict:
    digest = hashlib.sha256(f"{version}\n{kind}\n{len(payload)}\n".encode() + payload)
    return {"version": version, "kind": kind, "size": len(payload), "sha256": digest.hexdigest()}


def test_an_unsupported_version_and_a_bad_header_are_refused(tmp_path):
    path = tmp_path / "ckpt.pt"
    rewrite(path, signed("Example", b"x", version=3), b"x")
    refused(path, "version 3 is not supported")
    rewrite(path, {"version": 2, "kind": "Example"}, b"x")
    refused(path, "corrupt header")
    path.write_bytes(MAGIC + b"[1, 2]\n")
    refused(path, "corrupt header")
    path.write_bytes(MAGIC + b"{" * 5000)
    refused(path, "header")


def test_a_payload_with_pickled_code_runs_nothing_even_with_a_valid_checksum(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buffer = io.BytesIO()
    torch.save({"x": Payload()}, buffer)
    path = tmp_path / "evil.pt"
    rewrite(path, signed("Example", buffer.getvalue()), buffer.getvalue())
    refused(path, "malformed payload")
    assert not marker.exists()


def test_a_payload_that_is_not_a_dict_is_refused(tmp_path):
    path = tmp_path / "list.pt"
    rewrite(path, signed("Example", b"[1,2]\n"), b"[1,2]\n")
    refused(path, "not a dict")


@pytest.mark.parametrize(
    "value, where",
    [
        (np.zeros(2), "state['params']['value']"),
        (np.float64(1.0) + 1j, "state['params']['value']"),
        (torch.optim.Adam, "state['params']['value']"),
        ([1, 2, {3}], "state['params']['value'][2]"),
        (1 + 2j, "state['params']['value']"),
    ],
)
def test_save_refuses_what_would_not_load_and_says_where(tmp_path, value, where):
    with pytest.raises(TypeError, match="^" + re.escape(f"{where} is a ")):
        persist.save({"params": {"value": value}}, tmp_path / "x.pt", kind="Example")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_a_bad_kind_or_state(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        persist.save({}, tmp_path / "x.pt", kind="")
    with pytest.raises(TypeError, match="dict"):
        persist.save([1], tmp_path / "x.pt", kind="Example")
