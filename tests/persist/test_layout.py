"""The payload layout: every plain type round trips; a crafted tree (valid checksum) is refused."""

from __future__ import annotations

import json
import math
import struct
from collections import OrderedDict

import pytest
import torch

from streamad import persist
from streamad.persist import CheckpointError
from streamad.persist.layout import decode, encode, swap_bytes
from tests.persist import tamper


@pytest.mark.parametrize(
    "dtype",
    [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
    + [torch.float16, torch.bfloat16, torch.float32, torch.float64]
    + [torch.complex64, torch.complex128],
)
def test_every_tensor_dtype_round_trips_bit_for_bit(dtype):
    values = torch.arange(-6, 6).reshape(3, 4).to(dtype)
    parameter = torch.nn.Parameter(values, requires_grad=dtype.is_floating_point)
    for tensor in (values, values.t(), values[0, 0], values[:0], parameter):
        back = decode(b"".join(encode({"t": tensor})))["t"]
        assert back.dtype == dtype and back.shape == tensor.shape
        assert torch.equal(back, tensor) and type(back) is type(tensor)
        assert back.requires_grad == tensor.requires_grad


def test_plain_types_round_trip_and_the_tree_is_readable_json():
    state = {
        "$": "not a tag",
        "nan": math.nan,
        "inf": -math.inf,
        "big": 2**70,
        "tuple": (1, (2.5, None)),
        "bytes": b"\x00\xff",
        1: "one",
        (2, "b"): OrderedDict(z=1, a=2),
        "torch": [torch.float16, torch.device("cpu"), torch.Size([2, 3])],
    }
    payload = b"".join(encode(state))
    back = decode(payload)
    assert math.isnan(back.pop("nan")) and math.isnan(state.pop("nan"))
    assert back == state and type(back[(2, "b")]) is OrderedDict
    assert list(back[(2, "b")]) == ["z", "a"]
    json.loads(payload.split(b"\n")[0])  # the tree is one line of JSON


def test_long_lists_of_floats_are_stored_as_exact_float64_bytes():
    scores = [i / 7 for i in range(20)] + [math.nan, -0.0, math.inf, 5e-324, 1.7976931348623157e308]
    mixed = [1.5] * 10 + [2]  # an int among them: kept as JSON, so the int stays an int
    payload = b"".join(encode({"scores": scores, "mixed": mixed, "short": [0.5]}))
    tree = json.loads(payload.split(b"\n")[0])
    assert tree["scores"]["$"] == "floats" and tree["mixed"] == mixed
    back = decode(payload)
    assert all(type(v) is float for v in back["scores"])
    assert struct.pack("25d", *back["scores"]) == struct.pack("25d", *scores)
    assert back["mixed"] == mixed and type(back["mixed"][-1]) is int and back["short"] == [0.5]
    assert len(payload) < 8 * 25 + 250


def test_byte_swapping_is_its_own_inverse():
    raw = torch.arange(16, dtype=torch.uint8)
    assert swap_bytes(raw, 4)[:4].tolist() == [3, 2, 1, 0]
    assert torch.equal(swap_bytes(swap_bytes(raw, 8), 8), raw)


def crafted(path, tree, blob: bytes = b"") -> None:
    """A checkpoint with a hand-made payload and a valid checksum."""
    line = tree if isinstance(tree, bytes) else json.dumps(tree).encode()
    payload = line + b"\n" + blob
    header = {"version": 2, "kind": "Example", "size": len(payload)}
    header["sha256"] = tamper.checksum(2, "Example", payload)
    tamper.write(path, header, payload)


def tensor(at: int, n: int, dtype: str = "float32", size: int = 4) -> dict:
    return {"$": "tensor", "dtype": dtype, "shape": [n], "at": at, "bytes": n * size}


@pytest.mark.parametrize(
    "tree, blob, match",
    [
        ({"w": tensor(0, 10**9)}, bytes(16), "not where the file has them"),
        ({"a": tensor(0, 4), "b": tensor(0, 4)}, bytes(16), "not where the file has them"),
        ([tensor(0, 4)] * 1000, bytes(16), "not where the file has them"),
        ({"w": tensor(0, 2)}, bytes(16), "after its last tensor"),
        ({"w": {**tensor(0, 4), "bytes": 3}}, bytes(16), "cannot fill"),
        ({"w": {**tensor(0, 4), "shape": [-4]}}, bytes(16), "cannot fill"),
        ({"w": tensor(0, 4, dtype="qint8", size=1)}, bytes(4), "malformed tensor"),
        ({"w": {"$": "floats", "at": 0, "bytes": 12}}, bytes(12), "cannot fill"),
        ({"w": {"$": "floats", "at": 0, "bytes": 8 * 10**9}}, bytes(8), "not where"),
        ({"w": {"$": "object", "class": "os.system"}}, b"", "unknown entry"),
        ({"w": {"$": "dtype", "name": "Tensor"}}, b"", "unknown entry"),
        ({"w": {"$": "bytes", "base64": "not base64!"}}, b"", "malformed payload"),
        ({"w": {"$": "dict", "items": [[[1], 2]]}}, b"", "unhashable"),
        (b"[" * 100_000 + b"]" * 100_000, b"", "RecursionError"),
    ],
    ids=[
        "beyond the file",
        "shared bytes",
        "repeated entry",
        "trailing bytes",
        "wrong size",
        "floats of a wrong size",
        "floats beyond the file",
        "negative shape",
        "quantized dtype",
        "unknown tag",
        "not a dtype",
        "bad base64",
        "unhashable key",
        "too deep",
    ],
)
def test_a_crafted_tree_is_refused_naming_the_file(tmp_path, tree, blob, match):
    crafted(tmp_path / "c.ckpt", tree, blob)
    with pytest.raises(CheckpointError, match=match) as info:
        persist.load(tmp_path / "c.ckpt", kind="Example")
    assert str(tmp_path / "c.ckpt") in str(info.value)


def test_save_refuses_sparse_and_quantized_tensors(tmp_path):
    with pytest.raises(TypeError, match="cannot hold"):
        persist.save({"w": torch.eye(2).to_sparse()}, tmp_path / "c.ckpt", kind="Example")
    quantized = torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.qint8)
    with pytest.raises(TypeError, match="cannot hold"):
        persist.save({"w": quantized}, tmp_path / "c.ckpt", kind="Example")
