"""Training features from event histories, computed by the edge's own code.

Each visitor's events are folded into a `core.state.VisitorState` with `core.fold` and read
with `core.features`, exactly as the edge does live, so a model never sees a feature the
edge would compute differently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from core import features as core_features
from core.fold import fold_many
from core.settings import ItemInfo, Settings
from core.state import VisitorState

DEFAULT_FEATURES: list[dict[str, str]] = [
    {"name": "views", "kind": "event_count", "key": "view"},
    {"name": "carts", "kind": "event_count", "key": "add_to_cart"},
    {"name": "purchases", "kind": "purchases", "key": ""},
    {"name": "cart_size", "kind": "cart_size", "key": ""},
    {"name": "recent_items", "kind": "recent_items", "key": ""},
    {"name": "session_pages", "kind": "session_pages", "key": ""},
    {"name": "hours_since_view", "kind": "hours_since_last", "key": "view"},
]


def replay(
    visitor: str, events: Iterable[Mapping[str, Any]], settings: Settings,
    item_info: Callable[[str], ItemInfo | None],
) -> VisitorState:
    """The state an edge would hold after seeing `events` (oldest first) one by one."""
    state = VisitorState(visitor_id=visitor)
    for event in sorted(events, key=lambda e: int(e.get("ts") or 0)):
        now = int(event.get("ts") or 0)
        state = fold_many(state, [event], now, settings, item_info)
    return state


def feature_matrix(
    histories: Mapping[str, Sequence[Mapping[str, Any]]], features: list[dict[str, str]],
    now: int, settings: Settings, item_info: Callable[[str], ItemInfo | None],
    device: Mapping[str, str] | None = None,
) -> tuple[list[str], np.ndarray]:
    """(visitor ids, rows of feature values at `now`) for every visitor with history."""
    parsed = core_features.parse_features(features, "features")
    visitors = sorted(histories)
    rows = []
    for visitor in visitors:
        state = replay(visitor, histories[visitor], settings, item_info)
        dev = (device or {}).get(visitor)
        rows.append(core_features.vector(parsed, state, now, settings.half_life_hours, dev))
    return visitors, np.asarray(rows, dtype=np.float64).reshape(len(visitors), len(parsed))


def category_features(categories: Sequence[str], limit: int = 8) -> list[dict[str, str]]:
    """Interest features for the first `limit` categories (callers pass the most common)."""
    return [
        {"name": f"interest_{c}", "kind": "interest", "key": f"category:{c}"}
        for c in categories[:limit]
    ]
