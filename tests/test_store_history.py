"""Synthetic histories: valid contract events with distinct behaviour types."""

from __future__ import annotations

from collections import Counter, defaultdict

from origin.config import Limits
from origin.events import parse_batch
from origin.store.catalog import generate_items
from origin.store.history import BEHAVIOURS, behaviour_of, generate_history

NOW = 1_790_000_000
ITEMS = generate_items(800)


def test_deterministic_sorted_and_before_now() -> None:
    events = generate_history(ITEMS, NOW, visitors=60)
    assert events == generate_history(ITEMS, NOW, visitors=60)
    assert events == sorted(events, key=lambda e: (e["ts"], e["id"]))
    assert all(NOW - 28 * 86400 <= e["ts"] < NOW for e in events)
    assert len({e["id"] for e in events}) == len(events)


def test_every_event_passes_the_origin_validation() -> None:
    events = generate_history(ITEMS, NOW, visitors=40)
    for start in range(0, len(events), 500):
        rows = parse_batch({"events": events[start:start + 500], "consent": {"profile": True}},
                           float(NOW), Limits())
        assert len(rows) == len(events[start:start + 500])


def test_behaviour_types_are_distinct() -> None:
    events = generate_history(ITEMS, NOW, visitors=400)
    category = {it["id"]: it["category"] for it in ITEMS}
    views: dict[str, Counter[str]] = defaultdict(Counter)
    carts: Counter[str] = Counter()
    purchases: Counter[str] = Counter()
    for e in events:
        kind = behaviour_of(e["visitor"])
        assert kind is not None
        if e["type"] == "view":
            views[kind][category[e["item"]]] += 1
        carts[kind] += e["type"] == "add_to_cart"
        purchases[kind] += e["type"] == "purchase"
    assert set(views) == {b.name for b in BEHAVIOURS}
    for kind, main in (("hikers", "hiking"), ("runners", "running"), ("campers", "camping")):
        assert views[kind][main] / sum(views[kind].values()) > 0.5, kind
    assert carts["cart_abandoners"] > 0 and purchases["cart_abandoners"] == 0
    assert purchases["sneakerheads"] > 0


def test_bargain_hunters_view_cheaper_items() -> None:
    events = generate_history(ITEMS, NOW, visitors=400)
    price = {it["id"]: it["price_cents"] for it in ITEMS}

    def mean(kind: str) -> float:
        seen = [price[e["item"]] for e in events
                if e["type"] == "view" and behaviour_of(e["visitor"]) == kind]
        return sum(seen) / len(seen)

    assert mean("bargain_hunters") < 0.6 * mean("window_shoppers")


def test_behaviour_of_unknown_ids() -> None:
    assert behaviour_of("someone") is None and behaviour_of("hist-zzzz-00001") is None
