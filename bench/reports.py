"""Report and feedback-loop speed over a seeded event store (real SQLite in a temp dir).

Each visitor has views, exposures to a two-arm A/B test and a three-arm bandit, clicks and
sometimes a purchase. Prints one JSON object with the seconds each report took.

    python -m bench.reports --json [--visitors 20000 --seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from origin.feedback import bandit_posteriors
from origin.reporting import Period, blocks_report, definitions, experiments_report, roi_report
from origin.storage import EventRow, Store

DAY = 86400
EXPERIMENTS = [
    {"id": "hero", "kind": "ab", "variations": [{"id": "a"}, {"id": "b"}]},
    {"id": "promo", "kind": "bandit", "variations": [{"id": "x"}, {"id": "y"}, {"id": "z"}]},
]


def seed_events(visitors: int, seed: int, now: int) -> list[EventRow]:
    rng = random.Random(seed)
    rows: list[EventRow] = []
    n = 0

    def add(visitor: str, kind: str, ts: int, item: str | None, value: float | None,
            path: str, props: dict[str, Any] | None = None) -> None:
        nonlocal n
        n += 1
        rows.append((f"e{n}", visitor, kind, ts, item, value, None, path, None,
                     None if props is None else json.dumps(props)))

    for i in range(visitors):
        v, t = f"v{i}", now - rng.randrange(25 * DAY)
        for k in range(rng.randrange(4, 14)):
            add(v, "view", t + 60 * k, f"sku-{rng.randrange(2000)}", None, f"/p/{k}")
        hero, promo = rng.choice("ab"), rng.choice("xyz")
        add(v, "exposure", t, f"hero_{hero}", None, "/",
            {"slot": "hero", "rule": "r-hero", "experiment": "hero", "variation": hero})
        add(v, "exposure", t + 60, f"promo_{promo}", None, "/p/1",
            {"slot": "promo", "rule": "r-promo", "experiment": "promo", "variation": promo})
        if rng.random() < 0.2:
            add(v, "click", t + 30, "sku-1", None, "/")
        if rng.random() < (0.05 if hero == "a" else 0.07):
            add(v, "purchase", t + rng.randrange(9 * DAY), "sku-2", 25.0, "/checkout")
    return rows


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return round(time.perf_counter() - started, 4)


def run(visitors: int, seed: int) -> dict[str, Any]:
    now = int(time.time())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite")
        try:
            rows = seed_events(visitors, seed, now)
            for start in range(0, len(rows), 5000):
                store.insert_events(rows[start:start + 5000], now)
            store.put_doc("config", {"id": "holdout", "value": {"percent": 10, "seed": "h"}})
            defs = definitions(store)
            defs.experiments.extend(EXPERIMENTS)
            period = Period()
            return {
                "bench": "reports", "visitors": visitors, "events": len(rows),
                "seconds": {
                    "experiments": timed(lambda: experiments_report(store, defs, period)),
                    "blocks": timed(lambda: blocks_report(store, period)),
                    "roi": timed(lambda: roi_report(store, defs, period)),
                    "bandit_posteriors": timed(
                        lambda: bandit_posteriors(store, EXPERIMENTS, now=now)),
                },
            }
        finally:
            store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON line (default: indented)")
    args = parser.parse_args(argv)
    result = run(args.visitors, args.seed)
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
