"""The attribute map every condition sees, built once per request.

Context attributes (page, device, geo, time) are always present. Profile attributes (what
the visitor did) are present only with profile consent; without it they are absent, so a
condition over them cannot match on stored behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from core.state import VisitorState, decayed

PROFILE_PATHS = frozenset(
    {
        "interests",
        "counts",
        "events",
        "cart",
        "cart_size",
        "cart_changed_at",
        "purchases_count",
        "last_purchase_at",
        "recent_items",
        "session_pages",
        "visit_count",
        "known",
        "propensity",
    }
)
"""Attributes that come from stored behaviour: conditions reading them need profile consent."""

CONTEXT_PATHS = frozenset(
    {
        "path",
        "page_type",
        "item",
        "item_category",
        "device",
        "country",
        "language",
        "referrer_host",
        "local_hour",
        "weekday",
        "now",
        "query",
    }
)


def referrer_host(referrer: object) -> str | None:
    """The host of a referrer URL, lower-cased; None when absent or unparsable."""
    if not isinstance(referrer, str) or not referrer:
        return None
    try:
        host = urlsplit(referrer).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def context(
    request: Mapping[str, Any], page_type: str | None, item: str | None, item_category: str | None
) -> dict[str, Any]:
    """Context attributes: usable without any consent (TCF purpose 11)."""
    query = request.get("query")
    return {
        "path": request.get("path") or "/",
        "page_type": page_type,
        "item": item,
        "item_category": item_category,
        "device": request.get("device") or "desktop",
        "country": request.get("country"),
        "language": request.get("language"),
        "referrer_host": referrer_host(request.get("referrer")),
        "local_hour": request.get("local_hour"),
        "weekday": request.get("weekday"),
        "query": query if query.__class__ is dict or isinstance(query, Mapping) else {},
    }


def profile(
    state: VisitorState,
    now: int,
    half_life_hours: float,
    known_profile: Mapping[str, Any] | None,
    hidden: frozenset[str] = frozenset(),
    hidden_items: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Profile attributes from the live state (and the origin's long-term profile if any).

    Behaviour kept under a sensitive opt-in since withdrawn is left out: interests whose
    category, brand, tag or search term is in `hidden`, and events in a hidden category or
    on one of `hidden_items`.
    """
    propensity: dict[str, float] = {}
    if known_profile is not None:
        raw = known_profile.get("propensities")
        if isinstance(raw, Mapping):
            propensity = {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float))}
    interests = decayed(state.interests, now, half_life_hours)
    if hidden:
        interests = {k: v for k, v in interests.items() if k.partition(":")[2] not in hidden}
    return {
        "interests": interests,
        "counts": decayed(state.counts, now, half_life_hours),
        "events": [
            {"type": e.type, "ts": e.ts, "item": e.item, "category": e.category}
            for e in state.events
            if e.category not in hidden and e.item not in hidden_items
        ],
        "cart": list(state.cart),
        "cart_size": len(state.cart),
        "cart_changed_at": state.cart_changed_at,
        "purchases_count": len(state.purchases),
        "last_purchase_at": state.last_purchase_at,
        "recent_items": list(state.recent_items),
        "session_pages": state.session_pages,
        "visit_count": state.visit_count,
        "known": state.known_id is not None,
        "propensity": propensity,
    }
