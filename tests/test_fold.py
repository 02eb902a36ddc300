"""core.fold: each event type's effects, validation, bounds, sessions, exposures, decay."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import fold
from core.settings import ItemInfo, Settings
from core.state import EVENT_TYPES, Counter, VisitorState, fresh, state_to_dict

T = 1_700_000_000
NOW = T + 600
SETTINGS = Settings()
CATALOG = {
    "boots": ItemInfo("hiking", "acme", ("waterproof",)),
    "tent": ItemInfo("camping", "trek", ()),
}


def apply(event: dict[str, Any], state: VisitorState | None = None, **kw: Any) -> VisitorState:
    base = state if state is not None else fresh("v1", T)
    return fold.fold(base, event, NOW, Settings(**kw), CATALOG.get)


def test_view_updates_counts_interests_recent_and_log() -> None:
    s = apply({"type": "view", "item": "boots", "ts": NOW})
    assert s.counts["view"] == Counter(1.0, NOW)
    assert {k: c.value for k, c in s.interests.items()} == {
        "category:hiking": 1.0,
        "brand:acme": 1.0,
        "tag:waterproof": 1.0,
    }
    assert s.recent_items == ["boots"]
    assert [(e.type, e.item, e.category) for e in s.events] == [("view", "boots", "hiking")]
    assert (s.revision, s.updated_at) == (1, NOW)


@pytest.mark.parametrize(
    ("etype", "value", "weight"),
    [
        ("click", None, 1.0),
        ("hover", None, 0.25),
        ("dwell", 30, 0.5),
        ("dwell", 1000, 2.0),
        ("scroll", 0.6, 0.3),
        ("scroll", 60, 0.3),
        ("add_to_cart", None, 3.0),
        ("purchase", None, 5.0),
        ("remove_from_cart", None, 0.0),
    ],
)
def test_interest_weight_per_type(etype: str, value: float | None, weight: float) -> None:
    s = apply({"type": etype, "item": "tent", "ts": NOW, "value": value})
    assert s.counts[etype].value == 1.0
    assert s.interests.get("category:camping", Counter()).value == pytest.approx(weight)


def test_fold_never_mutates_its_input() -> None:
    base = fresh("v1", T)
    base.cart = ["boots"]
    before = state_to_dict(base)
    after = apply({"type": "purchase", "item": "boots", "ts": NOW}, base)
    assert state_to_dict(base) == before
    assert after.cart == [] and after.purchases == ["boots"] and after.last_purchase_at == NOW


@pytest.mark.parametrize(
    "event",
    [
        {"type": "teleport", "item": "boots"},
        {"type": None},
        {"item": "boots"},
        {"type": "view", "item": 5},
        {"type": "view", "ts": "now"},
        {"type": "view", "ts": NOW - 31 * 86400},
        {"type": "view", "value": float("nan")},
        {"type": "view", "ts": float("inf")},
        {"type": "dwell", "item": "boots"},
        {"type": "add_to_cart"},
        {"type": "exposure"},
        {"type": "search", "query": "   "},
    ],
)
def test_bad_events_return_the_same_state(event: dict[str, Any]) -> None:
    base = fresh("v1", T)
    assert apply(event, base) is base


def test_a_failing_item_lookup_ignores_the_event() -> None:
    def broken(item: str) -> ItemInfo | None:
        raise KeyError(item)

    base = fresh("v1", T)
    assert fold.fold(base, {"type": "view", "item": "x"}, NOW, SETTINGS, broken) is base


def test_fold_many_tolerates_a_non_iterable() -> None:
    base = fresh("v1", T)
    assert fold.fold_many(base, 5, NOW, SETTINGS, CATALOG.get) is base  # type: ignore[arg-type]


def test_timestamps_ms_future_and_missing() -> None:
    assert apply({"type": "view", "ts": (NOW - 5) * 1000}).events[0].ts == NOW - 5
    assert apply({"type": "view", "ts": NOW + 999}).events[0].ts == NOW
    assert apply({"type": "view"}).events[0].ts == NOW


def test_cart_and_purchase_flow() -> None:
    events = [
        {"type": "add_to_cart", "item": "boots", "ts": NOW - 30},
        {"type": "add_to_cart", "item": "tent", "ts": NOW - 20},
        {"type": "remove_from_cart", "item": "boots", "ts": NOW - 10},
        {"type": "add_to_cart", "item": "boots", "ts": NOW - 5},
        {"type": "purchase", "ts": NOW},
    ]
    s = fold.fold_many(fresh("v1", T), events, NOW, SETTINGS, CATALOG.get)
    assert s.cart == [] and s.cart_changed_at == NOW
    assert s.purchases == ["boots", "tent"]
    assert s.revision == 5


def test_bounds_are_kept() -> None:
    small = Settings(recent_items_max=2, event_log_max=3, cart_max=2, interests_max=2)
    events = [{"type": "add_to_cart", "item": f"i{n}", "ts": NOW - 10 + n} for n in range(6)]
    s = fold.fold_many(fresh("v1", T), events, NOW, small, lambda i: ItemInfo(category=i))
    assert s.recent_items == ["i5", "i4"]
    assert [e.item for e in s.events] == ["i3", "i4", "i5"]
    assert s.cart == ["i4", "i5"]
    assert sorted(s.interests) == ["category:i4", "category:i5"]


def test_search_interest_key_is_normalised() -> None:
    s = apply({"type": "search", "query": "Rain-Jacket  XL!"})
    assert list(s.interests) == ["search:rain jacket xl"]
    assert fold.normalise_query("x" * 100) == "x" * fold.SEARCH_TERM_MAX_CHARS


def test_decay_before_adding() -> None:
    base = fresh("v1", T)
    base.interests["category:hiking"] = Counter(8.0, NOW - 2 * 72 * 3600)
    s = apply({"type": "view", "item": "boots", "ts": NOW}, base)
    assert s.interests["category:hiking"].value == pytest.approx(3.0)
    assert fold.interest_at(s, "category:hiking", NOW + 72 * 3600, 72.0) == pytest.approx(1.5)
    assert fold.interest_at(s, "category:none", NOW, 72.0) == 0.0
    assert fold.decayed_interests(s, NOW, 72.0)["brand:acme"] == pytest.approx(1.0)


def test_sessions_by_gap() -> None:
    base = fresh("v1", T)
    base.updated_at = NOW - 31 * 60
    base.session_pages = 4
    s = fold.touch(base, NOW, SETTINGS)
    assert (s.visit_count, s.session_started_at, s.session_pages) == (2, NOW, 1)
    s2 = fold.touch(s, NOW + 60, SETTINGS)
    assert (s2.visit_count, s2.session_pages) == (2, 2)
    s3 = fold.touch(s2, NOW + 120, SETTINGS, page=False)
    assert (s3.session_pages, s3.revision) == (2, s2.revision + 1)


def test_record_exposure_bounds() -> None:
    s = fresh("v1", T)
    for n in range(10):
        s = fold.record_exposure(s, "hero", NOW + n, SETTINGS)
    assert s.exposures["hero"] == [NOW + n for n in range(2, 10)]
    for b in range(fold.EXPOSURE_BLOCKS_MAX):
        s = fold.record_exposure(s, f"b{b}", NOW + 100 + b, SETTINGS)
    assert len(s.exposures) == fold.EXPOSURE_BLOCKS_MAX and "hero" not in s.exposures


def test_exposure_event_uses_item_as_block() -> None:
    s = apply({"type": "exposure", "item": "hero", "ts": NOW})
    assert s.exposures == {"hero": [NOW]} and s.events == [] and s.counts["exposure"].value == 1


EVENT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["boots", "tent", "x" * 200]),
    st.lists(st.integers(), max_size=2),
)
EVENTS = st.one_of(
    st.dictionaries(
        st.sampled_from(["type", "item", "ts", "value", "query", "path", "id"]),
        EVENT_VALUES,
    ),
    st.fixed_dictionaries(
        {"type": st.sampled_from((*EVENT_TYPES, "nope"))},
        optional={
            "item": EVENT_VALUES,
            "ts": st.integers(min_value=NOW - 40 * 86400, max_value=NOW * 1000),
            "value": EVENT_VALUES,
            "query": EVENT_VALUES,
        },
    ),
    EVENT_VALUES,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(EVENTS, max_size=8))
def test_random_events_never_raise_and_keep_bounds(events: list[Any]) -> None:
    base = fresh("v1", T)
    before = state_to_dict(base)
    s = fold.fold_many(base, events, NOW, SETTINGS, CATALOG.get)
    assert state_to_dict(base) == before
    assert len(s.events) <= SETTINGS.event_log_max and len(s.recent_items) <= 12
    assert all(e.ts <= NOW for e in s.events)
    assert [e.ts for e in s.events] == sorted(e.ts for e in s.events)
