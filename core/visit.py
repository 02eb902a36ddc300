"""One visit at the edge, end to end in pure Python: cookie in, decision, cookie out.

The edge's glue makes exactly one call per page request (`handle_page`) and one per beacon
batch (`handle_events`), passing plain dicts; both return plain dicts ready for JSON. Keys,
clock and random visitor ids come from the caller, so these stay pure.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from core import consent as consent_mod
from core import cookie as cookie_mod
from core import fold as fold_mod
from core.attributes import referrer_host
from core.bundle import Bundle
from core.consent import ConsentDecision
from core.decide import Decision, decide
from core.state import EVENT_TYPES, VisitorState, fresh

STATE_COOKIE = "tailor_s"
CONSENT_COOKIE = "tailor_consent"
FOLDABLE = frozenset(EVENT_TYPES) - {"exposure"}


def _cookies(request: Mapping[str, Any]) -> Mapping[str, Any]:
    cookies = request.get("cookies")
    return cookies if cookies.__class__ is dict or isinstance(cookies, Mapping) else {}


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


_K = TypeVar("_K")
_V = TypeVar("_V")
CONTEXT_CACHE_ENTRIES = 10_000
STATE_CACHE_ENTRIES = 2_000
CONSENT_CACHE_ENTRIES = 1_000


def _read_state(
    bundle: Bundle, value: str | None, key: bytes, now: int, fresh_id: str
) -> tuple[VisitorState, bool]:
    """The state in a cookie, from the recent-states memo when this process wrote it, and
    whether it is the caller's own (freshly decoded) rather than the memo's shared one.

    The memo is keyed by the signing key and the exact cookie value, and holds the state as
    the cookie decodes (`cookie.encode_with_state`), so a hit gives what a decode would.
    Decisions never change a state they are not handed over (they work on a copy), so it
    can be shared.
    """
    if value is not None:
        known = bundle.recent_states.get((key, value))
        limit = now + cookie_mod.FUTURE_SKEW_SECONDS
        if (
            known is not None
            and max(known.created_at, known.updated_at, known.session_started_at) <= limit
        ):
            return known, False  # what decode gives, including its future-date check
    return cookie_mod.decode(value, key, now, fresh_id, bundle.settings), True


def _keep(memo: OrderedDict[_K, _V], key: _K, value: _V, limit: int) -> None:
    """Insert, dropping the oldest entry when full: one entry is freed per insert, never a
    whole memo at once (freeing thousands of states inside one request stalls it)."""
    if len(memo) >= limit:
        memo.popitem(last=False)
    memo[key] = value


def _remember(bundle: Bundle, key: bytes, value: str, state: VisitorState) -> None:
    if value:
        _keep(bundle.recent_states, (key, value), state, STATE_CACHE_ENTRIES)


_SCALARS = frozenset((str, int, float, bool))
_CONTEXT_FIELDS = ("path", "device", "country", "language", "local_hour", "weekday")


def consent_for(bundle: Bundle, request: Mapping[str, Any]) -> ConsentDecision:
    """`consent.resolve` of the request, memoised per bundle by the three inputs it reads
    (when they are plain values): parsing a TC string on every page is work that repeats."""
    raw = request.get("consent")
    if raw.__class__ is dict:
        gpc, cookie, tcf = raw.get("gpc"), raw.get("cookie"), raw.get("tcf")
        if (
            (cookie is None or cookie.__class__ is str)
            and (tcf is None or tcf.__class__ is str)
            and (gpc is None or gpc.__class__ in _SCALARS)
        ):
            key = (gpc, cookie, tcf)
            found = bundle.consents.get(key)
            if found is None:
                found = consent_mod.resolve(raw, bundle.consent)
                _keep(bundle.consents, key, found, CONSENT_CACHE_ENTRIES)
            return found
    return consent_mod.resolve(raw, bundle.consent)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a JSON-like value (raises TypeError for anything else)."""
    if value is None or value.__class__ in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    hash(value)
    return value


def _context_key(bundle: Bundle, request: Mapping[str, Any], now: int) -> tuple[object, ...] | None:
    """Everything a contextual decision reads; None when the request cannot be keyed."""
    try:
        return (
            *(_frozen(request.get(name)) for name in _CONTEXT_FIELDS),
            referrer_host(request.get("referrer")),
            _frozen(request.get("query")),
            _frozen(request.get("page_slots")),
            _frozen(request.get("attributes")),
            now if bundle.contextual_reads_now else None,
        )
    except TypeError:
        return None


def _allowed(consent: ConsentDecision) -> dict[str, Any]:
    return {"profile": consent.profile, "purposes": sorted(consent.purposes)}


def _result(bundle: Bundle, decision: Decision, set_cookie: str | None) -> dict[str, Any]:
    state = decision.state
    profile = decision.consent.profile
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
        "set_cookie": set_cookie,
        "forward": decision.events + decision.exposures if decision.consent.store else [],
        "exposures": decision.exposures,
        "segments": decision.segments,
        "mode": decision.mode,
        "holdout": decision.holdout,
        "visitor": state.visitor_id if profile else None,
        "known_id": state.known_id if profile else None,
        "needs_profile": False,
        "version": bundle.version,
    }


def handle_page(
    bundle: Bundle, request: Mapping[str, Any], cookie_key: bytes, now: int, fresh_id: str
) -> dict[str, Any]:
    """Decide a page: slot HTML (None keeps the default), cookie, events to forward.

    Without profile consent the state cookie is not even read, and the decision depends on
    the request's context alone, so it is memoised per bundle by that context. `consent`
    says what this request's consent allows (the edge records a new choice with it).
    """
    consent = consent_for(bundle, request)
    raw = _cookies(request).get(STATE_COOKIE)
    had_cookie = isinstance(raw, str)
    if not consent.profile:
        clear = "" if had_cookie else None
        key = _context_key(bundle, request, now)
        cached = bundle.contextual.get(key) if key is not None else None
        if cached is None:
            decision = decide(bundle, request, fresh(fresh_id, now), now, consent)
            cached = _result(bundle, decision, None)
            if key is not None:
                _keep(bundle.contextual, key, cached, CONTEXT_CACHE_ENTRIES)
        result = dict(cached)  # shared by contexts whose consent differs: set per request
        result["set_cookie"] = clear
        result["consent"] = _allowed(consent)
        return result
    state, owned = _read_state(bundle, raw if had_cookie else None, cookie_key, now, fresh_id)
    decision = decide(bundle, request, state, now, consent, owned=owned)
    state = decision.state
    value, as_decoded = cookie_mod.encode_with_state(state, cookie_key, bundle.settings, now)
    if as_decoded is not None:
        _remember(bundle, cookie_key, value, as_decoded)
    result = _result(bundle, decision, value)
    result["needs_profile"] = bool(state.known_id and request.get("profile") is None)
    result["consent"] = _allowed(consent)
    return result


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
    consent = consent_for(bundle, request)
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
        if info is not None and (info.category in hidden or not hidden.isdisjoint(info.tags)):
            continue  # behaviour around sensitive items is never kept without opt-in
        before = state
        state = fold_mod.fold(state, event, now, bundle.settings, bundle.catalog.info)
        if state is not before:
            sent = {**event, "visitor": state.visitor_id}
            if info is not None and info.category is not None:
                sent["category"] = info.category[:128]  # the catalog's, not the page's claim
            forward.append(sent)
    return {
        "set_cookie": _set_cookie(bundle, state, True, had_cookie, cookie_key, now),
        "accepted": len(forward),
        "forward": forward if consent.store else [],
        "errors": errors,
        "mode": "profile",
    }
