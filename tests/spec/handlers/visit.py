"""Spec handler: a sequence of page requests and beacon batches through `core.visit`.

The state cookie is carried from step to step like a browser would; a step may drop or
tamper with it. Each step reports what a visitor would see and what would be forwarded.
"""

from __future__ import annotations

from typing import Any

from handlers.fixtures import store_payload

from core import bundle as bundle_mod
from core import visit

KEY = b"spec-cookie-key-0123456789abcdef"
_CACHE: dict[str, bundle_mod.Bundle] = {}


def _bundle(overrides: dict[str, Any]) -> bundle_mod.Bundle:
    cache_key = repr(sorted(overrides.items()))
    if cache_key not in _CACHE:
        _CACHE[cache_key] = bundle_mod.load(store_payload(**overrides))
    return _CACHE[cache_key]


def _summary(result: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind == "events":
        return {
            "accepted": result["accepted"],
            "forwarded": [e["type"] for e in result["forward"]],
            "errors": len(result["errors"]),
            "cookie": result["set_cookie"] is not None and result["set_cookie"] != "",
        }
    return {
        "blocks": {k: v["block"] for k, v in sorted(result["decisions"].items())},
        "rules": {k: v["rule"] for k, v in sorted(result["decisions"].items())},
        "items": {k: v["items"] for k, v in sorted(result["decisions"].items()) if v["items"]},
        "variations": {
            k: v["variation"] for k, v in sorted(result["decisions"].items()) if v["variation"]
        },
        "segments": sorted(result["segments"]),
        "mode": result["mode"],
        "forwarded": [e["type"] for e in result["forward"]],
        "cookie": "set"
        if result["set_cookie"]
        else ("clear" if result["set_cookie"] == "" else "none"),
        "visitor": result["visitor"],
        "needs_profile": result["needs_profile"],
    }


def run(case: dict[str, Any]) -> list[dict[str, Any]]:
    bundle = _bundle(case.get("bundle", {}))
    cookie: str | None = case.get("cookie")
    out = []
    for number, step in enumerate(case["steps"]):
        request = dict(step.get("request", {}))
        request.setdefault("path", "/")
        request.setdefault("page_slots", ["hero", "recs", "promo"])
        request.setdefault("consent", {"cookie": "granted"})
        if step.get("cookie") == "drop":
            cookie = None
        elif step.get("cookie") == "tamper" and cookie:
            cookie = ("A" if cookie[0] != "A" else "B") + cookie[1:]
        request["cookies"] = {"tailor_s": cookie}
        fresh = case.get("fresh_id", "visitor-1") + (f"-{number}" if number else "")
        if step.get("kind") == "events":
            result = visit.handle_events(bundle, request, step["events"], KEY, step["now"], fresh)
        else:
            result = visit.handle_page(bundle, request, KEY, step["now"], fresh)
        if result["set_cookie"] is not None:
            cookie = result["set_cookie"] or None
        out.append(_summary(result, step.get("kind", "page")))
    return out
