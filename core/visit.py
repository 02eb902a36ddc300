"""One visit at the edge, end to end in pure Python: cookie in, decision, cookie out.

The edge's glue makes exactly one call per page request (`handle_page`) and one per beacon
batch (`handle_events`), passing plain dicts; both return plain dicts ready for JSON. Keys,
clock and random visitor ids come from the caller, so these stay pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core import consent as consent_mod
from core import cookie as cookie_mod
from core import fold as fold_mod
from core.bundle import Bundle
from core.decide import decide
from core.state import EVENT_TYPES, VisitorState

STATE_COOKIE = "tailor_s"
CONSENT_COOKIE = "tailor_consent"
FOLDABLE = frozenset(EVENT_TYPES) - {"exposure"}


def _cookies(request: Mapping[str, Any]) -> Mapping[str, Any]:
    cookies = request.get("cookies")
    return cookies if isinstance(cookies, Mapping) else {}


def _state(
    bundle: Bundle, request: Mapping[str, Any], key: bytes, now: int, fresh_id: str
) -> tuple[VisitorState, bool]:
    raw = _cookies(request).get(STATE_COOKIE)
    value = raw if isinstance(raw, str) else None
    return cookie_mod.decode(value, key, now, fresh_id, bundle.settings), value is not None


def _set_cookie(
    bundle: Bundle, state: VisitorState, profile: bool, had_cookie: bool, key: bytes, now: int
) -> str | None:
    """New cookie value; "" asks the edge to delete the cookie (consent withdrawn)."""
    if profile:
        return cookie_mod.encode(state, key, bundle.settings, now)
    return "" if had_cookie else None


def handle_page(
    bundle: Bundle, request: Mapping[str, Any], cookie_key: bytes, now: int, fresh_id: str
) -> dict[str, Any]:
    """Decide a page: slot HTML (None keeps the default), cookie, events to forward."""
    state, had_cookie = _state(bundle, request, cookie_key, now, fresh_id)
    decision = decide(bundle, request, state, now)
    state = decision.state
    profile = decision.consent.profile
    forward = decision.events + decision.exposures if decision.consent.store else []
    return {
        "slots": {name: slot.html for name, slot in decision.slots.items()},
        "decisions": {
            name: {
                "block": s.block,
                "rule": s.rule,
                "experiment": s.experiment,
                "variation": s.variation,
                "items": s.items,
                "error": s.error,
            }
            for name, s in decision.slots.items()
        },
        "set_cookie": _set_cookie(bundle, state, profile, had_cookie, cookie_key, now),
        "forward": forward,
        "exposures": decision.exposures,
        "segments": decision.segments,
        "mode": decision.mode,
        "holdout": decision.holdout,
        "visitor": state.visitor_id if profile else None,
        "known_id": state.known_id if profile else None,
        "needs_profile": bool(profile and state.known_id and request.get("profile") is None),
        "version": bundle.version,
    }


def _event_error(index: int, event: object) -> str | None:
    if not isinstance(event, Mapping):
        return f"events[{index}]: expected an object"
    if event.get("type") not in FOLDABLE:
        return f"events[{index}].type: unknown event type {event.get('type')!r}"
    return None


def handle_events(
    bundle: Bundle,
    request: Mapping[str, Any],
    events: Sequence[Any],
    cookie_key: bytes,
    now: int,
    fresh_id: str,
) -> dict[str, Any]:
    """Fold a beacon batch into the state at once; forward it only with consent."""
    state, had_cookie = _state(bundle, request, cookie_key, now, fresh_id)
    consent = consent_mod.resolve(request.get("consent"), bundle.consent)
    errors = [e for e in (_event_error(i, ev) for i, ev in enumerate(events)) if e is not None]
    if not consent.profile:
        return {
            "set_cookie": _set_cookie(bundle, state, False, had_cookie, cookie_key, now),
            "accepted": 0,
            "forward": [],
            "errors": errors,
            "mode": "contextual",
        }
    forward: list[dict[str, Any]] = []
    hidden = bundle.consent.sensitive - consent.sensitive_optins
    for index, event in enumerate(events):
        if _event_error(index, event) is not None:
            continue
        info = bundle.catalog.info(event["item"]) if isinstance(event.get("item"), str) else None
        if info is not None and info.category in hidden:
            continue  # behaviour around sensitive items is never kept without opt-in
        before = state
        state = fold_mod.fold(state, event, now, bundle.settings, bundle.catalog.info)
        if state is not before:
            forward.append({**event, "visitor": state.visitor_id})
    return {
        "set_cookie": _set_cookie(bundle, state, True, had_cookie, cookie_key, now),
        "accepted": len(forward),
        "forward": forward if consent.store else [],
        "errors": errors,
        "mode": "profile",
    }
