"""core.attributes: the condition attribute map (context always, profile only with consent)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.attributes import CONTEXT_PATHS, PROFILE_PATHS, context, profile, referrer_host
from core.state import Counter, LoggedEvent, fresh
from tests.core_support import T0

FULL_REQUEST = {
    "path": "/products/boot-1",
    "query": {"q": "boots"},
    "device": "mobile",
    "country": "DE",
    "language": "de",
    "referrer": "https://www.Google.com/search?q=boots",
    "local_hour": 21,
    "weekday": 5,
    "profile": {"segments": ["vip"], "propensities": {"churn": 0.9}},
    "attributes": {"tier": "gold"},
    "cart": ["x"],
    "interests": {"category:hiking": 9.0},
}


def test_context_has_exactly_the_context_keys() -> None:
    attrs = context(FULL_REQUEST, "product", "boot-1", "hiking")
    assert set(attrs) == CONTEXT_PATHS - {"now"}
    assert not set(attrs) & PROFILE_PATHS
    assert attrs == {
        "path": "/products/boot-1",
        "page_type": "product",
        "item": "boot-1",
        "item_category": "hiking",
        "device": "mobile",
        "country": "DE",
        "language": "de",
        "referrer_host": "www.google.com",
        "local_hour": 21,
        "weekday": 5,
        "query": {"q": "boots"},
    }


def test_context_defaults() -> None:
    attrs = context({}, None, None, None)
    assert attrs["path"] == "/"
    assert attrs["device"] == "desktop"
    assert attrs["query"] == {}
    assert attrs["referrer_host"] is None
    assert context({"query": "q=1"}, None, None, None)["query"] == {}


def test_context_and_profile_paths_are_disjoint() -> None:
    assert not CONTEXT_PATHS & PROFILE_PATHS


@pytest.mark.parametrize(
    "referrer,host",
    [
        ("https://www.Example.COM/a?b=c", "www.example.com"),
        ("http://user:pw@shop.example.org:8080/x", "shop.example.org"),
        ("//cdn.example.net/a", "cdn.example.net"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("http://[::1]/x", "::1"),
        ("http://[::1", None),
        ("example.com/path", None),
        ("/relative/path", None),
        ("", None),
        (None, None),
        (42, None),
        (["https://a.example"], None),
    ],
)
def test_referrer_host(referrer: object, host: str | None) -> None:
    assert referrer_host(referrer) == host


@given(st.text(max_size=80))
def test_referrer_host_never_raises(text: str) -> None:
    host = referrer_host(text)
    assert host is None or host == host.lower()


def test_profile_has_exactly_the_profile_keys() -> None:
    s = fresh("v", T0)
    attrs = profile(s, T0, 72.0, None)
    assert set(attrs) == PROFILE_PATHS
    assert attrs["known"] is False
    assert attrs["propensity"] == {}
    assert (attrs["cart_size"], attrs["purchases_count"], attrs["visit_count"]) == (0, 0, 1)


def test_profile_decays_counters_and_copies_lists() -> None:
    s = fresh("v", T0)
    s.interests["category:hiking"] = Counter(4.0, T0)
    s.counts["view"] = Counter(2.0, T0)
    s.events = [LoggedEvent(T0, "view", "boot-1", "hiking")]
    s.cart = ["snk-1"]
    s.recent_items = ["boot-1"]
    s.known_id = "user-1"
    attrs = profile(s, T0 + 72 * 3600, 72.0, None)
    assert attrs["interests"] == {"category:hiking": pytest.approx(2.0)}
    assert attrs["counts"] == {"view": pytest.approx(1.0)}
    assert attrs["events"] == [{"type": "view", "ts": T0, "item": "boot-1", "category": "hiking"}]
    assert attrs["cart"] == ["snk-1"] and attrs["cart_size"] == 1
    assert attrs["known"] is True
    attrs["cart"].append("y")
    assert s.cart == ["snk-1"]


def test_profile_reads_known_propensities_and_drops_non_numbers() -> None:
    known = {"propensities": {"churn": 0.25, "vip": 1, "bad": "high", "none": None}}
    attrs = profile(fresh("v", T0), T0, 72.0, known)
    assert attrs["propensity"] == {"churn": 0.25, "vip": 1.0}
    assert profile(fresh("v", T0), T0, 72.0, {"propensities": [1]})["propensity"] == {}


def test_profile_leaves_out_behaviour_under_a_withdrawn_sensitive_opt_in() -> None:
    state = fresh("v", T0)
    for key in ("category:health", "tag:health", "brand:acme", "search:health", "category:run"):
        state.interests[key] = Counter(1.0, T0)
    state.events = [
        LoggedEvent(T0, "view", "vit-1", "health"),  # a hidden category
        LoggedEvent(T0, "view", "shoe-1", "running"),  # tagged health: a hidden item
        LoggedEvent(T0, "view", "boot-1", "hiking"),
        LoggedEvent(T0, "search", None, None),
    ]
    everything = profile(state, T0, 24.0, None)
    assert len(everything["interests"]) == 5 and len(everything["events"]) == 4
    hidden = profile(state, T0, 24.0, None, frozenset({"health"}), frozenset({"shoe-1"}))
    assert set(hidden["interests"]) == {"brand:acme", "category:run"}
    assert [e["item"] for e in hidden["events"]] == ["boot-1", None]
