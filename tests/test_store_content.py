"""The demo's content fragment, decided by the real core on a compiled demo catalog."""

from __future__ import annotations

from typing import Any

import msgpack
import numpy as np
import pytest

from core import bundle as bundle_mod
from core.decide import Decision, decide
from core.state import VisitorState, fresh
from origin.compile import TrainedRecs, build_catalog, build_recs
from origin.store.catalog import generate_items
from origin.store.content import CART_OFFER_CAP, EXPERIMENT_ID, assemble_payload, content_fragment

NOW = 1_790_000_000 + 3 * 3600  # a Tuesday, 03:00 UTC
ITEMS = generate_items(160)


def _bundle(trained_segments: list[dict[str, Any]] | None = None) -> bundle_mod.Bundle:
    ids = [it["id"] for it in ITEMS]
    n = len(ids)
    recs = TrainedRecs(item_ids=ids, collab=(np.full((n, 3), -1), np.zeros((n, 3))),
                       popular=list(range(n)))
    catalog = build_catalog(ITEMS)
    sections = {"catalog": catalog,
                "recs": build_recs(ids, recs, k=3, by_category_top=20,
                                   categories=[it["category"] for it in ITEMS]),
                "segments": trained_segments or []}
    payload = assemble_payload(sections, version=1, created_at=NOW)
    wire = msgpack.unpackb(msgpack.packb(payload, use_bin_type=True), raw=False,
                           strict_map_key=False)
    return bundle_mod.load(wire)


BUNDLE = _bundle()


def request(path: str, *, consent: str | None = "granted", device: str = "desktop",
            hour: int = 3, weekday: int = 1) -> dict[str, Any]:
    return {"path": path, "query": {}, "page_slots": ["hero", "promo", "cart_offer", "recs"],
            "device": device, "country": None, "language": None, "referrer": None,
            "local_hour": hour, "weekday": weekday, "profile": None, "attributes": {},
            "consent": {"tcf": None, "gpc": False, "cookie": consent}}


def visit(state: VisitorState, path: str, now: int = NOW, **kw: Any) -> Decision:
    return decide(BUNDLE, request(path, **kw), state, now)


def blocks(decision: Decision) -> dict[str, str | None]:
    return {name: slot.block for name, slot in decision.slots.items()}


def urls(kind: str) -> list[str]:
    return [it["url"] for it in ITEMS if it["kind"] == kind and it["in_stock"]]


def test_fragment_conditions_are_valid_and_the_payload_loads() -> None:
    fragment = content_fragment()
    assert {r["slot"] for r in fragment["rules"]} == set(fragment["slots"])
    assert BUNDLE.version == 1 and EXPERIMENT_ID in BUNDLE.experiments


def test_three_hiking_views_make_a_hiker_on_the_next_page() -> None:
    state = fresh("v1", NOW)
    boots = urls("Hiking Boot") + urls("Hiking Shoe")
    for n, url in enumerate(boots[:2]):
        state = visit(state, url, NOW + n).state
    before = visit(state, "/c/sneakers", NOW + 5)
    assert "hikers" not in before.segments and blocks(before)["hero"] is None
    state = visit(before.state, boots[2], NOW + 6).state
    after = visit(state, "/c/sneakers", NOW + 7)
    assert "hikers" in after.segments
    assert blocks(after)["hero"] == "hero_hiking" and blocks(after)["recs"] == "recs_hiking"
    hiking = {it["id"] for it in ITEMS if it["category"] == "hiking"}
    assert after.slots["recs"].items and set(after.slots["recs"].items) <= hiking


def test_without_consent_no_segment_and_default_hero() -> None:
    state = fresh("v2", NOW)
    for n, url in enumerate(urls("Hiking Boot")[:3]):
        state = visit(state, url, NOW + n, consent=None).state
    decision = visit(state, "/", NOW + 5, consent=None)
    assert decision.mode == "contextual" and "hikers" not in decision.segments
    assert blocks(decision)["hero"] is None  # the experiment needs a visitor id
    assert blocks(decision)["recs"] == "recs_popular"


@pytest.mark.parametrize(("device", "hour", "expected"), [
    ("mobile", 20, "promo_mobile_evening"), ("mobile", 23, "promo_mobile_evening"),
    ("desktop", 20, None), ("desktop", 12, None), ("mobile", 12, None),
])
def test_mobile_evening_offer_is_contextual(device: str, hour: int, expected: str | None) -> None:
    decision = visit(fresh("v3", NOW), "/c/camping", consent=None, device=device, hour=hour)
    assert blocks(decision)["promo"] == expected


def test_cart_offer_outside_the_cart_and_capped_per_day() -> None:
    state = fresh("v4", NOW)
    state.cart = [ITEMS[0]["id"]]
    state.cart_changed_at = NOW
    on_cart = visit(state, "/cart")
    assert blocks(on_cart)["cart_offer"] is None
    shown = []
    state = on_cart.state
    for n, path in enumerate(["/", "/c/hiking", "/search", "/"]):
        decision = visit(state, path, NOW + 60 * (n + 1))
        shown.append(blocks(decision)["cart_offer"] == "cart_offer")
        state = decision.state
    cap = CART_OFFER_CAP["max"]
    assert shown == [True] * cap + [False] * (4 - cap)
    tomorrow = visit(state, "/", NOW + 26 * 3600)
    assert blocks(tomorrow)["cart_offer"] == "cart_offer"


def test_home_experiment_is_sticky_and_splits_visitors() -> None:
    seen = set()
    for n in range(40):
        first = visit(fresh(f"visitor-{n}", NOW), "/")
        slot = first.slots["hero"]
        assert slot.experiment == EXPERIMENT_ID and slot.block == f"hero_home_{slot.variation}"
        again = visit(first.state, "/", NOW + 3600)
        assert again.slots["hero"].variation == slot.variation
        seen.add(slot.variation)
    assert seen == {"a", "b"}


def test_trained_segment_with_a_rule_id_is_dropped() -> None:
    clash = {"id": "hikers", "kind": "propensity", "features": [], "coef": [],
             "intercept": 5.0, "threshold": 0.5}
    bundle = _bundle([clash])
    assert [s.id for s in bundle.segments].count("hikers") == 1
