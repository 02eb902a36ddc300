"""Writes tests/spec/visit.json: decision scenarios whose expectations were reviewed by hand.

Run `python -m tests.spec.make_visit_cases` after a deliberate behaviour change, then
review the diff of visit.json: it is the record of what a visitor sees.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from handlers import visit  # noqa: E402

T0 = 1_700_000_000
H = 3600
NONE: dict[str, Any] = {"cookie": None}
DENIED = {"cookie": "denied"}


def page(path: str, now: int, **request: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"now": now, "request": {"path": path, **request}}
    return step


def events(now: int, *evs: dict[str, Any], **request: Any) -> dict[str, Any]:
    return {"kind": "events", "now": now, "events": list(evs), "request": request}


def ev(kind: str, now: int, item: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": f"{kind}-{now}-{item}", "type": kind, "ts": now, "item": item, **extra}


SCENARIOS: dict[str, dict[str, Any]] = {
    "anonymous home is contextual, no cookie": {"steps": [page("/", T0, consent=NONE)]},
    "anonymous mobile evening gets the evening offer": {
        "steps": [page("/", T0, consent=NONE, device="mobile", local_hour=20)]
    },
    "anonymous desktop noon gets no evening offer": {
        "steps": [page("/", T0, consent=NONE, device="desktop", local_hour=12)]
    },
    "mobile at noon gets no evening offer": {
        "steps": [page("/c/hiking", T0, device="mobile", local_hour=12)]
    },
    "consented home enters the hero experiment": {"steps": [page("/", T0)]},
    "experiment variation for another visitor": {"fresh_id": "visitor-7", "steps": [page("/", T0)]},
    "experiment assignment is sticky across visits": {
        "fresh_id": "visitor-7",
        "steps": [page("/", T0), page("/products/snk-1", T0 + 60), page("/", T0 + 3 * 86400)],
    },
    "three hiking views re-segment by the next page": {
        "steps": [
            page("/products/boot-1", T0),
            page("/products/boot-2", T0 + 60),
            page("/products/boot-3", T0 + 120),
            page("/c/running", T0 + 180),
        ]
    },
    "hiking views without consent change nothing": {
        "steps": [
            page("/products/boot-1", T0, consent=NONE),
            page("/products/boot-2", T0 + 60, consent=NONE),
            page("/products/boot-3", T0 + 120, consent=NONE),
            page("/c/running", T0 + 180, consent=NONE),
        ]
    },
    "hiking interest decays after weeks": {
        "steps": [
            page("/products/boot-1", T0),
            page("/products/boot-2", T0 + 60),
            page("/products/boot-3", T0 + 120),
            page("/c/running", T0 + 9 * 86400),
        ]
    },
    "cart abandonment offer is capped at two a day": {
        "steps": [
            page("/products/shoe-1", T0),
            events(T0 + 10, ev("add_to_cart", T0 + 10, "shoe-1")),
            page("/", T0 + 2 * H),
            page("/c/hiking", T0 + 3 * H),
            page("/c/running", T0 + 4 * H),
            page("/", T0 + 30 * H),
        ]
    },
    "no cart offer on the cart page": {
        "steps": [events(T0, ev("add_to_cart", T0, "shoe-2")), page("/cart", T0 + 60)]
    },
    "purchase empties the cart and stops the offer": {
        "steps": [
            events(T0, ev("add_to_cart", T0, "shoe-2")),
            events(T0 + 30, ev("purchase", T0 + 30, "shoe-2")),
            page("/", T0 + 60),
        ]
    },
    "bought items are not recommended": {
        "steps": [events(T0, ev("purchase", T0, "boot-2")), page("/products/boot-1", T0 + 60)]
    },
    "out of stock items are never recommended": {"steps": [page("/products/boot-3", T0)]},
    "promo rotates between blocks on category pages": {
        "steps": [page("/c/a", T0), page("/c/b", T0 + 60), page("/c/c", T0 + 120)]
    },
    "tampered cookie starts a fresh visitor": {
        "steps": [
            page("/products/boot-1", T0),
            page("/products/boot-2", T0 + 60),
            {**page("/products/boot-3", T0 + 120), "cookie": "tamper"},
        ]
    },
    "dropped cookie starts a fresh visitor": {
        "steps": [page("/products/boot-1", T0), {**page("/", T0 + 60), "cookie": "drop"}]
    },
    "denied consent clears the state cookie": {
        "steps": [page("/products/boot-1", T0), page("/", T0 + 60, consent=DENIED)]
    },
    "global privacy control turns profile off": {
        "steps": [page("/products/boot-1", T0, consent={"gpc": True, "cookie": None})]
    },
    "explicit cookie consent outranks GPC": {
        "steps": [page("/products/boot-1", T0, consent={"gpc": True, "cookie": "granted"})]
    },
    "sensitive category stays out of recommendations": {
        "steps": [page("/products/vit-1", T0), page("/", T0 + 60)]
    },
    "sensitive opt-in allows health recommendations": {
        "steps": [page("/products/vit-1", T0, consent={"cookie": "v1;p=*;s=health"})]
    },
    "signed-in visitor asks for the long-term profile": {
        "steps": [page("/", T0, known_id="user-42")]
    },
    "long-term profile candidates and segments are used": {
        "steps": [
            page(
                "/",
                T0,
                known_id="user-42",
                profile={
                    "segments": ["vip"],
                    "propensities": {"churn": 0.2},
                    "candidates": ["shoe-3", "snk-3", "boot-2"],
                    "expires_at": T0 + 3600,
                },
            )
        ]
    },
    "profile is ignored without consent": {
        "steps": [
            page(
                "/",
                T0,
                consent=NONE,
                known_id="user-42",
                profile={"segments": ["vip"], "candidates": ["shoe-3"], "expires_at": T0 + 3600},
            )
        ]
    },
    "global holdout keeps every slot on defaults": {
        "bundle": {"holdout": {"percent": 100, "seed": "h"}},
        "steps": [page("/products/boot-1", T0)],
    },
    "beacon events without consent are not folded": {
        "steps": [events(T0, ev("add_to_cart", T0, "shoe-1"), consent=NONE), page("/", T0 + 60)]
    },
    "malformed beacon events are counted and skipped": {
        "steps": [events(T0, {"type": "teleport"}, "not-an-event", ev("click", T0, "snk-1"))]
    },
    "slots absent from the page are not decided": {"steps": [page("/", T0, page_slots=["recs"])]},
    "unknown slot keeps its default": {"steps": [page("/", T0, page_slots=["sidebar"])]},
    "product page recommends neighbours of the product": {
        "steps": [page("/products/shoe-1", T0, consent=NONE)]
    },
    "propensity segment after cart adds": {
        "steps": [
            events(T0, ev("add_to_cart", T0, "snk-1"), ev("add_to_cart", T0 + 1, "snk-2")),
            page("/c/sneakers", T0 + 60),
        ]
    },
}


def main() -> None:
    cases = []
    for name, scenario in SCENARIOS.items():
        cases.append({"name": name, "input": scenario, "expect": visit.run(scenario)})
    with open(os.path.join(HERE, "visit.json"), "w", encoding="utf-8") as handle:
        json.dump({"kind": "visit", "cases": cases}, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
