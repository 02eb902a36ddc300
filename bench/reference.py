"""The reference bundle and request mix that `tailor bench core` measures.

10,000 items with 50 neighbours each, 500 rules, 50 segments (35 rule, 10 from one centroid
model, 5 propensity), 20 experiments in 3 layers; requests for 3-slot pages, one slot with
10 recommendations, from visitors with 0-30 past events. Pure Python and seeded, so the same
bundle and requests are built in CPython and in Pyodide.
"""

from __future__ import annotations

import importlib
import random
from typing import Any

from core.arrays import to_bytes

CATEGORIES = [
    "hiking",
    "running",
    "camping",
    "sneakers",
    "outerwear",
    "climbing",
    "cycling",
    "swim",
    "yoga",
    "kids",
    "accessories",
    "bags",
    "socks",
    "hats",
    "gloves",
    "tents",
]
BRANDS = [f"brand{i:02d}" for i in range(60)]
TAGS = ["waterproof", "light", "warm", "eco", "sale", "new", "trail", "road", "retro", "pro"]
PAGE_TYPES = ["home", "category", "product", "search", "cart"]
DEVICES = ["mobile", "desktop", "tablet"]
COUNTRIES = ["DE", "FR", "US", "GB", "NL", "ES", "IT", "SE"]
T0 = 1_760_000_000


def _items(rng: random.Random, n: int) -> dict[str, Any]:
    cats = [rng.randrange(len(CATEGORIES)) for _ in range(n)]
    return {
        "ids": [f"i{i}" for i in range(n)],
        "titles": [f"{CATEGORIES[c].title()} item {i}" for i, c in enumerate(cats)],
        "urls": [f"/products/i{i}" for i in range(n)],
        "images": [f"/img/i{i}.svg" for i in range(n)],
        "categories": CATEGORIES,
        "category": to_bytes(cats, "u2"),
        "brands": BRANDS,
        "brand": to_bytes([rng.randrange(len(BRANDS)) for _ in range(n)], "u2"),
        "price_cents": to_bytes([rng.randrange(999, 39999) for _ in range(n)], "u4"),
        "in_stock": bytes(1 if rng.random() < 0.92 else 0 for _ in range(n)),
        "tags": [rng.sample(TAGS, rng.randrange(0, 3)) for _ in range(n)],
    }, cats


def _neighbours(rng: random.Random, cats: list[int], k: int) -> dict[str, Any]:
    n = len(cats)
    by_cat: dict[int, list[int]] = {}
    for i, c in enumerate(cats):
        by_cat.setdefault(c, []).append(i)
    indices: list[int] = []
    scores: list[int] = []
    for c in cats:
        same = by_cat[c]
        row = [rng.choice(same) if rng.random() < 0.7 else rng.randrange(n) for _ in range(k)]
        indices += row
        scores += sorted((rng.randrange(1, 256) for _ in range(k)), reverse=True)
    return {"neighbors": to_bytes(indices, "u4"), "scores": bytes(scores), "scale": 1.0}


def _condition(rng: random.Random, segment_ids: list[str]) -> dict[str, Any]:
    kind = rng.randrange(8)
    if kind == 0:
        return {"segments": rng.choice(segment_ids)}
    if kind == 1:
        return {"device": rng.choice(DEVICES), "local_hour": {"$gte": rng.randrange(24)}}
    if kind == 2:
        return {"country": {"$in": rng.sample(COUNTRIES, 3)}}
    if kind == 3:
        return {
            "$or": [
                {"segments": {"$in": rng.sample(segment_ids, 2)}},
                {"referrer_host": {"$regex": "google|bing"}},
            ]
        }
    if kind == 4:
        cat = rng.choice(CATEGORIES)
        return {
            "$count": {
                "event": "view",
                "where": {"category": cat},
                "within_hours": 168,
                "gte": rng.randrange(1, 4),
            }
        }
    if kind == 5:
        return {"$interest": {"key": f"category:{rng.choice(CATEGORIES)}", "gte": rng.random() * 3}}
    if kind == 6:
        return {
            "$and": [
                {"cart_size": {"$gt": 0}},
                {"page_type": {"$ne": "cart"}},
                {"$not": {"$recency": {"event": "purchase", "within_hours": 72}}},
            ]
        }
    return {"path": {"$regex": f"^/c/{rng.choice(CATEGORIES)}"}, "weekday": {"$lt": 5}}


FEATURES = [
    {"name": f"interest:{c}", "kind": "interest", "key": f"category:{c}"} for c in CATEGORIES[:8]
] + [
    {"name": "views", "kind": "event_count", "key": "view"},
    {"name": "carts", "kind": "event_count", "key": "add_to_cart"},
    {"name": "recent", "kind": "recent_items"},
    {"name": "cart", "kind": "cart_size"},
]


def payload(seed: int = 7, n_items: int = 10_000, k: int = 50) -> dict[str, Any]:
    """The reference bundle payload (decoded-msgpack form)."""
    rng = random.Random(seed)
    catalog, cats = _items(rng, n_items)
    rule_segments = [f"seg{i}" for i in range(35)]
    cluster_names = [f"cluster{i}" for i in range(10)]
    propensity_ids = [f"prop{i}" for i in range(5)]
    all_segments = rule_segments + cluster_names + propensity_ids
    d = len(FEATURES)
    segments: list[dict[str, Any]] = [
        {
            "id": sid,
            "kind": "rule",
            "when": _condition(rng, ["mobile", "x"])
            if i % 3
            else {
                "$count": {
                    "event": "view",
                    "where": {"category": CATEGORIES[i % len(CATEGORIES)]},
                    "within_hours": 168,
                    "gte": 2,
                }
            },
        }
        for i, sid in enumerate(rule_segments)
    ]
    segments.append(
        {
            "id": "clusters",
            "kind": "centroid",
            "features": FEATURES,
            "mean": [0.5] * d,
            "scale": [1.0] * d,
            "names": cluster_names,
            "centroids": to_bytes([rng.random() * 2 for _ in range(10 * d)], "f4"),
        }
    )
    for pid in propensity_ids:
        segments.append(
            {
                "id": pid,
                "kind": "propensity",
                "features": FEATURES,
                "coef": [rng.uniform(-1, 1) for _ in range(d)],
                "intercept": rng.uniform(-2, 0),
                "threshold": 0.6,
            }
        )
    blocks: dict[str, Any] = {
        f"b{i}": {
            "template": f'<div class="b{i}">Offer {i} for {{{{ segment }}}}: '
            "{{ item.title }} at {{ item.price }}</div>"
        }
        for i in range(60)
    }
    for i in range(4):
        blocks[f"recs{i}"] = {
            "kind": "recs",
            "template": '<ul class="recs">{{ items }}</ul>',
            "recs": {
                "source": "auto",
                "count": 10,
                "max_per_category": 4 if i % 2 else None,
                "mmr_lambda": 0.7 if i == 3 else None,
                "item_template": '<li><a href="{{ url }}">{{ title }}</a> {{ price }}</li>',
            },
        }
    experiments = []
    for e in range(20):
        layer = f"layer{e % 3}"
        slot_in_layer = e // 3
        start = slot_in_layer / 7
        experiments.append(
            {
                "id": f"exp{e}",
                "layer": layer,
                "seed": f"exp{e}",
                "range": [start, (slot_in_layer + 1) / 7],
                "kind": "bandit" if e % 5 == 0 else "ab",
                "variations": [
                    {"id": f"v{j}", "weight": 1.0, "blocks": {"hero": f"b{(e * 3 + j) % 60}"}}
                    for j in range(3)
                ],
                "arms": [
                    {"alpha": 1 + rng.randrange(50), "beta": 1 + rng.randrange(500)}
                    for _ in range(3)
                ]
                if e % 5 == 0
                else None,
            }
        )
    rules: list[dict[str, Any]] = []
    for r in range(500):
        slot = ("hero", "promo", "recs")[r % 3]
        rule: dict[str, Any] = {
            "id": f"r{r}",
            "slot": slot,
            "priority": rng.randrange(100),
            "pages": rng.sample(PAGE_TYPES, rng.randrange(1, 3)),
            "when": _condition(rng, all_segments),
        }
        if slot == "recs":
            rule["block"] = f"recs{r % 4}"
        elif r % 25 == 0:
            rule["experiment"] = f"exp{r % 20}"
        elif r % 7 == 0:
            rule["rotate"] = [f"b{r % 60}", f"b{(r + 1) % 60}"]
            rule["cap"] = {"max": 3, "per_hours": 24}
        else:
            rule["block"] = f"b{r % 60}"
        rules.append(rule)
    popular = list(range(n_items))
    rng.shuffle(popular)
    return {
        "schema": 1,
        "version": 1,
        "created_at": T0,
        "pages": [
            {"type": "product", "match": "/products/*"},
            {"type": "category", "match": "/c/*"},
            {"type": "search", "match": "/search"},
            {"type": "cart", "match": "/cart"},
            {"type": "home", "match": "/"},
        ],
        "consent": {"vendor_id": None, "profile_purposes": [1, 5, 6], "sensitive": ["health"]},
        "catalog": catalog,
        "recs": {
            "k": k,
            "collab": _neighbours(rng, cats, k),
            "blend": {"collab": 1.0},
            "popular": to_bytes(popular[:500], "u4"),
            "by_segment": {
                s: to_bytes(rng.sample(range(n_items), 100), "u4") for s in all_segments[:20]
            },
        },
        "segments": segments,
        "blocks": blocks,
        "slots": {
            "hero": {"fallback_block": None},
            "promo": {"fallback_block": None},
            "recs": {"fallback_block": "recs0"},
        },
        "rules": rules,
        "experiments": experiments,
        "holdout": {"percent": 2, "seed": "holdout"},
    }


def visitors(seed: int = 11, count: int = 500, n_items: int = 10_000) -> list[dict[str, Any]]:
    """Visitors with 0-30 past events each, and the page each one requests next."""
    rng = random.Random(seed)
    kinds = ["view"] * 6 + ["click"] * 2 + ["add_to_cart", "hover", "dwell", "search"]
    out = []
    for v in range(count):
        n_events = rng.randrange(0, 31)
        t = T0 - rng.randrange(3600, 5 * 86400)
        events = []
        for e in range(n_events):
            t += rng.randrange(5, 600)
            kind = rng.choice(kinds)
            events.append(
                {
                    "id": f"v{v}e{e}",
                    "type": kind,
                    "ts": t,
                    "item": f"i{rng.randrange(n_items)}",
                    "value": 30.0,
                    "query": "boots" if kind == "search" else None,
                }
            )
        page_type = rng.choice(PAGE_TYPES)
        path = {
            "home": "/",
            "category": f"/c/{rng.choice(CATEGORIES)}",
            "product": f"/products/i{rng.randrange(n_items)}",
            "search": "/search",
            "cart": "/cart",
        }[page_type]
        consent = rng.random()
        out.append(
            {
                "visitor": f"visitor-{v}",
                "events": events,
                "request": {
                    "path": path,
                    "page_slots": ["hero", "promo", "recs"],
                    "device": rng.choice(DEVICES),
                    "country": rng.choice(COUNTRIES),
                    "language": "en",
                    "referrer": rng.choice([None, "https://www.google.com/"]),
                    "local_hour": rng.randrange(24),
                    "weekday": rng.randrange(7),
                    "consent": {
                        "cookie": "granted" if consent < 0.7 else None,
                        "gpc": False,
                        "tcf": None,
                    },
                },
            }
        )
    return out


def past_state(person: dict[str, Any], bundle: Any, package: str = "core") -> Any:
    """A reference visitor's state after their past events, made by `package`'s core (the
    A/B benchmark passes its exported copy)."""
    fold = importlib.import_module(f"{package}.fold")
    state = importlib.import_module(f"{package}.state")
    first = person["events"][0]["ts"] if person["events"] else T0
    fresh = state.fresh(person["visitor"], first)
    return fold.fold_many(fresh, person["events"], T0, bundle.settings, bundle.catalog.info)


def page_requests(
    people: list[dict[str, Any]], bundle: Any, key: bytes, package: str = "core"
) -> list[dict[str, Any]]:
    """Each visitor's page request, carrying the state cookie of their past events."""
    cookie = importlib.import_module(f"{package}.cookie")
    requests = []
    for person in people:
        value = cookie.encode(past_state(person, bundle, package), key, bundle.settings, T0)
        request = dict(person["request"])
        request["cookies"] = {"tailor_s": value}
        requests.append(request)
    return requests


REQUEST_MEMOS = ("contextual", "consents")
"""A bundle's memos keyed by what requests carry (not by the bundle alone)."""


def forget_requests(bundle: Any) -> None:
    """Empty the bundle's request-keyed memos, so that a timed round's hits come only from
    different visitors sharing a context or a consent value, never from the same request
    seen in an earlier round. (An exported older core may lack some of them.)"""
    for name in REQUEST_MEMOS:
        memo = getattr(bundle, name, None)
        if memo is not None:
            memo.clear()
