"""Spec handler: load the fixture bundle after one mutation; report the version or the error."""

from __future__ import annotations

import copy
from typing import Any

from handlers.fixtures import store_payload

from core import bundle as bundle_mod
from core.arrays import to_bytes


def _decode(value: Any) -> Any:
    """JSON stand-ins for bytes: {"$bytes": [ints]} or {"$u4": [ints]} / {"$u2": ...}."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, raw),) = value.items()
        if key == "$bytes":
            return bytes(raw)
        if key in ("$u1", "$u2", "$u4", "$f4"):
            return to_bytes(raw, key[1:])
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _walk(payload: Any, path: str) -> tuple[Any, Any]:
    parts = path.split(".")
    node = payload
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    return node, int(last) if isinstance(node, list) else last


def run(case: dict[str, Any]) -> dict[str, Any]:
    payload: Any = copy.deepcopy(store_payload())
    if "replace" in case:
        payload = case["replace"]
    for path, value in case.get("set", {}).items():
        node, key = _walk(payload, path)
        node[key] = _decode(value)
    for path in case.get("delete", []):
        node, key = _walk(payload, path)
        del node[key]
    for path, value in case.get("append", {}).items():
        node, key = _walk(payload, path)
        node[key].append(_decode(value))
    try:
        loaded = bundle_mod.load(payload)
    except bundle_mod.BundleError as exc:
        return {"error": str(exc)}
    return {
        "version": loaded.version,
        "items": len(loaded.catalog),
        "rules": loaded.rule_count,
        "segments": len(loaded.segments),
        "experiments": sorted(loaded.experiments),
    }
