"""What the edge holds about one visitor, read from the verified state cookie (Pyodide side).

Only the edge can verify its signed cookie, so the visitor's privacy page asks the edge
(`GET /_tailor/state`) and the edge answers from here: the decoded state in plain fields,
and the segments the current bundle puts this visitor in. A missing, tampered or foreign
cookie yields `has_state: false` and nothing else, so nobody reads someone else's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import cookie as cookie_mod
from core.bundle import Bundle
from core.decide import decide
from core.state import VisitorState, fresh

NO_STATE = "-"
"""The fresh id handed to `cookie.decode`: a decoded state never carries it."""
INTERESTS_TOP = 8
RECENT_MAX = 12
DAY = 86_400


def verified_state(raw: object, key: bytes, now: int, bundle: Bundle) -> VisitorState | None:
    """The state in a correctly signed cookie value, else None."""
    if not isinstance(raw, str) or not raw or cookie_mod.unpack(raw, key) is None:
        return None
    state = cookie_mod.decode(raw, key, now, NO_STATE, bundle.settings)
    return None if state.visitor_id == NO_STATE else state


def _titled(bundle: Bundle, ids: list[str]) -> list[dict[str, str]]:
    catalog = bundle.catalog
    out = []
    for item in ids:
        index = catalog.index.get(item)
        title = catalog.titles[index] if index is not None else item
        url = catalog.urls[index] if index is not None else ""
        out.append({"id": item, "title": title, "url": url})
    return out


def _interests(state: VisitorState, now: int, half_life: float) -> list[dict[str, Any]]:
    ranked = sorted(((key, c.at(now, half_life)) for key, c in state.interests.items()),
                    key=lambda pair: (-pair[1], pair[0]))
    out = []
    for key, value in ranked[:INTERESTS_TOP]:
        kind, _, name = key.partition(":")
        out.append({"kind": kind, "name": name, "value": round(value, 3)})
    return out


def summary(bundle: Bundle, request: Mapping[str, Any], key: bytes, now: int) -> dict[str, Any]:
    """The visitor's state in plain fields, plus this bundle's segments and consent mode."""
    cookies = request.get("cookies")
    raw = cookies.get("tailor_s") if isinstance(cookies, Mapping) else None
    state = verified_state(raw, key, now, bundle)
    consent_cookie = cookies.get("tailor_consent") if isinstance(cookies, Mapping) else None
    base: dict[str, Any] = {"has_state": state is not None, "consent": consent_cookie,
                            "version": bundle.version}
    probe = dict(request)
    probe["page_slots"] = []
    decision = decide(bundle, probe, state or fresh(NO_STATE, now), now)
    base["mode"] = decision.mode
    if state is None:
        base["segments"] = [] if decision.mode == "profile" else list(decision.segments)
        return base
    half_life = bundle.settings.half_life_hours
    exposures = {block: sum(1 for ts in shown if ts >= now - DAY)
                 for block, shown in sorted(state.exposures.items())}
    base.update({
        "visitor": state.visitor_id,
        "known_id": state.known_id,
        "created_at": state.created_at,
        "visit_count": state.visit_count,
        "session_pages": state.session_pages,
        "recent_items": _titled(bundle, state.recent_items[:RECENT_MAX]),
        "interests": _interests(state, now, half_life),
        "segments": list(decision.segments),
        "cart": _titled(bundle, list(state.cart)),
        "purchases": len(state.purchases),
        "exposures_last_day": {b: n for b, n in exposures.items() if n},
        "assignments": {exp: var.partition("@")[0]
                        for exp, var in sorted(state.assignments.items())},
        "events_held": len(state.events),
    })
    return base

