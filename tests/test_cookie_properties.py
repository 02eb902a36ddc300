"""Property tests for core.cookie: decoding never raises and never invents a state; encoding
always fits; states within the limits survive a round trip at the codec's precision."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import cookie, cookie_columns, cookie_format
from core.settings import Settings
from core.state import (
    EVENT_TYPES,
    Counter,
    LoggedEvent,
    VisitorState,
    copy_state,
    fresh,
    state_to_dict,
)

KEY = b"property-key"
T = 1_700_000_000
NOW = T + 86400
DEFAULTS = Settings()
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(min_size=0, max_size=12)
times = st.integers(min_value=0, max_value=NOW)
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
counters = st.builds(Counter, values, times)
events = st.builds(
    LoggedEvent, times, st.sampled_from(EVENT_TYPES), st.none() | ids, st.none() | ids
)


@st.composite
def states(draw: st.DrawFn, scale: int = 1) -> VisitorState:
    """Random states; scale > 1 overshoots every list bound (and long strings appear)."""
    text = ids if scale == 1 else st.text(max_size=60)
    s = fresh(draw(st.text(min_size=1, max_size=24 * scale)), draw(times))
    s.updated_at = draw(times)
    s.session_started_at = draw(times)
    s.known_id = draw(st.none() | text)
    s.consent = draw(st.none() | text)
    s.visit_count = draw(st.integers(0, 10_000))
    s.session_pages = draw(st.integers(0, 1_000))
    s.revision = draw(st.integers(0, 2**40))
    s.recent_items = draw(st.lists(text, max_size=4 * scale))
    s.interests = draw(st.dictionaries(text, counters, max_size=8 * scale))
    s.counts = draw(st.dictionaries(st.sampled_from(EVENT_TYPES), counters))
    s.events = draw(st.lists(events, max_size=10 * scale))
    s.cart = draw(st.lists(text, max_size=5 * scale))
    s.cart_changed_at = draw(times)
    s.purchases = draw(st.lists(text, max_size=4 * scale))
    s.last_purchase_at = draw(times)
    s.exposures = draw(
        st.dictionaries(text, st.lists(times, min_size=1, max_size=3 * scale), max_size=4 * scale)
    )
    s.assignments = draw(st.dictionaries(text, text, max_size=3 * scale))
    return s


def quantized(s: VisitorState) -> dict[str, object]:
    data = state_to_dict(s)
    for table in ("interests", "counts"):
        data[table] = {k: (round(v * 1000), t) for k, (v, t) in data[table].items()}
    return data


def is_fresh(s: VisitorState) -> bool:
    return state_to_dict(s) == state_to_dict(fresh("fresh", NOW))


@FAST
@given(states())
def test_states_within_limits_round_trip(s: VisitorState) -> None:
    value = cookie.encode(s, KEY, DEFAULTS, NOW)
    back = cookie.decode(value, KEY, NOW, "fresh", DEFAULTS)
    assert quantized(back) == quantized(s)
    assert cookie.encode(back, KEY, DEFAULTS, NOW) == value


@FAST
@given(states(scale=8), st.integers(min_value=0, max_value=4000))
def test_any_state_encodes_within_the_limit(s: VisitorState, limit: int) -> None:
    limits = Settings(cookie_max_bytes=limit)
    value = cookie.encode(s, KEY, limits, NOW)
    assert len(value) <= limit
    back = cookie.decode(value, KEY, NOW, "fresh", limits)
    assert value == "" or back.visitor_id and s.visitor_id.startswith(back.visitor_id)


@FAST
@given(st.one_of(st.text(max_size=200), st.text(alphabet="AQCx_-.abz09=", max_size=200)))
def test_random_strings_decode_to_a_fresh_visitor(value: str) -> None:
    assert is_fresh(cookie.decode(value, KEY, NOW, "fresh", DEFAULTS))


@FAST
@given(st.binary(max_size=300))
def test_signed_random_payloads_never_raise(payload: bytes) -> None:
    cookie.decode(cookie.pack(payload, KEY), KEY, NOW, "fresh", DEFAULTS)


@FAST
@given(st.binary(max_size=200), st.sampled_from(sorted(cookie.PARSERS)))
def test_signed_junk_of_either_version_never_raises(body: bytes, version: int) -> None:
    for flags in (0, cookie.FLAG_ZLIB):
        value = cookie.pack(bytes((version, flags)) + body, KEY)
        cookie.decode(value, KEY, NOW, "fresh", DEFAULTS)


@FAST
@given(states(scale=2))
def test_both_payload_versions_decode_to_the_same_state(s: VisitorState) -> None:
    s.revision %= 2**32  # larger ones are version 1's (tests/test_cookie_columns.py)
    v1 = cookie_format.payload(s, False)
    v2 = cookie_columns.payload(s, False)
    assert v2 is not None  # every generated time and counter fits the columns
    assert state_to_dict(cookie_columns.parse(v2[2:])) == state_to_dict(cookie_format.parse(v1[2:]))


@FAST
@given(states(), st.integers(2, 200), st.integers(0, 255))
def test_version_two_with_one_byte_changed_parses_to_a_well_formed_state_or_fails_cleanly(
    s: VisitorState, index: int, byte: int
) -> None:
    s.revision %= 2**32
    payload = bytearray(cookie_columns.payload(s, False) or b"")
    payload[index % len(payload)] = byte
    try:
        back = cookie_columns.parse(bytes(payload[2:]))
    except (ValueError, IndexError, KeyError):  # UnicodeDecodeError is a ValueError
        return
    again = cookie_columns.payload(back, False)  # well formed: it encodes and reads back
    assert again is not None
    assert state_to_dict(cookie_columns.parse(again[2:])) == state_to_dict(back)


MUTATIONS = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 10_000), st.characters()),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.characters()),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just("")),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just("")),
)


@FAST
@given(states(), st.lists(MUTATIONS, min_size=1, max_size=4))
def test_mutated_cookies_decode_to_the_original_or_fresh(
    s: VisitorState, mutations: list[tuple[str, int, str]]
) -> None:
    original = cookie.encode(s, KEY, DEFAULTS, NOW)
    value = original
    for kind, index, char in mutations:
        i = index % (len(value) + 1)
        if kind == "replace":
            value = value[:i] + char + value[i + 1 :]
        elif kind == "insert":
            value = value[:i] + char + value[i:]
        elif kind == "delete":
            value = value[:i] + value[i + 1 :]
        else:
            value = value[:i]
    back = cookie.decode(value, KEY, NOW, "fresh", DEFAULTS)
    expected = cookie.decode(original, KEY, NOW, "fresh", DEFAULTS)
    assert is_fresh(back) or state_to_dict(back) == state_to_dict(expected)


@FAST
@given(states(scale=2), st.sampled_from([300, 1200, 3000]))
def test_encode_with_state_gives_the_value_and_exactly_what_it_decodes_to(
    s: VisitorState, limit: int
) -> None:
    limits = Settings(cookie_max_bytes=limit)
    s.counts["teleport"] = Counter(1.0, T)  # an unknown type: dropped by both versions
    expected = cookie.encode(copy_state(s), KEY, limits, NOW)
    value, kept = cookie.encode_with_state(s, KEY, limits, NOW)
    assert value == expected
    if kept is not None:  # known whenever nothing had to be evicted
        assert state_to_dict(kept) == state_to_dict(cookie.decode(value, KEY, NOW, "x", limits))
