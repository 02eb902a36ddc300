"""Writes tests/spec/bundle_load.json: one mutation of the fixture bundle per case.

Every rejection must name the field at fault; review the messages in the diff.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from handlers import bundle_load  # noqa: E402

CASES: dict[str, dict[str, Any]] = {
    "the fixture loads": {},
    "payload must be a map": {"replace": [1, 2]},
    "schema missing": {"delete": ["schema"]},
    "schema from the future": {"set": {"schema": 2}},
    "version must be an integer": {"set": {"version": "7"}},
    "version must not be a boolean": {"set": {"version": True}},
    "created_at missing": {"delete": ["created_at"]},
    "settings must be a map": {"set": {"settings": [1]}},
    "negative half life": {"set": {"settings.half_life_hours": -1}},
    "cookie limit must be a number": {"set": {"settings.cookie_max_bytes": "big"}},
    "catalog missing": {"delete": ["catalog"]},
    "catalog ids must be strings": {"set": {"catalog.ids": [1, 2]}},
    "duplicate item id": {"set": {"catalog.ids.1": "boot-1"}},
    "titles length mismatch": {"set": {"catalog.titles": ["only one"]}},
    "category array wrong length": {"set": {"catalog.category": {"$u2": [0, 1]}}},
    "category array odd bytes": {"set": {"catalog.category": {"$bytes": [0, 1, 2]}}},
    "category index outside vocabulary": {"set": {"catalog.category": {"$u2": [9] + [0] * 11}}},
    "brand index outside vocabulary": {"set": {"catalog.brand": {"$u2": [99] * 12}}},
    "price must be bytes": {"set": {"catalog.price_cents": [100] * 12}},
    "in_stock wrong length": {"set": {"catalog.in_stock": {"$bytes": [1, 1]}}},
    "tags wrong length": {"set": {"catalog.tags": [[]]}},
    "neighbours wrong length": {"set": {"recs.collab.neighbors": {"$u4": [1, 2, 3]}}},
    "neighbour scores wrong length": {"set": {"recs.collab.scores": {"$bytes": [1]}}},
    "neighbour scale negative": {"set": {"recs.collab.scale": -1}},
    "neighbour index dtype unknown": {"set": {"recs.collab.index_dtype": "u8"}},
    "recs k must be an integer": {"set": {"recs.k": "four"}},
    "popular list outside catalog": {"set": {"recs.popular": {"$u4": [0, 500]}}},
    "segment list outside catalog": {"set": {"recs.by_segment.hikers": {"$u4": [12]}}},
    "segments must be a list": {"set": {"segments": {"a": 1}}},
    "segment without id": {"delete": ["segments.0.id"]},
    "duplicate segment id": {"set": {"segments.1.id": "mobile"}},
    "unknown segment kind": {"set": {"segments.0.kind": "magic"}},
    "segment with unknown operator": {"set": {"segments.0.when": {"device": {"$near": 1}}}},
    "propensity coef length mismatch": {"set": {"segments.4.coef": [1.0]}},
    "propensity with unknown feature kind": {"set": {"segments.4.features.0.kind": "vibes"}},
    "centroid segment loads": {
        "append": {
            "segments": {
                "id": "clusters",
                "kind": "centroid",
                "features": [{"name": "v", "kind": "event_count", "key": "view"}],
                "names": ["low", "high"],
                "centroids": {"$f4": [0.0, 5.0]},
            }
        }
    },
    "centroid array wrong size": {
        "append": {
            "segments": {
                "id": "clusters",
                "kind": "centroid",
                "features": [{"name": "v", "kind": "event_count", "key": "view"}],
                "names": ["low", "high"],
                "centroids": {"$f4": [0.0]},
            }
        }
    },
    "centroid scale must be positive": {
        "append": {
            "segments": {
                "id": "clusters",
                "kind": "centroid",
                "features": [{"name": "v", "kind": "event_count", "key": "view"}],
                "names": ["low", "high"],
                "centroids": {"$f4": [0.0, 5.0]},
                "scale": [0.0],
            }
        }
    },
    "blocks must be a map": {"set": {"blocks": []}},
    "unknown block kind": {"set": {"blocks.hero_default.kind": "video"}},
    "template must be a string": {"set": {"blocks.hero_default.template": 5}},
    "template with broken placeholder": {"set": {"blocks.hero_default.template": "<b>{{ x</b>"}},
    "recs count out of range": {"set": {"blocks.recs.recs.count": 500}},
    "recs mmr lambda out of range": {"set": {"blocks.recs.recs.mmr_lambda": 2}},
    "slot fallback to unknown block": {"set": {"slots.recs.fallback_block": "nope"}},
    "rules must be a list": {"set": {"rules": {}}},
    "rule without slot": {"delete": ["rules.0.slot"]},
    "rule with unknown block": {"set": {"rules.0.block": "nope"}},
    "rule without any block": {"set": {"rules.0.block": None}},
    "rule with bad condition": {"set": {"rules.0.when": {"$and": "not a list"}}},
    "rule with bad regex": {"set": {"rules.0.when": {"path": {"$regex": "(["}}}},
    "rule with unknown experiment": {"set": {"rules.2.experiment": "nope"}},
    "duplicate rule id": {"set": {"rules.1.id": "mobile-evening"}},
    "rule pages must be strings": {"set": {"rules.2.pages": [1]}},
    "rule cap must be a map": {"set": {"rules.3.cap": 3}},
    "experiments must be a list": {"set": {"experiments": {}}},
    "experiment block unknown": {"set": {"experiments.0.variations.1.blocks.hero": "nope"}},
    "experiment range outside unit interval": {"set": {"experiments.0.range": [0.5, 1.5]}},
    "experiment with negative weight": {"set": {"experiments.0.variations.0.weight": -1}},
    "experiment with bad targeting": {"set": {"experiments.0.when": {"$foo": 1}}},
    "pages must be a list": {"set": {"pages": {"a": 1}}},
    "page type without match": {"delete": ["pages.0.match"]},
    "consent vendor must be an integer": {"set": {"consent.vendor_id": "x"}},
    "consent purposes must be integers": {"set": {"consent.profile_purposes": ["1"]}},
    "consent sensitive must be strings": {"set": {"consent.sensitive": [1]}},
}


def main() -> None:
    cases = [
        {"name": name, "input": case, "expect": bundle_load.run(case)}
        for name, case in CASES.items()
    ]
    with open(os.path.join(HERE, "bundle_load.json"), "w", encoding="utf-8") as handle:
        json.dump({"kind": "bundle_load", "cases": cases}, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
