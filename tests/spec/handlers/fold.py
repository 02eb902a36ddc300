"""Spec handler for `core.fold`: events folded into a state, sessions, exposures, interests.

Input: {"op": "fold" | "fold_many" | "touch" | "record_exposure" | "interests",
"state": state dict (or omitted: a fresh visitor "v1" created at "created"), "now": int,
"events": [event], "catalog": {item id: {category, brand, tags}}, "settings": {overrides},
"fields": [names to return] (default: all)}. Counter values are rounded to 6 digits.
"""

from __future__ import annotations

from typing import Any

from core import fold
from core.settings import ItemInfo, Settings
from core.state import VisitorState, fresh, state_from_dict, state_to_dict


def _rounded(state: VisitorState, fields: list[str] | None) -> dict[str, Any]:
    data = state_to_dict(state)
    for table in ("interests", "counts"):
        data[table] = {k: [round(v, 6), t] for k, (v, t) in data[table].items()}
    return {k: data[k] for k in fields} if fields else data


def run(case: dict[str, Any]) -> Any:
    settings = Settings(**case.get("settings", {}))
    now = int(case["now"])
    if "state" in case:
        state = state_from_dict(case["state"])
    else:
        state = fresh("v1", int(case.get("created", now)))
    catalog = {
        item: ItemInfo(info.get("category"), info.get("brand"), tuple(info.get("tags", ())))
        for item, info in case.get("catalog", {}).items()
    }
    op = case["op"]
    fields = case.get("fields")
    if op == "interests":
        half_life = settings.half_life_hours
        interests = fold.decayed_interests(state, now, half_life)
        counts = fold.decayed_counts(state, now, half_life)
        return {
            "interests": {k: round(v, 6) for k, v in interests.items()},
            "counts": {k: round(v, 6) for k, v in counts.items()},
            "at": {k: round(fold.interest_at(state, k, now, half_life), 6) for k in case["keys"]},
        }
    before = state_to_dict(state)
    if op == "fold":
        result = fold.fold(state, case["event"], now, settings, catalog.get)
    elif op == "fold_many":
        result = fold.fold_many(state, case["events"], now, settings, catalog.get)
    elif op == "touch":
        result = fold.touch(state, now, settings, case.get("page", True))
    elif op == "record_exposure":
        result = state
        for block in case["blocks"]:
            result = fold.record_exposure(result, block, now, settings)
    else:
        raise ValueError(f"unknown op {op}")
    if state_to_dict(state) != before:
        raise AssertionError("the input state was mutated")
    return {"ignored": result is state, "state": _rounded(result, fields)}
