"""edge/lib/msgpack.mjs in real Node agrees with Python's msgpack on what bundles hold."""

from __future__ import annotations

import base64
import json
import math
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


def json_form_in_node(data: bytes) -> Any:
    b64 = json.dumps(base64.b64encode(data).decode())
    return node_json("msgpack", f"""
        const r = m.toJson(Buffer.from({b64}, 'base64'));
        return r && {{text: r.text, blobs: r.blobs.toString('hex')}};""")


def exact(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 and 1.0 differ; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(exact(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(exact(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b) and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


JSON_DOC: dict[str, Any] = {
    **DOC, "small": DOC["small"][:-1] + [2**53 - 1],
    "floats": [0.5, -1.25, 1e300, 1.0, -0.0, 2.0**60, float("inf"), float("-inf"), float("nan")],
    "bins": [b"", b"\x00\xff", b"z" * 300, {"deep": b"\x01\x02\x03"}],
    "text": ["\u2028 \x00 \" \\ </script>", "日本語"],
}


@pytest.mark.parametrize("single", [False, True])
def test_json_form_gives_python_exactly_what_msgpack_gives(single: bool) -> None:
    from edge.glue import payload_from_json

    doc = {**JSON_DOC, "floats": [0.1, 1.0, -0.0, 3.4e38, float("inf"), float("nan")],
           } if single else JSON_DOC
    data = msgpack.packb(doc, use_bin_type=True, use_single_float=single)
    form = json_form_in_node(data)
    got = payload_from_json(form["text"], bytes.fromhex(form["blobs"]))
    assert exact(got, msgpack.unpackb(data, raw=False, strict_map_key=False))


@pytest.mark.parametrize("doc", [{1: "int key"}, {"big": 2**53 + 1}, {"neg": -(2**60)},
                                 {"\x00b": [0, 0]}])
def test_what_json_cannot_carry_exactly_goes_as_msgpack(doc: dict[Any, Any]) -> None:
    assert json_form_in_node(msgpack.packb(doc, use_bin_type=True)) is None


def test_invalid_utf8_is_left_to_python() -> None:
    assert json_form_in_node(b"\x81\xa1s\xa2\xff\xfe") is None
