"""A checkpoint's payload: a JSON tree of plain data, then the tensors' raw bytes; no pickle.

The payload (format version 2)::

    <tree: one line of JSON, UTF-8>\\n
    <the bytes of every tensor, one after another, in the order the tree names them>

JSON holds None, bools, ints, floats (NaN and infinities included), strings, lists and dicts
with string keys. Everything else is an object tagged ``"$"``::

    {"$": "tensor", "dtype": "float32", "shape": [2, 3], "at": 0, "bytes": 24}
        (an nn.Parameter adds "parameter": its requires_grad)
    {"$": "tuple", "items": [...]}        {"$": "bytes", "base64": "AP8="}
    {"$": "dict", "items": [[k, v], ...]}  (keys that are not strings, or a key "$")
    {"$": "odict", "items": [[k, v], ...]} {"$": "size", "items": [2, 3]}
    {"$": "dtype", "name": "float16"}     {"$": "device", "name": "cpu"}
    {"$": "floats", "at": 24, "bytes": 80000}  (a list of 8 floats or more, as float64 bytes)

A tensor's bytes are its elements in C order, little-endian. Reading checks every tensor (and
list of floats) against the bytes there are: its ``at`` must be where the previous one ended,
its ``bytes`` must be its shape times its dtype's size, and the last must end where the payload
does. So loading allocates no more tensor memory than the file holds, and parses nothing but
JSON.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from collections import OrderedDict
from typing import Any

import torch

from streamad.persist.plain import to_plain

__all__ = ["decode", "encode", "nbytes"]

TAG = "$"
_TENSOR_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
    + (torch.float16, torch.bfloat16, torch.float32, torch.float64)
    + (torch.complex64, torch.complex128)
}
_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (getattr(torch, name) for name in dir(torch))
    if isinstance(d, torch.dtype)
}
_JSON = (type(None), bool, int, float, str)
_MIN_FLOATS = 8  # a list of this many floats or more is stored as raw float64
_BIG_ENDIAN = sys.byteorder == "big"


def swap_bytes(raw: torch.Tensor, width: int) -> torch.Tensor:
    """Reverse the byte order of each ``width``-byte number in the flat uint8 tensor ``raw``.

    Examples
    --------
    >>> import torch
    >>> from streamad.persist.layout import swap_bytes
    >>> swap_bytes(torch.tensor([1, 2, 3, 4], dtype=torch.uint8), 2).tolist()
    [2, 1, 4, 3]
    """
    return raw if width == 1 else raw.view(-1, width).flip(1).reshape(-1)


def _width(dtype: torch.dtype) -> int:
    """Bytes per number: a complex number is two floats, each swapped on its own."""
    return dtype.itemsize // 2 if dtype.is_complex else dtype.itemsize


class _Writer:
    def __init__(self) -> None:
        self.chunks: list[memoryview] = []
        self.size = 0

    def tensor(self, value: torch.Tensor) -> dict[str, Any]:
        name = str(value.dtype).removeprefix("torch.")
        if name not in _TENSOR_DTYPES or value.layout != torch.strided or value.is_quantized:
            raise TypeError(f"a checkpoint cannot hold a {value.layout} tensor of {value.dtype}")
        flat = value.detach().to("cpu").contiguous().reshape(-1)
        raw = flat.view(torch.uint8) if flat.numel() else torch.empty(0, dtype=torch.uint8)
        raw = swap_bytes(raw, _width(value.dtype)) if _BIG_ENDIAN else raw
        node = {TAG: "tensor", "dtype": name, "shape": list(value.shape), "at": self.size}
        node["bytes"] = raw.numel()
        if isinstance(value, torch.nn.Parameter):
            node["parameter"] = value.requires_grad
        self.chunks.append(raw.numpy().data)
        self.size += raw.numel()
        return node

    def floats(self, value: list[float]) -> dict[str, Any]:
        """A long list of floats as float64 bytes: exact, and a third the size of its text."""
        node = self.tensor(torch.tensor(value, dtype=torch.float64))
        return {TAG: "floats", "at": node["at"], "bytes": node["bytes"]}

    def node(self, value: Any) -> Any:
        kind = type(value)
        if kind is list:
            if len(value) >= _MIN_FLOATS and all(type(v) is float for v in value):
                return self.floats(value)
            return value if all(type(v) in _JSON for v in value) else [*map(self.node, value)]
        if kind in _JSON:
            return value
        if kind is dict and TAG not in value and all(type(k) is str for k in value):
            return {k: self.node(v) for k, v in value.items()}
        if kind is dict or kind is OrderedDict:
            items = [[self.node(k), self.node(v)] for k, v in value.items()]
            return {TAG: "dict" if kind is dict else "odict", "items": items}
        if kind is tuple or kind is torch.Size:
            return {TAG: "tuple" if kind is tuple else "size", "items": [*map(self.node, value)]}
        if kind is bytes:
            return {TAG: "bytes", "base64": base64.b64encode(value).decode("ascii")}
        if kind is torch.dtype:
            return {TAG: "dtype", "name": str(value).removeprefix("torch.")}
        if kind is torch.device:
            return {TAG: "device", "name": str(value)}
        return self.tensor(value)  # to_plain let nothing else through


def encode(state: dict[str, Any]) -> list[bytes | memoryview]:
    """The payload of ``state`` as chunks to write one after another (see the module docstring).

    Raises ``TypeError`` naming the first part that a checkpoint cannot hold.

    Examples
    --------
    >>> import torch
    >>> from streamad.persist.layout import decode, encode
    >>> payload = b"".join(encode({"step": 3, "weights": torch.ones(2)}))
    >>> payload.split(b"\\n")[0].decode()[:40]
    '{"step":3,"weights":{"$":"tensor","dtype'
    >>> decode(payload)
    {'step': 3, 'weights': tensor([1., 1.])}
    """
    writer = _Writer()
    tree = writer.node(to_plain(state))
    line = json.dumps(tree, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return [line, b"\n", *writer.chunks]


def nbytes(state: dict[str, Any]) -> int:
    """Bytes of the payload :func:`encode` writes for ``state``: what a checkpoint stores.

    Examples
    --------
    >>> import torch
    >>> from streamad.persist.layout import nbytes
    >>> nbytes({"weights": torch.zeros(1000)}) - 4000  # the tree, then 4,000 bytes of floats
    80
    """
    return sum(len(chunk) for chunk in encode(state))


class _Reader:
    def __init__(self, blob: memoryview) -> None:
        self.blob, self.at = blob, 0

    def tensor(self, node: dict[str, Any]) -> torch.Tensor:
        dtype = _TENSOR_DTYPES.get(node.get("dtype"))  # type: ignore[arg-type]
        shape, at, size = node.get("shape"), node.get("at"), node.get("bytes")
        if dtype is None or type(shape) is not list or any(type(n) is not int for n in shape):
            raise ValueError(f"a malformed tensor entry {str(node)[:100]}")
        if any(n < 0 for n in shape) or size != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"a tensor of shape {shape} and {dtype} cannot fill {size} bytes")
        if at != self.at or self.at + size > len(self.blob):
            raise ValueError(f"a tensor's bytes are not where the file has them (at {at})")
        self.at += size
        raw = (
            torch.frombuffer(bytearray(self.blob[at : at + size]), dtype=torch.uint8)
            if size
            else torch.empty(0, dtype=torch.uint8)
        )
        raw = swap_bytes(raw, _width(dtype)) if _BIG_ENDIAN else raw
        tensor = raw.view(dtype).reshape(shape)
        grad = node.get("parameter")
        return tensor if type(grad) is not bool else torch.nn.Parameter(tensor, grad)

    def node(self, node: Any) -> Any:
        kind = type(node)
        if kind is list:
            return node if all(type(v) in _JSON for v in node) else [*map(self.node, node)]
        if kind is not dict:
            return node
        if TAG not in node:
            return {k: self.node(v) for k, v in node.items()}
        tag = node[TAG]
        if tag == "tensor":
            return self.tensor(node)
        if tag == "floats" and type(node.get("bytes")) is int:
            shape = [node["bytes"] // 8]
            return self.tensor({"dtype": "float64", "shape": shape, **node}).tolist()
        if tag in ("dict", "odict"):
            pairs = ((self.node(k), self.node(v)) for k, v in node["items"])
            return dict(pairs) if tag == "dict" else OrderedDict(pairs)
        if tag in ("tuple", "size"):
            items = tuple(map(self.node, node["items"]))
            return items if tag == "tuple" else torch.Size(items)
        if tag == "bytes":
            return base64.b64decode(node["base64"], validate=True)
        if tag == "dtype" and node.get("name") in _DTYPES:
            return _DTYPES[node["name"]]
        if tag == "device" and type(node.get("name")) is str:
            return torch.device(node["name"])
        raise ValueError(f"an unknown entry {str(node)[:100]}")


def decode(payload: bytes | memoryview) -> Any:
    """The state :func:`encode` wrote; ``ValueError`` (or ``TypeError``) if it is malformed.

    Examples
    --------
    >>> from streamad.persist.layout import decode
    >>> decode(b'{"sizes":{"$":"tuple","items":[8,4]}}\\n')
    {'sizes': (8, 4)}
    >>> try:
    ...     decode(b'{"w":{"$":"tensor","dtype":"int8","shape":[9],"at":0,"bytes":9}}\\n')
    ... except ValueError as error:
    ...     print(error)
    a tensor's bytes are not where the file has them (at 0)
    """
    view = memoryview(payload)
    end = _newline(view)
    if end < 0:
        raise ValueError("no end to its tree (a missing newline)")
    tree = json.loads(bytes(view[:end]).decode("utf-8"))
    reader = _Reader(view[end + 1 :])
    state = reader.node(tree)
    if reader.at != len(reader.blob):
        raise ValueError(f"{len(reader.blob) - reader.at} bytes after its last tensor")
    return state


def _newline(view: memoryview, step: int = 1 << 16) -> int:
    """Where the first newline of ``view`` is (-1: none), reading no further than it."""
    for start in range(0, len(view), step):
        hit = bytes(view[start : start + step]).find(b"\n")
        if hit >= 0:
            return start + hit
    return -1
