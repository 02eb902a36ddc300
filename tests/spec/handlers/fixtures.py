"""A small, fully specified store bundle shared by the decision spec cases and unit tests.

Built in code (not JSON) because bundles carry raw little-endian arrays; the content is
deliberately tiny so every expected decision can be checked by hand.
"""

from __future__ import annotations

from typing import Any

from core.arrays import to_bytes

ITEMS = [
    # id, category, brand, price_cents, in_stock, tags
    ("boot-1", "hiking", "alpina", 12900, 1, ["waterproof", "leather"]),
    ("boot-2", "hiking", "alpina", 14900, 1, ["waterproof"]),
    ("boot-3", "hiking", "trekko", 9900, 1, ["light"]),
    ("pack-1", "hiking", "trekko", 7900, 0, ["bag"]),
    ("shoe-1", "running", "swift", 11900, 1, ["road"]),
    ("shoe-2", "running", "swift", 13900, 1, ["trail"]),
    ("shoe-3", "running", "pace", 8900, 1, ["road"]),
    ("snk-1", "sneakers", "urbn", 9900, 1, ["street"]),
    ("snk-2", "sneakers", "urbn", 10900, 1, ["street"]),
    ("snk-3", "sneakers", "kicks", 6900, 1, ["retro"]),
    ("vit-1", "health", "vita", 1900, 1, ["supplement"]),
    ("vit-2", "health", "vita", 2900, 1, ["supplement"]),
]
CATEGORIES = ["hiking", "running", "sneakers", "health"]
BRANDS = sorted({item[2] for item in ITEMS})
K = 4
# neighbours by item index: same category first, then a cross-category one
NEIGHBOURS = {
    0: [1, 2, 3, 5],
    1: [0, 2, 3, 5],
    2: [0, 1, 5, 3],
    3: [0, 2, 1],
    4: [5, 6, 7],
    5: [4, 6, 2, 0],
    6: [4, 5, 9],
    7: [8, 9, 4],
    8: [7, 9],
    9: [7, 8, 6],
    10: [11, 4],
    11: [10],
}


def _neighbour_table(scale: float) -> dict[str, Any]:
    indices: list[int] = []
    scores: list[int] = []
    for i in range(len(ITEMS)):
        row = NEIGHBOURS[i]
        indices += row + [0xFFFFFFFF] * (K - len(row))
        scores += [255 - 40 * r for r in range(len(row))] + [0] * (K - len(row))
    return {"neighbors": to_bytes(indices, "u4"), "scores": bytes(scores), "scale": scale}


def store_payload(version: int = 1, **overrides: Any) -> dict[str, Any]:
    """The reference store bundle payload (decoded-msgpack form)."""
    payload: dict[str, Any] = {
        "schema": 1,
        "version": version,
        "created_at": 1_700_000_000,
        "settings": {"half_life_hours": 72, "recent_items_max": 8, "event_log_max": 24},
        "pages": [
            {"type": "product", "match": "/products/*"},
            {"type": "category", "match": "/c/*"},
            {"type": "home", "match": "/"},
            {"type": "cart", "match": "/cart"},
        ],
        "consent": {"vendor_id": None, "profile_purposes": [1, 5, 6], "sensitive": ["health"]},
        "catalog": {
            "ids": [i[0] for i in ITEMS],
            "titles": [f"{i[2].title()} {i[0]}" for i in ITEMS],
            "urls": [f"/products/{i[0]}" for i in ITEMS],
            "images": [f"/img/{i[0]}.svg" for i in ITEMS],
            "categories": CATEGORIES,
            "category": to_bytes([CATEGORIES.index(i[1]) for i in ITEMS], "u2"),
            "brands": BRANDS,
            "brand": to_bytes([BRANDS.index(i[2]) for i in ITEMS], "u2"),
            "price_cents": to_bytes([i[3] for i in ITEMS], "u4"),
            "in_stock": bytes(i[4] for i in ITEMS),
            "tags": [i[5] for i in ITEMS],
        },
        "recs": {
            "k": K,
            "collab": _neighbour_table(1.0),
            "blend": {"collab": 1.0, "content": 0.0},
            "popular": to_bytes([7, 4, 0, 10, 8, 5, 1, 9, 2, 6, 11, 3], "u4"),
            "by_segment": {"hikers": to_bytes([1, 0, 2, 3], "u4")},
        },
        "segments": [
            {"id": "mobile", "kind": "rule", "when": {"device": "mobile"}},
            {"id": "evening", "kind": "rule", "when": {"local_hour": {"$gte": 18}}},
            {
                "id": "hikers",
                "kind": "rule",
                "when": {
                    "$count": {
                        "event": "view",
                        "where": {"category": "hiking"},
                        "within_hours": 168,
                        "gte": 3,
                    }
                },
            },
            {
                "id": "cart_abandoner",
                "kind": "rule",
                "when": {"cart_size": {"$gt": 0}, "session_pages": {"$lte": 1}},
            },
            {
                "id": "buyer",
                "kind": "propensity",
                "features": [
                    {"name": "carts", "kind": "event_count", "key": "add_to_cart"},
                    {"name": "views", "kind": "event_count", "key": "view"},
                ],
                "coef": [1.5, 0.2],
                "intercept": -2.0,
                "threshold": 0.5,
            },
        ],
        "blocks": {
            "hero_default": {"template": "<h1>Gear for every path</h1>"},
            "hero_hiking": {
                "template": '<h1 class="hiking">Trails are calling, {{ segment }}</h1>'
            },
            "hero_mobile_evening": {"template": '<p class="offer">Evening app deal: 10% off</p>'},
            "hero_b": {"template": '<h1 class="variant-b">New season, new trails</h1>'},
            "recs": {
                "kind": "recs",
                "template": '<ul class="recs" data-count="{{ count }}">{{ items }}</ul>',
                "recs": {
                    "source": "auto",
                    "count": 4,
                    "max_per_category": 3,
                    "item_template": '<li data-item="{{ id }}">{{ title }} {{ price }}</li>',
                },
            },
            "cart_offer": {
                "template": "<div class=\"cart-offer\">Free shipping on your cart today</div>"
            },
            "promo_a": {"template": '<div class="promo">A</div>'},
            "promo_b": {"template": '<div class="promo">B</div>'},
        },
        "slots": {
            "hero": {"fallback_block": None},
            "recs": {"fallback_block": "recs"},
            "promo": {"fallback_block": None},
        },
        "rules": [
            {
                "id": "mobile-evening",
                "slot": "hero",
                "priority": 30,
                "when": {"device": "mobile", "local_hour": {"$gte": 18}},
                "block": "hero_mobile_evening",
            },
            {
                "id": "hiking-hero",
                "slot": "hero",
                "priority": 20,
                "when": {"segments": "hikers"},
                "block": "hero_hiking",
            },
            {
                "id": "home-test",
                "slot": "hero",
                "priority": 10,
                "pages": ["home"],
                "experiment": "hero-test",
                "block": "hero_default",
            },
            {
                "id": "cart-abandon",
                "slot": "promo",
                "priority": 20,
                "when": {"cart_size": {"$gt": 0}, "page_type": {"$ne": "cart"}},
                "block": "cart_offer",
                "cap": {"max": 2, "per_hours": 24},
            },
            {
                "id": "promo-rotate",
                "slot": "promo",
                "priority": 10,
                "pages": ["/c/**"],
                "rotate": ["promo_a", "promo_b"],
            },
            {"id": "recs-everywhere", "slot": "recs", "priority": 1, "block": "recs"},
        ],
        "experiments": [
            {
                "id": "hero-test",
                "layer": "home",
                "seed": "hero-test",
                "range": [0.0, 1.0],
                "kind": "ab",
                "variations": [
                    {"id": "control", "weight": 0.5, "blocks": {"hero": "hero_default"}},
                    {"id": "b", "weight": 0.5, "blocks": {"hero": "hero_b"}},
                ],
            },
        ],
        "holdout": {"percent": 0, "seed": "holdout"},
    }
    payload.update(overrides)
    return payload
