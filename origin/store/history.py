"""Synthetic visitor histories for training: distinct behaviour types, contract-shaped events.

Each visitor follows one behaviour (hikers, runners, campers, sneakerheads, climbers,
bargain hunters, cart abandoners, window shoppers) over a few sessions in the four weeks
before `now`. Items inside a category are drawn with a skew (a few bestsellers, a long
tail), so collaborative models have structure to find and segments have clusters to find.
Events have the shape of docs/contracts.md's Events section, `visitor` included.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DAY = 86400
HISTORY_DAYS = 27
"""Inside the origin's 30-day acceptance window for event timestamps."""


@dataclass(frozen=True)
class Behaviour:
    """How one kind of visitor shops: category mix, kind affinity, funnel rates."""

    name: str
    share: float
    categories: Mapping[str, float]
    kinds: tuple[str, ...] = ()
    cart_rate: float = 0.08
    purchase_rate: float = 0.4
    """Chance that a session with something in the cart ends in a purchase."""
    search_terms: tuple[str, ...] = ()
    cheap: bool = False
    sessions: tuple[int, int] = (1, 5)
    pages: tuple[int, int] = (3, 12)


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour("hikers", 0.2, {"hiking": 0.65, "outerwear": 0.2, "camping": 0.15},
              kinds=("Hiking Boot", "Hiking Shoe", "Trekking Pole"),
              search_terms=("hiking boots", "waterproof boots", "trekking poles")),
    Behaviour("runners", 0.15, {"running": 0.7, "sneakers": 0.15, "accessories": 0.15},
              kinds=("Road Running Shoe", "Trail Running Shoe"),
              search_terms=("running shoes", "trail shoes")),
    Behaviour("campers", 0.1, {"camping": 0.65, "hiking": 0.2, "accessories": 0.15},
              kinds=("Backpacking Tent", "Sleeping Bag"), search_terms=("tent", "sleeping bag")),
    Behaviour("sneakerheads", 0.12, {"sneakers": 0.75, "outerwear": 0.15, "accessories": 0.1},
              search_terms=("sneakers", "retro", "high-top"), purchase_rate=0.5),
    Behaviour("climbers", 0.08, {"climbing": 0.65, "hiking": 0.2, "outerwear": 0.15},
              search_terms=("climbing shoes", "harness")),
    Behaviour("bargain_hunters", 0.12, {}, cheap=True, search_terms=("sale", "deal", "cheap"),
              cart_rate=0.12, purchase_rate=0.3, pages=(6, 18)),
    Behaviour("cart_abandoners", 0.11, {}, cart_rate=0.3, purchase_rate=0.0),
    Behaviour("window_shoppers", 0.12, {}, cart_rate=0.01, purchase_rate=0.1, pages=(1, 5)),
)


class _Shelves:
    """Items by category, each shelf ordered by a fixed hidden popularity."""

    def __init__(self, items: Sequence[Mapping[str, Any]], rng: random.Random) -> None:
        shelves: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for item in items:
            shelves[str(item["category"])].append(item)
        for shelf in shelves.values():
            rng.shuffle(shelf)
        self.shelves = dict(shelves)
        self.categories = sorted(shelves)
        self.cheap = {c: sorted(s, key=lambda it: int(it["price_cents"]))[: max(len(s) // 5, 1)]
                      for c, s in shelves.items()}

    def pick(self, rng: random.Random, category: str, kinds: tuple[str, ...],
             cheap: bool) -> Mapping[str, Any]:
        shelf = self.cheap[category] if cheap else self.shelves[category]
        if kinds and rng.random() < 0.6:
            preferred = [it for it in shelf if it.get("kind") in kinds]
            shelf = preferred or shelf
        rank = int(len(shelf) * rng.random() ** 3)  # skewed: bestsellers first
        return shelf[min(rank, len(shelf) - 1)]


def _category(rng: random.Random, behaviour: Behaviour, shelves: _Shelves,
              favourites: list[str]) -> str:
    mix = behaviour.categories
    if not mix:
        return rng.choice(favourites)
    names = list(mix)
    return rng.choices(names, weights=[mix[n] for n in names])[0]


def _session(rng: random.Random, visitor: str, behaviour: Behaviour, shelves: _Shelves,
             favourites: list[str], start: int, counter: Iterator[int]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    ts = start

    def add(kind: str, item: Mapping[str, Any] | None = None, value: float | None = None,
            query: str | None = None, path: str | None = None) -> None:
        events.append({
            "id": f"h{next(counter):07d}", "type": kind, "ts": ts,
            "item": None if item is None else str(item["id"]), "value": value, "query": query,
            "path": path if path is not None else (None if item is None else str(item["url"])),
            "visitor": visitor,
        })

    cart: list[Mapping[str, Any]] = []
    if behaviour.search_terms and rng.random() < 0.35:
        term = rng.choice(behaviour.search_terms)
        add("search", query=term, path="/search?q=" + term.replace(" ", "+"))
    for _ in range(rng.randint(*behaviour.pages)):
        ts += rng.randint(20, 240)
        item = shelves.pick(rng, _category(rng, behaviour, shelves, favourites), behaviour.kinds,
                            behaviour.cheap)
        add("view", item)
        if rng.random() < 0.5:
            add("dwell", item, value=float(rng.randint(5, 180)))
        if rng.random() < 0.2:
            add("click", item)
        if rng.random() < behaviour.cart_rate and item.get("in_stock", True):
            ts += rng.randint(5, 60)
            add("add_to_cart", item)
            cart.append(item)
    if cart and rng.random() < behaviour.purchase_rate:
        ts += rng.randint(60, 600)
        for item in cart:
            add("purchase", item, value=int(item["price_cents"]) / 100)
    return events


def generate_history(items: Sequence[Mapping[str, Any]], now: int, visitors: int = 800,
                     seed: int = 11) -> list[dict[str, Any]]:
    """Events of `visitors` synthetic visitors, sorted by time, all before `now`."""
    rng = random.Random(seed)
    shelves = _Shelves(items, rng)
    counter = iter(range(10_000_000))
    names = [b.name for b in BEHAVIOURS]
    weights = [b.share for b in BEHAVIOURS]
    by_name = {b.name: b for b in BEHAVIOURS}
    events: list[dict[str, Any]] = []
    for v in range(visitors):
        behaviour = by_name[rng.choices(names, weights=weights)[0]]
        visitor = f"hist-{behaviour.name[:4]}-{v:05d}"
        favourites = rng.sample(shelves.categories, k=2)
        first = now - HISTORY_DAYS * DAY + rng.randint(0, 7 * DAY)
        sessions = rng.randint(*behaviour.sessions)
        starts = sorted(rng.randint(first, now - DAY // 2) for _ in range(sessions))
        for start in starts:
            events.extend(_session(rng, visitor, behaviour, shelves, favourites, start, counter))
    events = [e for e in events if e["ts"] < now]
    events.sort(key=lambda e: (e["ts"], e["id"]))
    return events


def behaviour_of(visitor: str) -> str | None:
    """The behaviour a synthetic visitor id was generated with (by its prefix)."""
    parts = visitor.split("-")
    if len(parts) != 3 or parts[0] != "hist":
        return None
    return next((b.name for b in BEHAVIOURS if b.name[:4] == parts[1]), None)
