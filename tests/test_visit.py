"""core.visit: one page request or beacon batch, cookie in and cookie out, never raising."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import cookie as cookie_mod
from core import visit
from core.state import VisitorState
from tests.core_support import GRANTED, HOUR, KEY, NO_CONSENT, T0, load, request

BUNDLE = load()
OPT_IN_HEALTH = {"cookie": "v1;p=*;s=health"}


def page(cookie: str | None = None, now: int = T0, fresh: str = "fresh-1", **fields: Any) -> Any:
    req = request(fields.pop("path", "/"), **fields)
    req["cookies"] = {"tailor_s": cookie} if cookie is not None else {}
    return visit.handle_page(BUNDLE, req, KEY, now, fresh)


def beacon(
    events: list[Any], cookie: str | None = None, now: int = T0, fresh: str = "fresh-1", **f: Any
) -> Any:
    req: dict[str, Any] = {"consent": dict(GRANTED), **f}
    req["cookies"] = {"tailor_s": cookie} if cookie is not None else {}
    return visit.handle_events(BUNDLE, req, events, KEY, now, fresh)


def state_of(cookie: str, now: int = T0) -> VisitorState:
    return cookie_mod.decode(cookie, KEY, now, "<unreadable>", BUNDLE.settings)


def ev(kind: str, item: str | None, ts: int = T0, **extra: Any) -> dict[str, Any]:
    return {"id": f"{kind}-{item}-{ts}", "type": kind, "item": item, "ts": ts, **extra}


def test_consented_page_sets_a_signed_state_cookie() -> None:
    result = page(path="/products/boot-1")
    assert result["mode"] == "profile"
    assert result["visitor"] == "fresh-1"
    state = state_of(result["set_cookie"])
    assert state.visitor_id == "fresh-1"
    assert state.recent_items == ["boot-1"]
    assert [e["type"] for e in result["forward"]][0] == "view"
    assert {e["type"] for e in result["forward"][1:]} == {"exposure"}
    assert result["version"] == BUNDLE.version
    assert result["slots"]["recs"] is not None
    assert result["decisions"]["recs"]["block"] == "recs"


def test_cookie_carries_the_visitor_across_pages() -> None:
    first = page(path="/products/boot-1")
    second = page(first["set_cookie"], now=T0 + 60, fresh="fresh-2", path="/products/boot-2")
    assert second["visitor"] == "fresh-1"
    assert state_of(second["set_cookie"], T0 + 60).recent_items == ["boot-2", "boot-1"]


def test_no_consent_and_no_cookie_sets_nothing() -> None:
    result = page(consent=NO_CONSENT, path="/products/boot-1")
    assert result["set_cookie"] is None
    assert result["mode"] == "contextual"
    assert result["visitor"] is None and result["known_id"] is None
    assert result["forward"] == []
    assert result["exposures"]  # still decided (contextually), just not forwarded


def test_withdrawn_consent_clears_the_cookie() -> None:
    cookie = page()["set_cookie"]
    for consent in (NO_CONSENT, {"cookie": "denied"}, {"gpc": True}):
        result = page(cookie, now=T0 + 60, consent=consent)
        assert result["set_cookie"] == ""
        assert result["forward"] == []


def test_tampered_cookie_starts_a_fresh_visitor() -> None:
    cookie = page(path="/products/boot-1")["set_cookie"]
    body, _, sig = cookie.partition(".")
    tampered = [
        ("B" if body[0] == "A" else "A") + body[1:] + "." + sig,
        body + "." + sig[::-1],
        body,
        "garbage",
    ]
    for value in tampered:
        result = page(value, now=T0 + 60, fresh="fresh-9")
        assert result["visitor"] == "fresh-9"
        assert state_of(result["set_cookie"], T0 + 60).recent_items == []


def test_cookie_signed_with_another_key_is_not_trusted() -> None:
    cookie = page(path="/products/boot-1")["set_cookie"]
    req = request("/", cookies={"tailor_s": cookie})
    result = visit.handle_page(BUNDLE, req, b"another-key-0123456789abcdef0000", T0 + 1, "x")
    assert result["visitor"] == "x"


def test_signed_in_visitor_asks_for_the_profile_once_known() -> None:
    assert page(known_id="user-1")["needs_profile"] is True
    assert page(known_id="user-1")["known_id"] == "user-1"
    assert page(known_id="user-1", profile={"segments": []})["needs_profile"] is False
    assert page()["needs_profile"] is False
    assert page(known_id="user-1", consent=NO_CONSENT)["needs_profile"] is False


def test_events_are_folded_and_forwarded_with_consent() -> None:
    result = beacon([ev("add_to_cart", "shoe-1"), ev("click", "snk-1")])
    assert result["accepted"] == 2 and result["mode"] == "profile"
    assert [e["type"] for e in result["forward"]] == ["add_to_cart", "click"]
    assert all(e["visitor"] == "fresh-1" for e in result["forward"])
    state = state_of(result["set_cookie"])
    assert state.cart == ["shoe-1"]
    # the next page sees it at once
    after = page(result["set_cookie"], now=T0 + 60)
    assert after["decisions"]["promo"]["block"] == "cart_offer"


def test_client_cannot_choose_the_visitor_of_forwarded_events() -> None:
    result = beacon([ev("click", "snk-1", visitor="someone-else")])
    assert result["forward"][0]["visitor"] == "fresh-1"


def test_events_without_consent_are_neither_folded_nor_forwarded() -> None:
    cookie = page()["set_cookie"]
    result = beacon([ev("add_to_cart", "shoe-1")], cookie, consent=NO_CONSENT)
    assert (result["accepted"], result["forward"], result["mode"]) == (0, [], "contextual")
    assert result["set_cookie"] == ""
    assert beacon([ev("click", "snk-1")], consent=NO_CONSENT)["set_cookie"] is None


def test_ignored_events_are_not_forwarded() -> None:
    too_old = ev("click", "snk-1", ts=T0 - 40 * 24 * HOUR)
    result = beacon([too_old, ev("add_to_cart", None)])
    assert result["accepted"] == 0 and result["forward"] == []


def test_malformed_events_are_reported_and_skipped() -> None:
    result = beacon(
        ["x", {"type": "teleport"}, {"type": "exposure", "item": "hero_b"}, ev("click", "snk-1")]
    )
    assert len(result["errors"]) == 3
    assert result["errors"][0].startswith("events[0]")
    assert result["accepted"] == 1


def test_sensitive_item_events_are_not_folded_without_opt_in() -> None:
    result = beacon([ev("add_to_cart", "vit-1"), ev("view", "vit-2"), ev("click", "snk-1")])
    assert result["accepted"] == 1
    assert [e["item"] for e in result["forward"]] == ["snk-1"]
    state = state_of(result["set_cookie"])
    assert state.cart == [] and "vit-2" not in state.recent_items
    assert not [k for k in state.interests if "health" in k]


def test_sensitive_item_events_are_folded_with_opt_in() -> None:
    result = beacon([ev("add_to_cart", "vit-1")], consent=OPT_IN_HEALTH)
    assert result["accepted"] == 1
    assert state_of(result["set_cookie"]).cart == ["vit-1"]


def test_gpc_alone_keeps_events_local() -> None:
    result = beacon([ev("click", "snk-1")], consent={"gpc": True})
    assert result["forward"] == [] and result["accepted"] == 0


REQUEST_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
PATHS = st.one_of(
    st.sampled_from(["/", "/products/boot-1", "/products/vit-1", "/c/hiking", "/cart"]),
    st.text(max_size=40).map(lambda s: "/" + s),
    REQUEST_VALUES,
)
CONSENT_COOKIES = st.one_of(
    st.sampled_from(["granted", "denied", "p1.5.6", "v1;p=*;s=health", "v1;p=1,5", "", "p"]),
    st.text(max_size=20),
    REQUEST_VALUES,
)
CONSENTS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={"cookie": CONSENT_COOKIES, "gpc": REQUEST_VALUES, "tcf": REQUEST_VALUES},
    ),
)
PROFILES = st.one_of(
    REQUEST_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "segments": st.one_of(REQUEST_VALUES, st.lists(REQUEST_VALUES, max_size=3)),
            "candidates": st.one_of(
                REQUEST_VALUES, st.lists(st.sampled_from(["snk-3", "vit-2", "x"]), max_size=3)
            ),
            "propensities": st.one_of(
                REQUEST_VALUES,
                st.dictionaries(st.text(max_size=4), st.floats(allow_nan=True), max_size=3),
            ),
        },
    ),
)
REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "path": PATHS,
        "query": REQUEST_VALUES,
        "page_slots": st.one_of(
            REQUEST_VALUES,
            st.lists(st.sampled_from(["hero", "recs", "promo", "x"]) | REQUEST_VALUES, max_size=4),
        ),
        "device": st.one_of(
            st.sampled_from(["mobile", "tablet", "desktop", "bot"]), REQUEST_VALUES
        ),
        "country": REQUEST_VALUES,
        "language": REQUEST_VALUES,
        "referrer": st.one_of(st.just("https://www.example.com/x"), REQUEST_VALUES),
        "local_hour": st.one_of(st.integers(0, 23), REQUEST_VALUES),
        "weekday": st.one_of(st.integers(0, 6), REQUEST_VALUES),
        "consent": CONSENTS,
        "profile": PROFILES,
        "known_id": REQUEST_VALUES,
        "attributes": st.one_of(
            REQUEST_VALUES, st.dictionaries(st.text(max_size=6), REQUEST_VALUES, max_size=3)
        ),
        "cookies": st.one_of(
            REQUEST_VALUES, st.fixed_dictionaries({}, optional={"tailor_s": REQUEST_VALUES})
        ),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(req=REQUESTS, now=st.integers(T0 - 10**6, T0 + 10**8), carry=st.booleans())
def test_random_requests_never_raise(req: dict[str, Any], now: int, carry: bool) -> None:
    if carry:  # a real cookie from an earlier visit, with whatever else the request holds
        req = {**req, "cookies": {"tailor_s": page(path="/products/boot-1")["set_cookie"]}}
    result = visit.handle_page(BUNDLE, req, KEY, now, "fresh-h")
    assert set(result["slots"]) == set(result["decisions"])
    assert result["mode"] in ("profile", "contextual")
    if result["mode"] == "contextual":
        assert result["forward"] == [] and result["set_cookie"] in (None, "")
    else:
        assert state_of(result["set_cookie"], now).visitor_id in ("fresh-h", "fresh-1")
    for html in result["slots"].values():
        assert html is None or isinstance(html, str)


EVENTS = st.lists(
    st.one_of(
        REQUEST_VALUES,
        st.fixed_dictionaries(
            {"type": st.sampled_from(["view", "click", "add_to_cart", "purchase", "search"])},
            optional={
                "item": st.one_of(st.sampled_from(["snk-1", "vit-1", "nope"]), REQUEST_VALUES),
                "ts": REQUEST_VALUES,
                "value": REQUEST_VALUES,
                "query": REQUEST_VALUES,
                "id": REQUEST_VALUES,
            },
        ),
    ),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(events=EVENTS, consent=CONSENTS, now=st.integers(T0, T0 + 10**6))
def test_random_beacons_never_raise(events: list[Any], consent: Any, now: int) -> None:
    result = visit.handle_events(BUNDLE, {"consent": consent}, events, KEY, now, "fresh-e")
    assert result["accepted"] == len(result["forward"]) or result["forward"] == []
    opted_in = isinstance(consent, dict) and consent.get("cookie") == "v1;p=*;s=health"
    if not opted_in:
        assert "vit-1" not in [e.get("item") for e in result["forward"]]


@pytest.mark.parametrize("consent", ["granted", ["granted"], 1])
def test_non_map_consent_is_treated_as_none(consent: object) -> None:
    result = visit.handle_page(BUNDLE, {"path": "/", "consent": consent}, KEY, T0, "f")
    assert result["mode"] == "contextual"


def test_non_map_consent_in_a_beacon_is_treated_as_none() -> None:
    result = visit.handle_events(BUNDLE, {"consent": "granted"}, [], KEY, T0, "f")
    assert result["mode"] == "contextual"


def test_memoised_states_equal_what_decoding_the_cookie_gives() -> None:
    """The edge skips decoding a cookie it wrote itself; that must not change any answer."""
    bundle = load()
    value = None
    paths = ["/products/boot-1", "/products/boot-2", "/c/hiking", "/products/shoe-1", "/"]
    for step, path in enumerate(paths * 3):
        request = {
            "path": path,
            "consent": {"cookie": "granted"},
            "cookies": {"tailor_s": value},
            "page_slots": ["hero", "recs", "promo"],
        }
        result = visit.handle_page(bundle, request, KEY, T0 + 600 * step, "fresh")
        value = result["set_cookie"]
        memo = bundle.recent_states[(KEY, value)]
        assert memo == cookie_mod.decode(value, KEY, T0 + 600 * step, "other", bundle.settings)


def test_a_state_served_twice_from_the_memo_is_never_changed_by_a_decision() -> None:
    """A memo hit is shared, so the decision copies it; a fresh decode is handed over."""
    bundle = load()
    first = visit.handle_page(bundle, page_request(None), KEY, T0, "fresh")["set_cookie"]
    shared = bundle.recent_states[(KEY, first)]
    before = cookie_mod.decode(first, KEY, T0 + 60, "other", bundle.settings)
    answers = [
        visit.handle_page(bundle, page_request(first), KEY, T0 + 60, "fresh") for _ in range(2)
    ]
    assert bundle.recent_states[(KEY, first)] is shared and shared == before
    assert answers[0] == answers[1]
    bundle.recent_states.clear()  # the same request again, now from a decoded (owned) state
    assert visit.handle_page(bundle, page_request(first), KEY, T0 + 60, "fresh") == answers[0]


def test_memos_drop_their_oldest_entry_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(visit, "STATE_CACHE_ENTRIES", 3)
    bundle = load()
    values: list[str] = []
    value = None
    for step in range(5):
        now = T0 + 600 * step
        value = visit.handle_page(bundle, page_request(value), KEY, now, "fresh")["set_cookie"]
        values.append(value)
    assert list(bundle.recent_states) == [(KEY, v) for v in values[2:]]
    # an evicted cookie is decoded again, to the same answer
    again = visit.handle_page(bundle, page_request(values[0]), KEY, T0 + 600, "fresh")
    bundle.recent_states[(KEY, values[0])] = cookie_mod.decode(
        values[0], KEY, T0 + 600, "other", bundle.settings
    )
    assert visit.handle_page(bundle, page_request(values[0]), KEY, T0 + 600, "fresh") == again


def page_request(cookie: str | None) -> dict[str, Any]:
    return {
        "path": "/products/boot-1",
        "consent": {"cookie": "granted"},
        "cookies": {"tailor_s": cookie},
        "page_slots": ["hero", "recs", "promo"],
    }


def test_memoised_consent_decisions_equal_resolving_each_request() -> None:
    from core import consent as consent_mod
    from core import tcf

    granting = tcf.encode(created=1_700_000_000, purpose_consents=range(1, 12))
    cookies = [None, "granted", "denied", "v1;p=1,5,6;s=health", "v1;p=1", "garbage"]
    inputs = [
        {"gpc": gpc, "cookie": cookie, "tcf": tc}
        for gpc in (None, False, True, "1", 1, "0")
        for cookie in cookies
        for tc in (None, granting, "not-a-tc-string")
    ]
    bundle = load()
    for _ in range(2):  # the second pass is answered from the memo
        for raw in inputs:
            assert visit.consent_for(bundle, {"consent": raw}) == consent_mod.resolve(
                raw, bundle.consent
            ), raw
    assert 0 < len(bundle.consents) <= len(inputs)
    # inputs that are not plain values are resolved, never memoised
    odd = {"consent": {"cookie": ["granted"], "gpc": {"x": 1}}}
    assert visit.consent_for(bundle, odd) == consent_mod.resolve(odd["consent"], bundle.consent)
    assert visit.consent_for(bundle, {"consent": "granted"}).profile is False


def test_each_page_says_what_its_own_consent_allows() -> None:
    """Contextual answers are shared by one context; the consent in each is the request's."""
    bundle = load()
    answers = []
    for choice in ("v1;p=1", "denied", "v1;p=1,5", "granted"):
        req = request("/", consent={"cookie": choice})
        req["cookies"] = {}
        answers.append(visit.handle_page(bundle, req, KEY, T0, "fresh-1"))
    assert [a["consent"] for a in answers] == [
        {"profile": False, "purposes": [1]},
        {"profile": False, "purposes": []},
        {"profile": False, "purposes": [1, 5]},
        {"profile": True, "purposes": list(range(1, 12))},
    ]
    assert answers[1]["slots"] == answers[0]["slots"] and len(bundle.contextual) == 1
