"""The demo's content as a bundle payload fragment (docs/contracts.md): pages, blocks,
slots, rules, rule segments, experiments and the holdout.

Trained sections (catalog, recs, trained segments) are merged in by `assemble_payload`. The
page slots are `hero`, `promo`, `recs` and `cart_offer`; each page's own children are the
defaults anyone may see, so every rule here only ever adds to a page that works without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CART_OFFER_CAP = {"max": 2, "per_hours": 24}
"""The cart-abandonment offer is shown at most twice a day per visitor."""
EXPERIMENT_ID = "hero-home"

PAGES = [
    {"type": "product", "match": "/products/*"},
    {"type": "category", "match": "/c/*"},
    {"type": "search", "match": "/search"},
    {"type": "cart", "match": "/cart"},
    {"type": "checkout", "match": "/checkout"},
    {"type": "privacy", "match": "/privacy"},
    {"type": "home", "match": "/"},
]


def _views(category: str, at_least: int = 3) -> dict[str, Any]:
    return {"$count": {"event": "view", "where": {"category": category}, "within_hours": 168,
                       "gte": at_least}}


RULE_SEGMENTS: list[dict[str, Any]] = [
    {"id": "hikers", "kind": "rule", "when": _views("hiking")},
    {"id": "runners", "kind": "rule", "when": _views("running")},
    {"id": "campers", "kind": "rule", "when": _views("camping")},
    {"id": "sneakerheads", "kind": "rule", "when": _views("sneakers")},
    {"id": "cart_abandoner", "kind": "rule",
     "when": {"cart_size": {"$gt": 0}, "page_type": {"$nin": ["cart", "checkout"]}}},
    {"id": "recent_buyer", "kind": "rule",
     "when": {"$recency": {"event": "purchase", "within_hours": 720}}},
]

SEGMENT_WORDS: dict[str, str] = {
    "hikers": "Hikers: you looked at hiking items at least 3 times in the last 7 days.",
    "runners": "Runners: you looked at running items at least 3 times in the last 7 days.",
    "campers": "Campers: you looked at camping items at least 3 times in the last 7 days.",
    "sneakerheads": "Sneaker fans: you looked at sneakers at least 3 times in the last 7 days.",
    "cart_abandoner": "Cart reminder: your cart has items and you are browsing elsewhere.",
    "recent_buyer": "Recent buyer: you bought something in the last 30 days.",
    "likely_buyer": "Likely buyer: a model trained on past visits scores you as likely to buy.",
}
"""Why a visitor is in a segment, in words, for the privacy page."""


def _hero(kind: str, title: str, text: str, link: str, label: str) -> dict[str, Any]:
    return {"template": (
        f'<div class="hero-banner hero-{kind}" data-hero="{kind}"><h1>{title}</h1>'
        f'<p>{text}</p><a class="button" href="{link}">{label}</a></div>')}


ITEM_TEMPLATE = (
    '<li class="card" data-rec-item="{{ id }}" data-category="{{ category }}">'
    '<a href="{{ url }}" data-tailor-item="{{ id }}"><img src="{{ image }}" alt="" width="160" '
    'height="120" loading="lazy"><span class="title">{{ title }}</span></a>'
    '<span class="price">${{ price }}</span></li>'
)


def _recs(kind: str, title: str, source: str, count: int = 6,
          max_per_category: int | None = None) -> dict[str, Any]:
    return {
        "kind": "recs",
        "template": (f'<div class="recs recs-{kind}" data-recs="{kind}"><h2>{title}</h2>'
                     '<ul class="cards">{{ items }}</ul></div>'),
        "recs": {"source": source, "count": count, "item_template": ITEM_TEMPLATE,
                 "max_per_category": max_per_category, "mmr_lambda": None,
                 "exclude_categories": [], "exclude_bought": True, "in_stock_only": True},
    }


BLOCKS: dict[str, dict[str, Any]] = {
    "hero_hiking": _hero("hiking", "Trails are calling",
                         "Waterproof boots, light packs and poles for your next hike.",
                         "/c/hiking", "Shop hiking"),
    "hero_running": _hero("running", "Run your next personal best",
                          "Road and trail shoes picked for the miles you put in.",
                          "/c/running", "Shop running"),
    "hero_camping": _hero("camping", "Nights under the stars",
                          "Tents, bags and stoves that pack small.", "/c/camping",
                          "Shop camping"),
    "hero_home_a": _hero("home-a", "Gear for every path",
                         "Outdoor and street gear from brands we trust.", "/c/hiking",
                         "Start exploring"),
    "hero_home_b": _hero("home-b", "New season, new trails",
                         "Fresh arrivals for hiking, running and the city.", "/c/outerwear",
                         "See what is new"),
    "promo_mobile_evening": {"template": (
        '<div class="promo offer-mobile-evening" data-offer="mobile-evening">Evening deal on '
        'your phone: 10% off everything until midnight with code <b>NIGHTOWL</b></div>')},
    "promo_morning_dispatch": {"template": (
        '<div class="promo urgency" data-offer="dispatch">Order before 2 pm and it ships '
        'today.</div>')},
    "promo_weekend": {"template": (
        '<div class="promo" data-offer="weekend">Weekend trail sale: 15% off outerwear.</div>')},
    "cart_offer": {"template": (
        '<div class="cart-offer" data-offer="cart-abandon"><strong>Still thinking it over?'
        '</strong> Your cart is saved: free shipping if you complete your order today. '
        '<a href="/cart">Back to your cart</a></div>')},
    "recs_for_you": _recs("for-you", "Picked for you", "auto", max_per_category=3),
    "recs_hiking": _recs("hiking", "For your next hike", "category:hiking"),
    "recs_running": _recs("running", "For your next run", "category:running"),
    "recs_popular": _recs("popular", "Popular right now", "popular", max_per_category=2),
}

SLOTS: dict[str, dict[str, Any]] = {
    "hero": {"fallback_block": None},
    "promo": {"fallback_block": None},
    "recs": {"fallback_block": None},
    "cart_offer": {"fallback_block": None},
}

RULES: list[dict[str, Any]] = [
    # hero: behaviour first, then the home-page experiment; otherwise the page's default
    {"id": "hero-hikers", "slot": "hero", "priority": 30, "pages": [],
     "when": {"segments": "hikers"}, "block": "hero_hiking"},
    {"id": "hero-runners", "slot": "hero", "priority": 29, "pages": [],
     "when": {"segments": "runners"}, "block": "hero_running"},
    {"id": "hero-campers", "slot": "hero", "priority": 28, "pages": [],
     "when": {"segments": "campers"}, "block": "hero_camping"},
    {"id": "hero-home-test", "slot": "hero", "priority": 10, "pages": ["home"],
     "experiment": EXPERIMENT_ID, "block": "hero_home_a"},
    # promo: contextual offers (no stored data needed)
    {"id": "promo-mobile-evening", "slot": "promo", "priority": 30, "pages": [],
     "when": {"device": "mobile", "local_hour": {"$gte": 18}}, "block": "promo_mobile_evening"},
    {"id": "promo-weekend", "slot": "promo", "priority": 20, "pages": ["home", "category"],
     "when": {"weekday": {"$gte": 5}}, "block": "promo_weekend"},
    {"id": "promo-dispatch", "slot": "promo", "priority": 10, "pages": ["product"],
     "when": {"local_hour": {"$gte": 6, "$lt": 14}}, "block": "promo_morning_dispatch"},
    # recommendations: segment lists, then the visitor's own history
    {"id": "recs-hikers", "slot": "recs", "priority": 30, "pages": [],
     "when": {"segments": "hikers"}, "block": "recs_hiking"},
    {"id": "recs-runners", "slot": "recs", "priority": 29, "pages": [],
     "when": {"segments": "runners"}, "block": "recs_running"},
    {"id": "recs-history", "slot": "recs", "priority": 10, "pages": [],
     "when": {"recent_items": {"$size": {"$gt": 0}}}, "block": "recs_for_you"},
    {"id": "recs-home", "slot": "recs", "priority": 1, "pages": ["home"],
     "block": "recs_popular"},
    # the cart-abandonment reminder, capped per day
    {"id": "cart-abandon", "slot": "cart_offer", "priority": 10, "pages": [],
     "when": {"cart_size": {"$gt": 0}, "page_type": {"$nin": ["cart", "checkout"]}},
     "block": "cart_offer", "cap": dict(CART_OFFER_CAP)},
]

EXPERIMENTS: list[dict[str, Any]] = [
    {"id": EXPERIMENT_ID, "layer": "home-hero", "seed": EXPERIMENT_ID, "range": [0.0, 1.0],
     "when": None, "kind": "ab", "time_bucket_hours": 24, "arms": None,
     "variations": [
         {"id": "a", "weight": 0.5, "blocks": {"hero": "hero_home_a"}},
         {"id": "b", "weight": 0.5, "blocks": {"hero": "hero_home_b"}},
     ]},
]


def content_fragment() -> dict[str, Any]:
    """The demo's pages, consent policy, blocks, slots, rules, rule segments, experiments."""
    return {
        "settings": {"half_life_hours": 72, "recent_items_max": 12, "event_log_max": 32},
        "pages": [dict(p) for p in PAGES],
        "consent": {"vendor_id": None, "profile_purposes": [1, 5, 6], "context_purposes": [11],
                    "sensitive": ["health", "finance"]},
        "blocks": {k: dict(v) for k, v in BLOCKS.items()},
        "slots": {k: dict(v) for k, v in SLOTS.items()},
        "rules": [dict(r) for r in RULES],
        "segments": [dict(s) for s in RULE_SEGMENTS],
        "experiments": [dict(e) for e in EXPERIMENTS],
        "holdout": {"percent": 0, "seed": "demo-holdout"},
    }


def assemble_payload(sections: Mapping[str, Any], version: int = 0,
                     created_at: int = 0) -> dict[str, Any]:
    """A full payload map: compiled `sections` (catalog, recs, trained segments) + content.

    Rule segments come first so trained segments can be referenced after them; a trained
    segment with a rule segment's id is dropped (the rule wins)."""
    content = content_fragment()
    rule_ids = {s["id"] for s in content["segments"]}
    trained = [s for s in sections.get("segments", []) if s.get("id") not in rule_ids]
    payload: dict[str, Any] = {"schema": 1, "version": version, "created_at": created_at}
    payload.update(content)
    payload["catalog"] = sections["catalog"]
    if "recs" in sections:
        payload["recs"] = sections["recs"]
    payload["segments"] = content["segments"] + trained
    return payload
