"""The Python side of the edge, running inside Pyodide in every edge worker.

JS crosses into Python once per request: `handle` takes one JSON string and returns one
JSON string. Every exception is caught and answered as {"error": ...} so the JS host serves
the page's defaults; a page never fails because of a decision. Bundles are staged by
`prepare` and made live by `commit`, so a swap across workers is two cheap steps.
"""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import msgpack  # type: ignore[import-untyped]

from core import bundle as bundle_mod
from core import decide as decide_mod

_live: Any = None
_live_version = 0
_staged: Any = None
_staged_version = 0
_cookie_key = b""
_debug_raise = False


_PAGE_KEYS = ("slots", "set_cookie", "forward", "mode", "segments", "known_id", "needs_profile",
              "version")
_EVENT_KEYS = ("set_cookie", "accepted", "forward", "errors", "mode")
"""What JS reads back; the rest of the core's answer is not worth serializing per request."""


class DebugRaise(RuntimeError):
    """Raised on purpose (only when the edge is configured for it) to test failing open."""


def configure(config_json: str) -> str:
    """Sets the cookie key and debug switches from the host's config."""
    global _cookie_key, _debug_raise
    cfg = json.loads(config_json)
    _cookie_key = bytes.fromhex(cfg["cookie_key_hex"])
    _debug_raise = bool(cfg.get("debug_raise", False))
    return json.dumps({"ok": True})


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    to_bytes = getattr(data, "to_bytes", None)  # a Pyodide JsProxy of a Uint8Array
    if to_bytes is not None:
        return bytes(to_bytes())
    raise TypeError("bundle payload must be bytes")


def prepare(payload: Any, version: int) -> str:
    """Decodes and validates a payload whose signature JS has checked; stages it."""
    global _staged, _staged_version
    try:
        payload_map = msgpack.unpackb(_as_bytes(payload), raw=False, strict_map_key=False)
        if not isinstance(payload_map, dict):
            raise bundle_mod.BundleError("payload: not a map")
        if payload_map.get("version") != version:
            raise bundle_mod.BundleError(
                f"payload.version {payload_map.get('version')!r} != header version {version}"
            )
        staged = bundle_mod.load(payload_map)
    except bundle_mod.BundleError as exc:
        return json.dumps({"ok": False, "error": f"invalid bundle: {exc}"})
    except Exception as exc:  # any decoding failure is a rejection, not a crash
        error = f"undecodable bundle: {type(exc).__name__}: {exc}"
        return json.dumps({"ok": False, "error": error})
    _staged, _staged_version = staged, version
    return json.dumps({"ok": True, "version": version})


def commit(version: int) -> str:
    """Makes the staged bundle live (a single reference swap)."""
    global _live, _live_version, _staged
    if _staged is None or _staged_version != version:
        return json.dumps({"ok": False, "error": f"no staged bundle for version {version}"})
    _live, _live_version, _staged = _staged, _staged_version, None
    return json.dumps({"ok": True, "version": _live_version})


def abort() -> str:
    """Drops a staged bundle (another worker rejected it)."""
    global _staged
    _staged = None
    return json.dumps({"ok": True})


def version() -> int:
    """The live bundle's version (0 when none is loaded)."""
    return _live_version


def _run(msg: dict[str, Any]) -> dict[str, Any]:
    if _live is None:
        return {"error": "no bundle loaded"}
    if _debug_raise and msg.get("debug_raise"):
        raise DebugRaise("decision failure requested by the debug hook")
    op = msg.get("op")
    now = int(msg["now"])
    fresh_id = str(msg["fresh_id"])
    request = msg["request"]
    started = time.perf_counter()
    if op == "page":
        result: dict[str, Any] = decide_mod.handle_page(
            _live, request, _cookie_key, now, fresh_id
        )
    elif op == "events":
        result = decide_mod.handle_events(
            _live, request, msg["events"], _cookie_key, now, fresh_id
        )
    else:
        return {"error": f"unknown op {op!r}"}
    out = {key: result.get(key) for key in (_PAGE_KEYS if op == "page" else _EVENT_KEYS)}
    out["py_us"] = round((time.perf_counter() - started) * 1e6)
    return out


def _warm_payload() -> dict[str, Any]:
    """A tiny but complete bundle payload that walks the common decision paths."""
    u2 = struct.Struct("<2H").pack
    u4 = struct.Struct("<2I").pack
    return {
        "schema": 1, "version": 1, "created_at": 0,
        "pages": [{"type": "product", "match": "/products/*"}, {"type": "home", "match": "/"}],
        "consent": {"vendor_id": None, "profile_purposes": [1, 5, 6], "sensitive": ["health"]},
        "catalog": {
            "ids": ["a", "b"], "titles": ["A", "B"], "urls": ["/products/a", "/products/b"],
            "images": ["", ""], "categories": ["x"], "category": u2(0, 0), "brands": ["y"],
            "brand": u2(0, 0), "price_cents": u4(100, 200), "in_stock": b"\x01\x01",
            "tags": [["t"], []],
        },
        "recs": {"k": 1, "collab": {"neighbors": u4(1, 0), "scores": b"\xff\xff",
                                    "scale": 1.0}, "popular": u4(0, 1)},
        "segments": [
            {"id": "fans", "kind": "rule", "when": {"$count": {
                "event": "view", "where": {"category": "x"}, "within_hours": 168, "gte": 1}}},
            {"id": "evening", "kind": "rule", "when": {"local_hour": {"$gte": 18}}},
        ],
        "blocks": {
            "hero": {"template": "<h1>{{ segment }}</h1>"},
            "recs": {"kind": "recs", "template": "<ul>{{ items }}</ul>",
                     "recs": {"source": "auto", "count": 2,
                              "item_template": "<li>{{ title }} {{ price }}</li>"}},
        },
        "slots": {"hero": {"fallback_block": None}, "recs": {"fallback_block": "recs"}},
        "rules": [
            {"id": "h", "slot": "hero", "priority": 2, "when": {"segments": "fans"},
             "block": "hero"},
            {"id": "r", "slot": "recs", "priority": 1, "block": "recs"},
        ],
        "experiments": [],
    }


def warm() -> None:
    """Run once at snapshot time (build/): exercises bundle loading and a few decisions so
    a restored edge starts with warm code paths; leaves no bundle or key behind."""
    global _live, _live_version, _staged, _cookie_key
    _cookie_key = b"\x00" * 32
    payload = msgpack.packb(_warm_payload(), use_bin_type=True)
    if json.loads(prepare(payload, 1)).get("ok") and json.loads(commit(1)).get("ok"):
        request: dict[str, Any] = {
            "path": "/products/a", "query": {}, "page_slots": ["hero", "recs"],
            "device": "desktop", "country": None, "language": None, "referrer": None,
            "local_hour": 20, "weekday": 1, "profile": None, "attributes": {},
            "consent": {"tcf": None, "gpc": False, "cookie": "granted"},
            "cookies": {"tailor_s": None, "tailor_consent": "granted"},
        }
        cookie = None
        for n in range(3):
            request["cookies"]["tailor_s"] = cookie
            out = json.loads(handle(json.dumps(
                {"op": "page", "request": request, "now": 1_800_000_000 + n, "fresh_id": "w"})))
            cookie = out.get("set_cookie")
        handle(json.dumps({"op": "events", "request": request, "now": 1_800_000_009,
                           "fresh_id": "w", "events": [{"id": "w1", "type": "click",
                                                        "ts": 1_800_000_009, "item": "b"}]}))
    _live, _live_version, _staged, _cookie_key = None, 0, None, b""


def handle(message: str) -> str:
    """The one crossing per request: JSON in, JSON out, never raises."""
    try:
        out = _run(json.loads(message))
        return json.dumps(out, separators=(",", ":"), default=str)
    except Exception as exc:
        return json.dumps({"error": f"{type(exc).__name__}: {exc}"[:500]})
