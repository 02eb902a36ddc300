"""core.cookie_columns: version 2 decodes to exactly what version 1 does, and falls back to
version 1 for states its fixed-width columns cannot hold."""

from __future__ import annotations

import math
from array import array

from core import cookie, cookie_columns, cookie_format
from core.settings import Settings
from core.state import Counter, LoggedEvent, VisitorState, fresh, state_to_dict
from tests.test_cookie import KEY, NOW, SETTINGS, T, typical


def mixed() -> VisitorState:
    """The cookie tests' typical state plus a second exposed block and an event with no item."""
    s = typical()
    s.exposures["recs"] = [T + 30]
    s.events.append(LoggedEvent(T + 3600, "view"))
    return s


def both(s: VisitorState) -> tuple[VisitorState, VisitorState]:
    v2 = cookie_columns.payload(s, False)
    assert v2 is not None and v2[0] == cookie_columns.VERSION
    return cookie_columns.parse(v2[2:]), cookie_format.parse(cookie_format.payload(s, False)[2:])


def test_the_columns_are_four_bytes_wide_on_this_platform() -> None:
    assert array("I").itemsize == 4 and array("i").itemsize == 4


def test_a_typical_state_decodes_the_same_from_both_versions() -> None:
    v2, v1 = both(mixed())
    assert state_to_dict(v2) == state_to_dict(v1)
    assert v2.exposures == {"hero": [T + 3000, T + 3500], "recs": [T + 30]}
    assert v2.events[-1] == LoggedEvent(T + 3600, "view", None, None)


def test_a_surrogate_pair_split_across_two_strings_stays_split() -> None:
    s = fresh("v", T)
    s.recent_items = ["a\ud83d", "\ude00b", "\ud83d\ude00"]
    v2, v1 = both(s)
    assert v2.recent_items == v1.recent_items == s.recent_items


def test_states_the_columns_cannot_hold_are_written_as_version_one() -> None:
    cases = {
        "NaN counter": lambda s: s.counts.update(view=Counter(math.nan, T)),
        "counter past int32": lambda s: s.interests.update(x=Counter(3e6, T)),
        "time before 1970": lambda s: setattr(s, "cart_changed_at", -1),
        "time past 2106": lambda s: setattr(s, "last_purchase_at", 2**32),
        "revision past u32": lambda s: setattr(s, "revision", 2**32),
    }
    for name, change in cases.items():
        s = typical()
        change(s)
        assert cookie_columns.payload(s, False) is None, name
        value = cookie.encode(s, KEY, SETTINGS, NOW)
        assert cookie.unpack(value, KEY)[0] == cookie_format.VERSION, name  # type: ignore[index]
        assert cookie.decode(value, KEY, NOW, "fresh", SETTINGS).visitor_id == "v-abc", name


def test_version_one_is_written_when_only_it_fits_the_limit() -> None:
    s = typical()
    v1 = cookie.pack(cookie_format.payload(s, False), KEY)
    v2 = cookie.pack(cookie_columns.payload(s, False) or b"", KEY)
    assert len(v1) < len(v2)
    value = cookie.encode(s, KEY, Settings(cookie_max_bytes=len(v1)), NOW)
    assert value == v1  # nothing evicted that version 1 can keep
    assert cookie.encode(s, KEY, Settings(cookie_max_bytes=len(v2)), NOW) == v2


def test_compressed_version_two_round_trips() -> None:
    s = typical()
    s.recent_items = [f"item-{n:05d}" for n in range(20)]
    payload = cookie_columns.payload(s, True)
    assert payload is not None and payload[1] == cookie.FLAG_ZLIB
    back = cookie.decode(cookie.pack(payload, KEY), KEY, NOW, "fresh", SETTINGS)
    plain = cookie_columns.payload(s, False)
    assert plain is not None
    assert state_to_dict(back) == state_to_dict(cookie_columns.parse(plain[2:]))


def test_trailing_or_missing_bytes_are_rejected() -> None:
    payload = cookie_columns.payload(mixed(), False)
    assert payload is not None
    for broken in (payload + b"\x00", payload[:-1], payload[:10]):
        back = cookie.decode(cookie.pack(broken, KEY), KEY, NOW, "fresh", SETTINGS)
        assert back.visitor_id == "fresh"
