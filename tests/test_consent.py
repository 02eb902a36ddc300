"""core.consent: the resolution rules, the cookie grammar and stripping sensitive data."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core import consent, tcf

POLICY = consent.ConsentPolicy(
    vendor_id=1234,
    profile_purposes=frozenset({1, 5, 6}),
    sensitive=frozenset({"health", "finance"}),
)
GRANTING_TCF = tcf.encode(
    created=1_700_000_000, purpose_consents=range(1, 12), vendor_consents=[1234]
)


def test_nothing_means_contextual_only() -> None:
    decision = consent.resolve({"tcf": None, "gpc": False, "cookie": None}, POLICY)
    assert (decision.profile, decision.store, decision.share, decision.source) == (
        False,
        False,
        False,
        "none",
    )


def test_cookie_beats_tcf_and_tcf_needs_our_vendor() -> None:
    assert consent.resolve({"cookie": "denied", "tcf": GRANTING_TCF}, POLICY).profile is False
    assert consent.resolve({"tcf": GRANTING_TCF}, POLICY).profile is True
    other = consent.ConsentPolicy(vendor_id=99, sensitive=POLICY.sensitive)
    assert consent.resolve({"tcf": GRANTING_TCF}, other).profile is False


def test_gpc_blocks_sharing_and_non_cookie_profile() -> None:
    via_tcf = consent.resolve({"tcf": GRANTING_TCF, "gpc": True}, POLICY)
    assert (via_tcf.profile, via_tcf.share, via_tcf.source) == (False, False, "gpc")
    via_cookie = consent.resolve({"cookie": "granted", "gpc": True}, POLICY)
    assert (via_cookie.profile, via_cookie.store, via_cookie.share) == (True, True, False)


def test_accepts_any_policy_shaped_object() -> None:
    @dataclass(frozen=True)
    class BundlePolicy:  # like core.bundle's own ConsentPolicy
        vendor_id: int | None
        profile_purposes: frozenset[int]
        sensitive: frozenset[str]

    policy = BundlePolicy(None, frozenset({1}), frozenset({"health"}))
    decision = consent.resolve({"cookie": "v1;p=1;s=health"}, policy)
    assert decision.profile and decision.sensitive_optins == {"health"}
    assert consent.allowed_attribute("category:health", decision, policy)


def test_policy_from_dict_defaults() -> None:
    policy = consent.policy_from_dict({})
    assert policy.vendor_id is None and policy.profile_purposes == {1, 5, 6}
    assert policy.context_purposes == {11} and not policy.sensitive


@given(st.sets(st.integers(1, 24)), st.sets(st.sampled_from(["health", "finance", "kids"])))
def test_format_then_parse_round_trips(purposes: set[int], sensitive: set[str]) -> None:
    choice = consent.parse_cookie(consent.format_cookie(purposes, sensitive))
    assert choice is not None
    assert choice.purposes == purposes and choice.sensitive == sensitive


@given(
    cookie=st.one_of(
        st.none(), st.text(max_size=30), st.sampled_from(["granted", "denied", "p1.5.6"])
    ),
    tc=st.one_of(st.none(), st.text(max_size=40), st.just(GRANTING_TCF)),
    gpc=st.one_of(st.booleans(), st.none(), st.sampled_from(["1", "0", 1])),
)
def test_resolve_never_raises_and_gpc_never_shares(cookie: Any, tc: Any, gpc: Any) -> None:
    decision = consent.resolve({"cookie": cookie, "tcf": tc, "gpc": gpc}, POLICY)
    assert decision.source in {"cookie", "tcf", "gpc", "none"}
    assert decision.store == decision.profile
    if gpc in (True, "1"):
        assert not decision.share
    if not decision.profile:
        assert not decision.share and not decision.sensitive_optins


def test_allowed_attribute() -> None:
    opted = consent.resolve({"cookie": "v1;p=1,5,6;s=health"}, POLICY)
    assert consent.allowed_attribute("health", opted, POLICY)
    assert consent.allowed_attribute("interest:category:health", opted, POLICY)
    assert not consent.allowed_attribute("category:finance", opted, POLICY)
    assert consent.allowed_attribute("category:hiking", opted, POLICY)
    assert consent.is_sensitive("tag:finance", POLICY)
    assert not consent.is_sensitive("hiking", POLICY)


_names = st.sampled_from(["health", "finance", "hiking", "category:health", "brand:acme", "x"])
_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(_names, st.integers(), st.floats(allow_nan=False)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_names, inner, max_size=4)
    ),
    max_leaves=12,
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [k for k in value] + [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@given(st.dictionaries(_names, _values, max_size=6))
def test_strip_leaves_no_sensitive_string(attributes: dict[str, Any]) -> None:
    before = copy.deepcopy(attributes)
    decision = consent.resolve({"cookie": "granted"}, POLICY)
    stripped = consent.strip_sensitive(attributes, decision, POLICY)
    assert not [s for s in _strings(stripped) if consent.is_sensitive(s, POLICY)]
    assert attributes == before  # the input is not modified


def test_strip_is_identity_when_everything_opted_in() -> None:
    decision = consent.resolve({"cookie": "v1;p=*;s=health,finance"}, POLICY)
    attributes = {"item_category": "health", "interests": {"category:finance": 1.0}}
    assert consent.strip_sensitive(attributes, decision, POLICY) == attributes
