"""core.decide: rule walking, caps, rotation, experiments, holdout, consent and fail-open slots."""

from __future__ import annotations

from typing import Any

import pytest

from core import decide as decide_mod
from core.bundle import Bundle
from core.decide import decide
from core.state import VisitorState, fresh, state_to_dict
from tests.core_support import HOUR, NO_CONSENT, T0, category_of, load, payload, request

BUNDLE = load()
OPT_IN_HEALTH = {"cookie": "v1;p=*;s=health"}


def run(
    path: str = "/",
    state: VisitorState | None = None,
    now: int = T0,
    bundle: Bundle | None = None,
    **fields: Any,
) -> decide_mod.Decision:
    return decide(bundle or BUNDLE, request(path, **fields), state or fresh("visitor-1", T0), now)


def with_cart(*items: str, **exposures: list[int]) -> VisitorState:
    s = fresh("visitor-1", T0 - HOUR)
    s.cart = list(items)
    s.updated_at = T0 - HOUR
    s.exposures = dict(exposures)
    return s


def blocks(decision: decide_mod.Decision) -> dict[str, str | None]:
    return {name: slot.block for name, slot in decision.slots.items()}


def test_rules_are_walked_in_priority_order() -> None:
    evening = run(device="mobile", local_hour=20)
    assert evening.slots["hero"].rule == "mobile-evening"
    assert evening.slots["hero"].html == '<p class="offer">Evening app deal: 10% off</p>'
    noon = run(device="mobile", local_hour=12)
    assert noon.slots["hero"].rule == "home-test"


def test_only_the_page_slots_are_decided() -> None:
    decision = run(page_slots=["recs", "sidebar", 5])
    assert set(decision.slots) == {"recs", "sidebar"}
    assert decision.slots["sidebar"].html is None and decision.slots["sidebar"].block is None
    assert run(page_slots="hero").slots == {}


def test_frequency_cap_stops_a_block_after_max_exposures() -> None:
    once = run(state=with_cart("shoe-1", cart_offer=[T0 - 2 * HOUR]))
    assert once.slots["promo"].block == "cart_offer"
    assert once.state.exposures["cart_offer"] == [T0 - 2 * HOUR, T0]
    twice = run(state=with_cart("shoe-1", cart_offer=[T0 - 2 * HOUR, T0 - HOUR]))
    assert twice.slots["promo"].block is None
    assert twice.slots["promo"].html is None
    assert "cart_offer" not in [e["item"] for e in twice.exposures]


def test_frequency_cap_window_slides() -> None:
    old = [T0 - 30 * HOUR, T0 - 25 * HOUR]
    assert run(state=with_cart("shoe-1", cart_offer=old)).slots["promo"].block == "cart_offer"


def test_capped_decisions_accumulate_across_pages() -> None:
    state = with_cart("shoe-1")
    shown = []
    for step in range(4):
        decision = run(state=state, now=T0 + step * HOUR)
        shown.append(decision.slots["promo"].block)
        state = decision.state
    assert shown == ["cart_offer", "cart_offer", None, None]


def test_rotation_picks_the_least_shown_block() -> None:
    state = fresh("visitor-1", T0)
    picks = []
    for step in range(4):
        decision = run("/c/hiking", state=state, now=T0 + step * 60)
        picks.append(decision.slots["promo"].block)
        state = decision.state
    assert picks == ["promo_a", "promo_b", "promo_a", "promo_b"]
    s = fresh("visitor-1", T0)
    s.exposures = {"promo_a": [T0 - 10, T0 - 5]}
    assert run("/c/x", state=s).slots["promo"].block == "promo_b"


def test_rotation_only_on_matching_paths() -> None:
    assert run("/c/a/b").slots["promo"].block == "promo_a"  # "/c/**" crosses segments
    assert run("/products/boot-1").slots["promo"].block is None


def test_experiment_assignment_is_recorded_and_sticky() -> None:
    first = run()
    hero = first.slots["hero"]
    assert hero.experiment == "hero-test" and hero.variation in ("control", "b")
    assert hero.block == {"control": "hero_default", "b": "hero_b"}[hero.variation]
    assert first.state.assignments == {"hero-test": hero.variation}
    other = "b" if hero.variation == "control" else "control"
    forced = fresh("visitor-1", T0)
    forced.assignments = {"hero-test": other}
    again = run(state=forced)
    assert again.slots["hero"].variation == other
    assert again.state.assignments == {"hero-test": other}


def test_experiment_variations_are_spread_over_visitors() -> None:
    seen = {run(state=fresh(f"v{i}", T0)).slots["hero"].variation for i in range(40)}
    assert seen == {"control", "b"}


def test_experiments_need_profile_consent() -> None:
    decision = run(consent=NO_CONSENT)
    assert decision.slots["hero"].experiment is None
    assert decision.slots["hero"].html is None
    assert decision.state.assignments == {}


def test_exposures_name_slot_rule_and_variation_with_unique_ids() -> None:
    decision = run("/c/hiking")
    by_slot = {e["slot"]: e for e in decision.exposures}
    assert set(by_slot) == {"recs", "promo"}
    assert by_slot["promo"]["item"] == "promo_a"
    assert by_slot["promo"]["rule"] == "promo-rotate"
    assert by_slot["recs"]["type"] == "exposure"
    assert len({e["id"] for e in decision.exposures}) == len(decision.exposures)
    assert all(e["visitor"] == "visitor-1" and e["ts"] == T0 for e in decision.exposures)


def test_holdout_keeps_every_slot_on_defaults() -> None:
    holdout = load(holdout={"percent": 100, "seed": "h"})
    decision = run("/products/boot-1", bundle=holdout)
    assert decision.holdout is True
    assert all(s.html is None and s.block is None for s in decision.slots.values())
    assert decision.exposures == []
    assert decision.state.exposures == {}
    assert decision.state.recent_items == ["boot-1"]  # behaviour is still learnt


def test_holdout_is_per_visitor() -> None:
    half = load(holdout={"percent": 50, "seed": "h"})
    flags = {run(state=fresh(f"v{i}", T0), bundle=half).holdout for i in range(40)}
    assert flags == {True, False}


def test_contextual_visitors_are_never_held_out() -> None:
    holdout = load(holdout={"percent": 100, "seed": "h"})
    decision = run(bundle=holdout, consent=NO_CONSENT, device="mobile", local_hour=20)
    assert decision.holdout is False
    assert decision.slots["hero"].block == "hero_mobile_evening"


def test_profile_mode_folds_the_page_view() -> None:
    decision = run("/products/boot-1")
    assert decision.mode == "profile"
    assert decision.item == "boot-1" and decision.page_type == "product"
    assert decision.state.recent_items == ["boot-1"]
    assert [e["type"] for e in decision.events] == ["view"]
    assert decision.events[0]["item"] == "boot-1"
    assert decision.events[0]["category"] == "hiking"  # from the catalog, for the origin
    assert decision.state.session_pages == 1


def test_contextual_mode_never_changes_the_state() -> None:
    state = with_cart("shoe-1", cart_offer=[T0 - HOUR])
    state.recent_items = ["boot-1"]
    before = state_to_dict(state)
    for path in ("/", "/products/boot-2", "/c/hiking", "/cart"):
        decision = run(path, state=state, consent=NO_CONSENT, device="mobile", local_hour=20)
        assert decision.mode == "contextual"
        assert state_to_dict(decision.state) == before
        assert decision.events == []
    assert state_to_dict(state) == before


def test_profile_mode_does_not_mutate_the_input_state() -> None:
    state = with_cart("shoe-1")
    before = state_to_dict(state)
    decision = run("/products/boot-1", state=state)
    assert state_to_dict(state) == before
    assert decision.state is not state


def test_contextual_mode_ignores_profile_rules_and_long_term_profile() -> None:
    profile = {"segments": ["vip"], "candidates": ["snk-3"], "propensities": {"x": 1.0}}
    decision = run(state=with_cart("shoe-1"), consent=NO_CONSENT, profile=profile)
    assert decision.slots["promo"].block is None
    assert "vip" not in decision.segments
    assert decision.slots["recs"].items[0] != "snk-3"


def test_profile_rules_are_skipped_in_contextual_mode_whatever_the_attributes() -> None:
    # request attributes must not stand in for stored behaviour
    injected = {"cart_size": 5, "cart": ["shoe-1"]}
    contextual = run(consent=NO_CONSENT, attributes=injected)
    assert contextual.slots["promo"].block is None
    raw = payload()
    raw["rules"] += [
        {
            "id": "capped",
            "slot": "promo",
            "priority": 50,
            "when": {"device": "mobile"},
            "block": "promo_b",
            "cap": {"max": 5, "per_hours": 1},
        },
        {"id": "flagged", "slot": "hero", "priority": 99, "needs": "profile", "block": "hero_b"},
    ]
    bundle = load(rules=raw["rules"])
    decision = run(bundle=bundle, consent=NO_CONSENT, device="mobile")
    assert (decision.slots["promo"].block, decision.slots["hero"].block) == (None, None)
    decision = run(bundle=bundle, device="mobile")
    assert (decision.slots["promo"].rule, decision.slots["hero"].rule) == ("capped", "flagged")


def test_long_term_candidates_come_first_in_profile_mode() -> None:
    profile = {"segments": ["vip"], "candidates": ["snk-3", "nope", 7]}
    decision = run(profile=profile)
    assert decision.slots["recs"].items[0] == "snk-3"
    assert "vip" in decision.segments


def test_recs_exclude_the_page_item_cart_and_purchases() -> None:
    state = with_cart("boot-2")
    state.purchases = ["boot-3"]
    items = run("/products/boot-1", state=state).slots["recs"].items
    assert not {"boot-1", "boot-2", "boot-3", "pack-1"} & set(items)
    assert len(items) == 4


def test_sensitive_categories_are_excluded_without_opt_in() -> None:
    for consent in ({"cookie": "granted"}, NO_CONSENT):
        decision = run("/products/vit-1", consent=consent)
        items = decision.slots["recs"].items
        assert items and not [i for i in items if category_of(i) == "health"]
        assert decision.state.recent_items == []  # the health page view is not kept
        assert decision.events == []


def test_sensitive_categories_are_included_with_opt_in() -> None:
    decision = run("/products/vit-1", consent=OPT_IN_HEALTH)
    assert decision.slots["recs"].items[0] == "vit-2"
    assert decision.state.recent_items == ["vit-1"]
    assert [e["item"] for e in decision.events] == ["vit-1"]


def test_sensitive_candidates_are_dropped_without_opt_in() -> None:
    profile = {"candidates": ["vit-2", "snk-3"]}
    assert "vit-2" not in run(profile=profile).slots["recs"].items
    opted = run(profile=profile, consent=OPT_IN_HEALTH).slots["recs"].items
    assert opted[0] == "vit-2"


def test_sensitive_page_category_is_hidden_from_conditions() -> None:
    raw = payload()
    raw["rules"].append(
        {
            "id": "health-page",
            "slot": "promo",
            "priority": 99,
            "when": {"item_category": "health"},
            "block": "promo_b",
        }
    )
    bundle = load(rules=raw["rules"])
    assert run("/products/vit-1", bundle=bundle).slots["promo"].block is None
    assert run("/products/vit-1", bundle=bundle, consent=NO_CONSENT).slots["promo"].block is None
    opted = run("/products/vit-1", bundle=bundle, consent=OPT_IN_HEALTH)
    assert opted.slots["promo"].block == "promo_b"


def test_sensitive_request_attributes_are_dropped() -> None:
    raw = payload()
    raw["rules"].append(
        {
            "id": "attr",
            "slot": "promo",
            "priority": 99,
            "when": {"health": True},
            "block": "promo_b",
        }
    )
    bundle = load(rules=raw["rules"])
    extra = {"health": True}
    assert run(bundle=bundle, attributes=extra).slots["promo"].block is None
    assert run(bundle=bundle, attributes=extra, consent=OPT_IN_HEALTH).slots["promo"].block == (
        "promo_b"
    )


def test_rendered_slots_escape_catalog_and_request_text() -> None:
    raw = payload()
    raw["catalog"]["titles"] = ['<script>alert("t")</script>'] * len(raw["catalog"]["ids"])
    raw["blocks"]["where"] = {"template": '<p data-c="{{ country }}">{{ country }}</p>'}
    raw["rules"].append({"id": "geo", "slot": "promo", "priority": 99, "block": "where"})
    bundle = load(catalog=raw["catalog"], blocks=raw["blocks"], rules=raw["rules"])
    decision = run(bundle=bundle, country='"><img src=x onerror=alert(1)>')
    recs, promo = decision.slots["recs"].html, decision.slots["promo"].html
    assert recs is not None and promo is not None
    assert "<script>" not in recs and recs.count("&lt;script&gt;") == 4
    assert recs.startswith('<ul class="recs" data-count="4"><li data-item=')
    assert "<img" not in promo and "&quot;&gt;&lt;img" in promo


def test_a_failing_slot_keeps_its_defaults_while_others_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> list[int]:
        raise RuntimeError("recs store offline")

    monkeypatch.setattr(decide_mod, "recommend", broken)
    decision = run("/c/hiking", device="mobile", local_hour=20)
    recs = decision.slots["recs"]
    assert recs.html is None and recs.block is None
    assert recs.error == "RuntimeError: recs store offline"
    assert decision.slots["hero"].block == "hero_mobile_evening"
    assert decision.slots["promo"].block == "promo_a"
    assert {e["slot"] for e in decision.exposures} == {"hero", "promo"}
    assert "recs" not in decision.state.exposures


def test_empty_recommendations_fall_through_to_the_next_rule() -> None:
    raw = payload()
    raw["recs"]["popular"] = b""
    raw["recs"]["collab"]["neighbors"] = bytes([0xFF]) * len(raw["recs"]["collab"]["neighbors"])
    raw["slots"]["recs"] = {"fallback_block": "hero_default"}
    decision = run(bundle=load(recs=raw["recs"], slots=raw["slots"]))
    assert decision.slots["recs"].block == "hero_default"
    assert decision.slots["recs"].items == []


def test_sensitive_tags_are_not_stored_without_opt_in() -> None:
    raw = payload()
    raw["catalog"]["tags"][4] = ["health"]  # shoe-1, category running, tagged health
    bundle = load(catalog=raw["catalog"])
    decision = run("/products/shoe-1", bundle=bundle)
    assert not [k for k in decision.state.interests if "health" in k]


def test_withdrawn_sensitive_opt_in_stops_using_logged_behaviour() -> None:
    raw = payload()
    raw["segments"].append(
        {
            "id": "health_fan",
            "kind": "rule",
            "when": {"$count": {"event": "view", "where": {"category": "health"}, "gte": 1}},
        }
    )
    bundle = load(segments=raw["segments"])
    opted = run("/products/vit-1", bundle=bundle, consent=OPT_IN_HEALTH)
    assert "health_fan" in opted.segments
    later = run("/", state=opted.state, now=T0 + 60, bundle=bundle)
    assert "health_fan" not in later.segments
    baseline = run("/", now=T0 + 60, bundle=bundle)
    assert later.slots["recs"].items == baseline.slots["recs"].items
