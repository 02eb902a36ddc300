"""edge/lib/msgpack.mjs in real Node agrees with Python's msgpack on what bundles hold."""

from __future__ import annotations

import base64
import json
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

from tests.edge_support import node_json

DOC: dict[str, Any] = {
    "small": [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53],
    "negative": [-1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1],
    "floats": [0.5, -1.25, 1e300],
    "strings": ["", "a", "é" * 40, "x" * 300, "y" * 70000],
    "flags": [True, False, None],
    "nested": {"list": [[], {}, [1, [2, [3]]]], "map": {str(i): i for i in range(20)}},
}


def decode_in_node(data: bytes) -> Any:
    b64 = json.dumps(base64.b64encode(data).decode())
    return node_json("msgpack", f"""
        const v = m.decode(Buffer.from({b64}, 'base64'));
        return JSON.parse(JSON.stringify(v, (k, x) =>
          x && x.type === 'Buffer' ? {{bin: Buffer.from(x.data).toString('hex')}} : x));""")


def test_values_round_trip() -> None:
    assert decode_in_node(msgpack.packb(DOC, use_bin_type=True)) == DOC


def test_bin_and_float32() -> None:
    data = msgpack.packb({"b": b"\x00\xff" * 3, "big": b"z" * 300, "f": 0.5}, use_bin_type=True,
                         use_single_float=True)
    out = decode_in_node(data)
    assert out == {"b": {"bin": "00ff" * 3}, "big": {"bin": "7a" * 300}, "f": 0.5}


@pytest.mark.parametrize("data", [b"\x82\xa1a", b"\xc1", b"\x92\x01", b"\x01\x02",
                                  b"\x81\xa9__proto__\x01"])
def test_truncated_unknown_trailing_and_proto_keys_are_refused(data: bytes) -> None:
    with pytest.raises(RuntimeError, match="msgpack"):
        decode_in_node(data)
