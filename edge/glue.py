"""The Python side of the edge, running inside Pyodide in every edge worker.

JS crosses into Python once per request: `handle` takes one JSON string and returns one
JSON string. Every exception is caught and answered as {"error": ...} so the JS host serves
the page's defaults; a page never fails because of a decision. Bundles are staged by
`prepare` and made live by `commit`, so a swap across workers is two cheap steps.
"""

from __future__ import annotations

import gc
import json
import struct
import time
from typing import Any

import msgpack  # type: ignore[import-untyped]

from core import bundle as bundle_mod
from core import decide as decide_mod
from core import visit as visit_mod
from edge import glue_privacy

_live: Any = None
_live_version = 0
_staged: Any = None
_staged_version = 0
_cookie_key = b""
_debug_raise = False


_PAGE_KEYS = ("slots", "set_cookie", "forward", "mode", "segments", "known_id", "needs_profile",
              "version", "visitor", "consent")
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


BIN_KEY = "\x00b"
"""edge/lib/msgpack.mjs `toJson`: a bin value as {BIN_KEY: [offset, length]} into the blobs."""


def payload_from_json(text: str, blobs: bytes) -> Any:
    """The payload msgpack.unpackb would give, from the JSON form JS made of it: C json
    parses in a fraction of the pure-Python msgpack's time (the cold start's largest cost)."""

    def hook(obj: dict[str, Any]) -> Any:
        if len(obj) == 1 and BIN_KEY in obj:
            at, size = obj[BIN_KEY]
            return blobs[at:at + size]
        return obj

    return json.loads(text, object_hook=hook)


def prepare(payload: Any, version: int, json_text: str | None = None) -> str:
    """Decodes and validates a payload whose signature JS has checked; stages it. With
    `json_text` the payload was converted by JS (`toJson`) and `payload` holds its blobs."""
    global _staged, _staged_version
    try:
        if json_text is not None:
            payload_map = payload_from_json(json_text, _as_bytes(payload))
        else:
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
    replaced = _live is not None
    _live, _live_version, _staged = _staged, _staged_version, None
    settle_heap(replaced)
    return json.dumps({"ok": True, "version": _live_version})


def settle_heap(replaced: bool) -> None:
    """Freeze the heap (the live bundle, the glue), after freeing what a swap released.

    The cyclic collector would otherwise rescan the bundle's long-lived objects in its
    increments while requests wait: in Pyodide those pauses reached 20-50 ms against ~5 ms
    frozen (bench/gc_pauses.py). When a bundle was `replaced`, unfreezing and collecting
    first lets its cycles go, so swaps never leak; that costs one full collection per swap,
    never per request. The first bundle of a worker skips it: nothing was replaced, and the
    worker is not serving yet."""
    if replaced:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def abort() -> str:
    """Drops a staged bundle (another worker rejected it)."""
    global _staged
    _staged = None
    return json.dumps({"ok": True})


def warmup_sample(count: int) -> str:
    """Up to `count` item page paths and the slot names of the live bundle (JSON), for the
    worker's warm-up decisions."""
    if _live is None:
        return json.dumps({"paths": [], "slots": []})
    urls = _live.catalog.urls
    step = max(1, len(urls) // max(1, count))
    paths = ["/", *[u for u in urls[::step][:count] if u]]
    return json.dumps({"paths": paths, "slots": sorted(_live.slots)})


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
    elif op == "state":
        return glue_privacy.summary(_live, request, _cookie_key, now)
    elif op == "consent":  # what a consent choice allows, for the edge's consent records
        return visit_mod.consent_for(_live, request).to_dict()
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
    gc.unfreeze()  # the snapshot keeps no frozen leftovers of the warm-up bundle
    gc.collect()


_FIELD = "\x1f"
_LIST = "\x1e"
_PAIR = "\x1d"
_COMPACT_FIELDS = 20


def _opt(text: str) -> str | None:
    return text or None


def _compact_message(message: str) -> dict[str, Any]:
    """The message of `handle` from the compact form edge/lib/pyhost.mjs builds: fields in
    a fixed order joined by \x1f (JSON only for the rare structured ones), which parses in a
    fraction of json.loads' time. The order is pyhost.mjs' `compactRequest`."""
    f = message.split(_FIELD)
    if len(f) != _COMPACT_FIELDS:
        raise ValueError(f"compact message has {len(f)} fields, not {_COMPACT_FIELDS}")
    request: dict[str, Any] = {
        "path": f[4], "query": json.loads(f[5]) if f[5] else {}, "device": f[6],
        "country": _opt(f[7]), "language": _opt(f[8]), "referrer": _opt(f[9]),
        "local_hour": int(f[10]), "weekday": int(f[11]),
        "consent": {"tcf": _opt(f[12]), "gpc": f[13] == "1", "cookie": _opt(f[14])},
        "attributes": {}, "cookies": {"tailor_s": _opt(f[15]), "tailor_consent": _opt(f[14])},
        "page_slots": f[16].split(_LIST) if f[16] else [],
        "profile": json.loads(f[17]) if f[17] else None,
    }
    if f[18]:
        request["known_id"] = f[18]
    msg: dict[str, Any] = {"op": f[0], "now": int(f[1]), "fresh_id": f[2],
                           "debug_raise": f[3] == "1", "request": request}
    if f[19]:
        msg["events"] = json.loads(f[19])
    return msg


def _compact_answer(out: dict[str, Any]) -> str:
    """The answer as its small fields in JSON, a newline, then the slots' HTML raw
    (name \x1d html, joined by \x1e): the HTML is neither escaped in Python nor unescaped
    in JS. A slot whose HTML holds a separator goes inside the JSON instead."""
    slots = out.pop("slots", None) or {}
    raw: list[str] = []
    kept: dict[str, Any] = {}
    for name, html in slots.items():
        if html is None:
            continue
        if _PAIR in html or _LIST in html or _PAIR in name or _LIST in name:
            kept[name] = html
        else:
            raw.append(name + _PAIR + html)
    if kept:
        out["slots"] = kept
    return json.dumps(out, separators=(",", ":"), default=str) + "\n" + _LIST.join(raw)


def handle_compact(message: str) -> str:
    """`handle` for the compact request and answer forms; never raises."""
    try:
        return _compact_answer(_run(_compact_message(message)))
    except Exception as exc:
        return json.dumps({"error": f"{type(exc).__name__}: {exc}"[:500]}) + "\n"


def handle(message: str) -> str:
    """The one crossing per request: JSON in, JSON out, never raises."""
    try:
        out = _run(json.loads(message))
        return json.dumps(out, separators=(",", ":"), default=str)
    except Exception as exc:
        return json.dumps({"error": f"{type(exc).__name__}: {exc}"[:500]})
