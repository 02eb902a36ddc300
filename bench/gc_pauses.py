"""`tailor bench gc_pauses`: the cyclic collector's pauses during decisions, with and without
the freeze the edge applies after every bundle commit (edge/glue.py `settle_heap`).

Runs in Pyodide (the edge's runtime) and in CPython: builds the 2,000-item reference bundle,
then replays visitors page after page (each next request carries the cookie the previous
one set) and records every collection's duration through `gc.callbacks`, alternating runs
with the heap frozen after the bundle load and not. Prints JSON: per setting the number of
collections, their median and max pause, and the decision p50/p99/max.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from typing import Any

from bench.support import in_pyodide, percentile

KEY = b"bench-gc-key-0123456789abcdef-xx"


def run(decisions: int = 4000, rounds: int = 2, items: int = 2000) -> dict[str, Any]:
    """Alternate frozen / not frozen `rounds` times; the same requests each time."""
    from bench import reference
    from core import bundle as bundle_mod
    from core import visit

    bundle = bundle_mod.load(reference.payload(7, n_items=items))
    first = reference.page_requests(reference.visitors(count=500, n_items=items), bundle, KEY)
    results: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for frozen in (False, True):
            gc.unfreeze()
            gc.collect()
            if frozen:
                gc.freeze()
            pauses, times = _replay(visit, bundle, first, decisions, reference.T0 + 60)
            into = results.setdefault("frozen" if frozen else "not_frozen",
                                      {"pauses": [], "times": []})
            into["pauses"] += pauses
            into["times"] += times
    gc.unfreeze()
    out: dict[str, Any] = {"python": sys.version.split()[0], "decisions_per_run": decisions,
                           "rounds": rounds}
    for name, r in results.items():
        pauses, times = r["pauses"], r["times"]
        out[name] = {
            "collections": len(pauses),
            "pause_median_us": round(percentile(pauses, 0.5)) if pauses else 0,
            "pause_max_us": round(max(pauses)) if pauses else 0,
            "pause_total_ms": round(sum(pauses) / 1000, 1),
            "decision_p50_us": round(percentile(times, 0.5)),
            "decision_p99_us": round(percentile(times, 0.99)),
            "decision_max_us": round(max(times)),
        }
    return out


def _replay(visit: Any, bundle: Any, first: list[dict[str, Any]], decisions: int,
            now: int) -> tuple[list[float], list[float]]:
    requests = list(first)
    starts: dict[int, float] = {}
    pauses: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            starts[info["generation"]] = time.perf_counter()
        elif info["generation"] in starts:
            pauses.append((time.perf_counter() - starts.pop(info["generation"])) * 1e6)

    times: list[float] = []
    gc.callbacks.append(watch)
    try:
        for n in range(decisions):
            i = n % len(requests)
            t0 = time.perf_counter()
            out = visit.handle_page(bundle, requests[i], KEY, now + n, f"gc-{n}")
            times.append((time.perf_counter() - t0) * 1e6)
            if out["set_cookie"]:
                requests[i] = {**requests[i], "cookies": {"tailor_s": out["set_cookie"]}}
    finally:
        gc.callbacks.remove(watch)
    return pauses, times


def _pyodide(decisions: int, rounds: int) -> dict[str, Any]:
    return in_pyodide("bench.gc_pauses", {"decisions": decisions, "rounds": rounds})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tailor bench gc_pauses", description=__doc__)
    parser.add_argument("--decisions", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print JSON only (the default)")
    args = parser.parse_args(argv)
    result = {"benchmark": "gc_pauses", "pyodide": _pyodide(args.decisions, args.rounds),
              "cpython": run(args.decisions, args.rounds)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
