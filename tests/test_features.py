"""core.features: the feature values centroid and propensity segments are computed from."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.features import (
    MAX_HOURS,
    Feature,
    FeatureError,
    describe,
    parse_features,
    value,
    vector,
)
from core.state import Counter, LoggedEvent, VisitorState, decayed, fresh
from tests.core_support import HOUR, T0

HALF_LIFE = 72.0


def state() -> VisitorState:
    s = fresh("v", T0)
    s.interests["category:hiking"] = Counter(4.0, T0)
    s.counts["view"] = Counter(8.0, T0)
    s.events = [
        LoggedEvent(T0 - 10 * HOUR, "purchase", "boot-1", "hiking"),
        LoggedEvent(T0 - 5 * HOUR, "view", "boot-1", "hiking"),
        LoggedEvent(T0 - 2 * HOUR, "view", "boot-2", "hiking"),
    ]
    s.recent_items = ["boot-2", "boot-1"]
    s.cart = ["snk-1", "snk-2", "snk-3"]
    s.purchases = ["boot-1"]
    s.session_pages = 4
    s.visit_count = 6
    return s


def at(kind: str, key: str = "", now: int = T0, device: str | None = None) -> float:
    return value(Feature("f", kind, key), state(), now, HALF_LIFE, device)


def test_interest_decays_by_half_life() -> None:
    assert at("interest", "category:hiking") == 4.0
    assert at("interest", "category:hiking", T0 + 72 * HOUR) == pytest.approx(2.0)
    assert at("interest", "category:hiking", T0 + 144 * HOUR) == pytest.approx(1.0)
    assert value(
        Feature("f", "interest", "category:hiking"), state(), T0 + 24 * HOUR, 24.0, None
    ) == pytest.approx(2.0)


def test_event_count_decays_by_half_life() -> None:
    assert at("event_count", "view", T0 + 36 * HOUR) == pytest.approx(8.0 * 0.5**0.5)


def test_missing_counters_are_zero() -> None:
    assert at("interest", "category:running") == 0.0
    assert at("event_count", "purchase") == 0.0


def test_hours_since_last_uses_the_newest_event_of_the_type() -> None:
    assert at("hours_since_last", "view") == pytest.approx(2.0)
    assert at("hours_since_last", "purchase") == pytest.approx(10.0)


def test_hours_since_last_is_capped_at_720() -> None:
    assert MAX_HOURS == 720.0
    assert at("hours_since_last", "view", T0 + 2000 * HOUR) == 720.0
    assert at("hours_since_last", "add_to_cart") == 720.0
    assert at("hours_since_last", "view", T0 + 718 * HOUR) == pytest.approx(720.0)


def test_hours_since_last_is_never_negative() -> None:
    assert at("hours_since_last", "view", T0 - 10 * HOUR) == 0.0


def test_device_is_an_indicator() -> None:
    assert at("device", "mobile", device="mobile") == 1.0
    assert at("device", "mobile", device="desktop") == 0.0
    assert at("device", "mobile", device=None) == 0.0


def test_state_sizes() -> None:
    assert at("recent_items") == 2.0
    assert at("cart_size") == 3.0
    assert at("purchases") == 1.0
    assert at("session_pages") == 4.0
    assert at("visit_count") == 6.0


def test_empty_state_gives_zeros_except_hours_since_last() -> None:
    features = parse_features(
        [
            {"kind": "interest", "key": "category:x"},
            {"kind": "cart_size"},
            {"kind": "hours_since_last", "key": "view"},
        ],
        "f",
    )
    assert vector(features, fresh("v", T0), T0, HALF_LIFE) == [0.0, 0.0, 720.0]


def test_vector_keeps_feature_order() -> None:
    features = parse_features(
        [{"kind": "cart_size"}, {"kind": "device", "key": "mobile"}, {"kind": "recent_items"}],
        "f",
    )
    assert vector(features, state(), T0, HALF_LIFE, "mobile") == [3.0, 1.0, 2.0]


def test_parse_fills_default_names_and_describe_round_trips() -> None:
    raw = [{"kind": "interest", "key": "category:hiking"}, {"name": "c", "kind": "cart_size"}]
    features = parse_features(raw, "segments[0].features")
    assert features == (
        Feature("interest:category:hiking", "interest", "category:hiking"),
        Feature("c", "cart_size", ""),
    )
    assert parse_features(describe(features), "x") == features


@pytest.mark.parametrize(
    "raw,match",
    [
        (None, r"where: expected a non-empty list"),
        ([], r"where: expected a non-empty list"),
        (["interest"], r"where\[0\]: expected a map"),
        ([{"kind": "age"}], r"where\[0\]\.kind"),
        ([{"kind": "cart_size"}, {"kind": "interest", "key": 3}], r"where\[1\]"),
        ([{"kind": "cart_size", "name": 1}], r"where\[0\]"),
    ],
)
def test_malformed_features_are_rejected(raw: object, match: str) -> None:
    with pytest.raises(FeatureError, match=match):
        parse_features(raw, "where")


@given(
    value_=st.floats(0, 1e6),
    hours=st.floats(0, 5000),
    half_life=st.floats(1, 1000),
)
def test_decayed_interest_never_grows(value_: float, hours: float, half_life: float) -> None:
    s = fresh("v", T0)
    s.interests["k"] = Counter(value_, T0)
    later = value(Feature("f", "interest", "k"), s, T0 + int(hours * HOUR), half_life, None)
    assert 0.0 <= later <= value_


@given(
    counters=st.lists(
        st.tuples(st.floats(-1e6, 1e6), st.integers(T0 - 400 * HOUR, T0 + 5 * HOUR)), max_size=6
    ),
    half_life=st.sampled_from([0.0, -1.0, 0.5, 72.0, 1e9]),
    hidden=st.sampled_from([frozenset(), frozenset({"c1"})]),
)
def test_vector_reads_the_decayed_counters_it_is_given_as_it_would_compute_them(
    counters: list[tuple[float, int]], half_life: float, hidden: frozenset[str]
) -> None:
    """`decayed` is exactly every counter's `at`, and `vector` with it equals without it."""
    s = state()
    s.interests = {f"category:c{i}": Counter(v, t) for i, (v, t) in enumerate(counters)}
    s.counts = {"view": Counter(*counters[0])} if counters else {}
    interests = decayed(s.interests, T0, half_life)
    counts = decayed(s.counts, T0, half_life)
    assert interests == {k: c.at(T0, half_life) for k, c in s.interests.items()}
    assert counts == {k: c.at(T0, half_life) for k, c in s.counts.items()}
    raw = [{"kind": "interest", "key": f"category:c{i}"} for i in range(7)]
    raw += [{"kind": "event_count", "key": "view"}, {"kind": "cart_size"}]
    features = parse_features(raw, "f")
    expected = vector(features, s, T0, half_life, "mobile", hidden)
    got = vector(features, s, T0, half_life, "mobile", hidden, (interests, counts))
    assert got == expected
    if hidden and len(counters) > 1:
        assert got[1] == 0.0  # a hidden interest reads as absent, decayed or not
