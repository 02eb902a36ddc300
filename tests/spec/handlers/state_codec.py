"""Spec handler for `core.cookie`: encode, decode, round trips and every rejection path.

Input: {"op": "encode" | "roundtrip" | "decode" | "tamper", "state": state dict,
"key": text, "now": int, "settings": {overrides}, "payload_version": 1 (write the state's
version 1 payload as it is, to pin that format and its rejections), ...}. Results hold state
dicts with counter values rounded to 6 digits ("same_as_input" compares at the codec's precision of
3 digits), and "fresh" flags for values that must be rejected.
"""

from __future__ import annotations

import base64
from typing import Any

from core import cookie, cookie_format
from core.settings import Settings
from core.state import VisitorState, fresh, state_from_dict, state_to_dict

FRESH_ID = "fresh-visitor"


def _rounded(state: VisitorState, digits: int = 6) -> dict[str, Any]:
    data = state_to_dict(state)
    for table in ("interests", "counts"):
        data[table] = {k: [round(v, digits), t] for k, (v, t) in data[table].items()}
    return data


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mutate(value: str, op: dict[str, Any], key: bytes) -> str:
    """One deterministic corruption of a cookie value."""
    kind = op["op"]
    if kind == "set_char":
        index = op["index"] % len(value)
        return value[:index] + str(op["char"]) + value[index + 1 :]
    if kind == "truncate":
        return value[: op["keep"]]
    if kind == "append":
        return value + str(op["text"])
    if kind == "prepend":
        return str(op["text"]) + value
    if kind == "replace":
        return value.replace(op["old"], op["new"])
    body, _, sig = value.partition(".")
    payload = _unb64(body)
    if kind == "payload_byte":  # set one payload byte; "resign" makes the HMAC valid again
        index = op["index"] % len(payload)
        payload = payload[:index] + bytes([op["value"]]) + payload[index + 1 :]
    elif kind == "payload_append":
        payload = payload + bytes.fromhex(op["hex"])
    elif kind == "payload_cut":
        payload = payload[: op["keep"]]
    else:
        raise ValueError(f"unknown mutation {kind}")
    if op.get("resign"):
        return cookie.pack(payload, key)
    return _b64(payload) + "." + sig


def run(case: dict[str, Any]) -> Any:
    settings = Settings(**case.get("settings", {}))
    key = case.get("key", "spec-key").encode("utf-8")
    now = int(case["now"])
    op = case["op"]
    if op == "decode":
        decoded = cookie.decode(case["value"], key, now, FRESH_ID, settings)
        is_fresh = state_to_dict(decoded) == state_to_dict(fresh(FRESH_ID, now))
        return {"fresh": is_fresh, "visitor_id": decoded.visitor_id}
    state = state_from_dict(case["state"])
    if case.get("payload_version") == 1:
        value = cookie.pack(cookie_format.payload(state, case.get("compress", False)), key)
    else:
        value = cookie.encode(state, key, settings, now, compress=case.get("compress", False))
    if op == "encode":
        return {"cookie": value, "length": len(value)}
    if op == "roundtrip":
        decoded = cookie.decode(value, key, now, FRESH_ID, settings)
        again = cookie.encode(decoded, key, settings, now, compress=case.get("compress", False))
        return {
            "fits": len(value) <= settings.cookie_max_bytes,
            "stable": again == value,
            "same_as_input": _rounded(decoded, 3) == _rounded(state, 3),
            "state": _rounded(decoded),
            "version": cookie.unpack(value, key)[0] if value else None,  # type: ignore[index]
        }
    if op == "tamper":
        for mutation in case.get("mutations", []):
            value = _mutate(value, mutation, key)
        decode_key = case.get("decode_key", case.get("key", "spec-key")).encode("utf-8")
        decode_now = int(case.get("decode_now", now))
        decoded = cookie.decode(value, decode_key, decode_now, FRESH_ID, settings)
        is_fresh = state_to_dict(decoded) == state_to_dict(fresh(FRESH_ID, decode_now))
        return {"fresh": is_fresh, "visitor_id": decoded.visitor_id}
    raise ValueError(f"unknown op {op}")
