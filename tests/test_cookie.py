"""core.cookie: round trips, the size bound and its eviction order, every rejection path."""

from __future__ import annotations

import base64
import re

import pytest

from core import cookie, cookie_columns, cookie_format
from core.settings import Settings
from core.state import Counter, LoggedEvent, VisitorState, fresh, state_to_dict

KEY = b"test-cookie-key"
T = 1_700_000_000
NOW = T + 7200
SETTINGS = Settings()


def typical() -> VisitorState:
    s = fresh("v-abc", T)
    s.updated_at = T + 3600
    s.visit_count, s.session_pages, s.revision = 3, 4, 17
    s.recent_items = ["boots", "tent", "sock"]
    s.interests = {"category:hiking": Counter(3.25, T + 3500), "brand:acme": Counter(1.5, T + 10)}
    s.counts = {"view": Counter(5.0, T + 3500)}
    s.events = [LoggedEvent(T + 100 * i, "view", f"item-{i}", "hiking") for i in range(30)]
    s.cart, s.cart_changed_at = ["boots"], T + 3550
    s.purchases, s.last_purchase_at = ["mug"], T + 20
    s.exposures = {"hero": [T + 3000, T + 3500]}
    s.assignments = {"exp-1": "b"}
    s.consent, s.known_id = "granted", "cust-9"
    return s


def big() -> VisitorState:
    s = typical()
    s.recent_items = [f"recent-item-{i:04d}" for i in range(12)]
    s.events = [LoggedEvent(T + i, "click", f"logged-item-{i:04d}", f"c{i}") for i in range(32)]
    s.interests = {f"category:c{i}": Counter(1.0 + i, T + i) for i in range(24)}
    s.cart = [f"cart-item-{i:04d}" for i in range(20)]
    s.purchases = [f"bought-item-{i:04d}" for i in range(12)]
    s.exposures = {f"block-{b}": [T + 10 * b + k for k in range(8)] for b in range(16)}
    return s


def roundtrip(s: VisitorState, settings: Settings = SETTINGS, **kw: bool) -> VisitorState:
    value = cookie.encode(s, KEY, settings, NOW, **kw)
    assert len(value) <= settings.cookie_max_bytes
    return cookie.decode(value, KEY, NOW, "fresh", settings)


def is_fresh(s: VisitorState) -> bool:
    return state_to_dict(s) == state_to_dict(fresh("fresh", NOW))


def test_roundtrip_is_exact_for_thousandths() -> None:
    s = typical()
    assert roundtrip(s) == s


def test_roundtrip_of_a_full_state_with_compression() -> None:
    s = big()  # ~3,150 characters uncompressed: over the default limit, ~1,170 compressed
    assert roundtrip(s, compress=True) == s
    plain = roundtrip(s)
    assert 0 < len(plain.events) < len(s.events)
    assert plain.events == s.events[len(s.events) - len(plain.events) :]
    plain.events = s.events
    assert plain == s


def test_compression_flag_is_used_only_when_it_helps() -> None:
    plain = cookie.encode(big(), KEY, SETTINGS, NOW)
    packed = cookie.encode(big(), KEY, SETTINGS, NOW, compress=True)
    assert len(packed) < len(plain)
    assert base64.urlsafe_b64decode(packed.split(".")[0] + "==")[1] == cookie.FLAG_ZLIB


def test_counter_values_are_quantized_to_half_a_thousandth() -> None:
    s = fresh("v", T)
    s.interests = {f"k{i}": Counter(i / 7, T + i) for i in range(20)}
    back = roundtrip(s)
    for k, c in s.interests.items():
        assert abs(back.interests[k].value - c.value) <= 0.0005
        assert back.interests[k].updated_at == c.updated_at


def test_value_is_deterministic_and_url_safe() -> None:
    first = cookie.encode(typical(), KEY, SETTINGS, NOW)
    assert first == cookie.encode(typical(), KEY, SETTINGS, NOW)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", first)


def test_encode_does_not_mutate_its_input() -> None:
    s = big()
    before = state_to_dict(s)
    cookie.encode(s, KEY, Settings(cookie_max_bytes=200), NOW)
    assert state_to_dict(s) == before


def test_typical_state_size() -> None:
    assert len(cookie.encode(typical(), KEY, SETTINGS, NOW)) < 1000


@pytest.mark.parametrize("limit", [3000, 1500, 800, 400, 200, 120, 80, 70])
def test_eviction_keeps_the_value_within_the_limit(limit: int) -> None:
    settings = Settings(cookie_max_bytes=limit)
    s = big()
    s.recent_items = ["r" * 200 + str(i) for i in range(12)]
    back = roundtrip(s, settings)
    assert back.visitor_id == s.visitor_id or s.visitor_id.startswith(back.visitor_id)


def test_eviction_order_events_then_exposures_then_interests() -> None:
    s = big()
    value = cookie.encode(s, KEY, Settings(cookie_max_bytes=1400), NOW)
    back = cookie.decode(value, KEY, NOW, "fresh", SETTINGS)
    assert back.cart == s.cart and back.purchases == s.purchases
    if back.interests != s.interests:  # interests only go once events and exposures are gone
        assert not back.events and not back.exposures
    if back.exposures != s.exposures:
        assert not back.events
    assert back.events == s.events[len(s.events) - len(back.events) :]  # newest kept


def test_eviction_drops_the_lowest_decayed_interest() -> None:
    s = fresh("v", T)
    s.interests = {"category:old": Counter(50.0, T - 40 * 86400), "category:new": Counter(1.0, NOW)}
    payloads = (cookie_format.payload(s, False), cookie_columns.payload(s, False))
    full = min(len(cookie.pack(p, KEY)) for p in payloads if p is not None)  # the shorter one
    back = roundtrip(s, Settings(cookie_max_bytes=full - 1))
    assert list(back.interests) == ["category:new"]


def test_nothing_fits_gives_an_empty_value() -> None:
    assert cookie.encode(typical(), KEY, Settings(cookie_max_bytes=20), NOW) == ""


def test_settings_bounds_are_applied_on_encode() -> None:
    s = big()
    settings = Settings(recent_items_max=2, event_log_max=3, cart_max=4, interests_max=5)
    back = roundtrip(s, settings)
    assert back.recent_items == s.recent_items[:2]
    assert back.events == s.events[-3:]
    assert back.cart == s.cart[-4:]
    assert sorted(back.interests) == sorted(f"category:c{i}" for i in range(19, 24))


def test_signature_is_hmac_sha256_truncated() -> None:
    import hashlib
    import hmac

    value = cookie.encode(typical(), KEY, SETTINGS, NOW)
    body, sig = value.split(".")
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    mac = hmac.new(KEY, payload, hashlib.sha256).digest()[:16]
    assert base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == sig
    assert payload[0] == cookie_columns.VERSION  # a typical state is written as version 2


def resigned(value: str, change: bytes) -> str:
    body = value.split(".")[0]
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return cookie.pack(change + payload[len(change) :], KEY)


VALUE = cookie.encode(typical(), KEY, SETTINGS, NOW)
REJECTED = {
    "none": None,
    "empty": "",
    "garbage": "not a cookie",
    "dot only": ".",
    "no signature": VALUE.split(".")[0],
    "two dots": VALUE + ".x",
    "bad base64": "!" + VALUE[1:],
    "tampered signature": VALUE[:-2] + ("A" if VALUE[-2] != "A" else "B") + VALUE[-1],
    "tampered payload": VALUE[:5] + ("A" if VALUE[5] != "A" else "B") + VALUE[6:],
    "truncated": VALUE[:-1],
    "truncated payload": VALUE[:40] + VALUE[VALUE.index(".") :],
    "oversized": "A" * 5000 + VALUE,
    "wrong version": resigned(VALUE, b"\x07"),
    "unknown flags": resigned(VALUE, b"\x01\x80"),
    "trailing byte": cookie.pack(cookie.unpack(VALUE, KEY) + b"\x00", KEY),  # type: ignore[operator]
    "signed junk": cookie.pack(b"\x01\x00\xff\xff\xff", KEY),
    "signed empty": cookie.pack(b"", KEY),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_unreadable_values_start_a_fresh_visitor(name: str) -> None:
    assert is_fresh(cookie.decode(REJECTED[name], KEY, NOW, "fresh", SETTINGS))


def _variants_of_the_same_bytes(value: str) -> dict[str, str]:
    """Spellings of VALUE's payload that a lenient base64 decoder reads as the same bytes
    (so its signature still verifies): only canonical unpadded base64url is accepted."""
    body, sig = value.split(".")
    at = next(i for i, ch in enumerate(body) if ch in "-_")
    twin = {"-": "+", "_": "/"}[body[at]]
    return {
        "standard alphabet": body[:at] + twin + body[at + 1 :] + "." + sig,
        "padding": body + "=" * (-len(body) % 4 or 4) + "." + sig,
        "inner whitespace": body[:8] + " " + body[8:] + "." + sig,
        "newline": body[:8] + "\n" + body[8:] + "." + sig,
        "non-ASCII": body[:8] + "é" + body[8:] + "." + sig,
    }


def test_only_canonical_base64url_is_read() -> None:
    value = next(
        v
        for v in (cookie.encode(typical(), KEY, SETTINGS, NOW + i) for i in range(200))
        if any(ch in "-_" for ch in v.split(".")[0])
    )
    assert cookie.decode(value, KEY, NOW, "fresh", SETTINGS).visitor_id == "v-abc"
    for name, variant in _variants_of_the_same_bytes(value).items():
        assert is_fresh(cookie.decode(variant, KEY, NOW, "fresh", SETTINGS)), name


def test_wrong_key_starts_a_fresh_visitor() -> None:
    assert is_fresh(cookie.decode(VALUE, b"other", NOW, "fresh", SETTINGS))
    assert cookie.decode(VALUE, KEY, NOW, "fresh", SETTINGS).visitor_id == "v-abc"


def test_non_string_values_never_raise() -> None:
    for value in (b"bytes", 42, ["x"], {"a": 1}):
        assert is_fresh(cookie.decode(value, KEY, NOW, "fresh", SETTINGS))  # type: ignore[arg-type]


def test_future_dated_beyond_the_skew_is_rejected() -> None:
    s = fresh("v", T)
    s.updated_at = NOW + cookie.FUTURE_SKEW_SECONDS
    assert roundtrip(s) == s
    s.updated_at += 1
    assert is_fresh(roundtrip(s))
    later = fresh("v", NOW + 86400)
    assert is_fresh(roundtrip(later))


def test_a_lowered_limit_still_reads_older_cookies() -> None:
    value = cookie.encode(big(), KEY, SETTINGS, NOW)
    assert len(value) > 1000
    back = cookie.decode(value, KEY, NOW, "fresh", Settings(cookie_max_bytes=1000))
    assert back.visitor_id == "v-abc"


def test_inflate_is_bounded() -> None:
    import zlib

    bomb = bytes((cookie.VERSION, cookie.FLAG_ZLIB)) + zlib.compress(b"\x00" * 1_000_000)
    assert is_fresh(cookie.decode(cookie.pack(bomb, KEY), KEY, NOW, "fresh", SETTINGS))


def test_lone_surrogates_and_nul_round_trip() -> None:
    s = fresh("v-\ud800", T)
    s.recent_items = ["a\x00b", "\udfff"]
    assert roundtrip(s) == s


@pytest.mark.parametrize("limit", [2500, 1500, 900, 400, 150])
def test_eviction_search_matches_one_piece_at_a_time(limit: int) -> None:
    settings = Settings(cookie_max_bytes=limit)
    work = big()
    while len(value := cookie._fitting(work, KEY, limit, False)) > limit:
        assert cookie._evict_one(work, NOW, settings.half_life_hours)
    assert cookie.encode(big(), KEY, settings, NOW) == value
