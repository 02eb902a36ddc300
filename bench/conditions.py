"""Condition evaluation speed: Tailor compiled vs Tailor interpreted vs GrowthBook evalCondition.

A seeded reference set of conditions (segments, context, nested logic, $in lists, regexes,
dot paths, versions, behavioural operators) runs against seeded visitors in one process, so
the three engines share the machine state. Answers are checked to agree. `run()` does no
I/O beyond importing GrowthBook, so the same module runs inside Pyodide.

    python -m bench.conditions --json [--visitors 2000 --conditions 500 --seed 7 --repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import platform
import random
import statistics
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from core import conditions

SEGMENTS = [f"seg_{i}" for i in range(16)]
CATEGORIES = ["hiking", "running", "climbing", "camping", "cycling", "swimming", "yoga", "ski"]
COUNTRIES = ["DE", "FR", "US", "GB", "NL", "SE", "ES", "IT", "PL", "CH", None]
DEVICES = ["mobile", "tablet", "desktop", "bot"]
PAGE_TYPES = ["product", "category", "home", "cart", "search"]
REFERRERS = ["www.google.com", "duckduckgo.com", "news.example.org", "t.co", None]
LIST_FIELDS = frozenset(("segments", "cart", "recent_items"))
EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "search", "dwell"]


def load_growthbook() -> Any:
    """growthbook.core without the package's network stack (aiohttp, urllib3, cryptography)."""
    if "growthbook.core" not in sys.modules and "growthbook" not in sys.modules:
        spec = importlib.util.find_spec("growthbook")
        if spec is not None and spec.submodule_search_locations:
            package = types.ModuleType("growthbook")
            package.__path__ = list(spec.submodule_search_locations)
            sys.modules["growthbook"] = package
    return importlib.import_module("growthbook.core")


# ---- the workload -------------------------------------------------------------------------


def _context_condition(rng: random.Random) -> dict[str, Any]:
    kind = rng.randrange(16)
    if kind == 0:
        return {"device": rng.choice(DEVICES)}
    if kind == 1:
        return {"country": {"$in": rng.sample([c for c in COUNTRIES if c], rng.randint(2, 6))}}
    if kind == 2:
        start = rng.randrange(24)
        return {"local_hour": {"$gte": start, "$lt": min(24, start + rng.randint(2, 8))}}
    if kind == 3:
        return {"weekday": {"$in": [5, 6]} if rng.random() < 0.5 else {"$nin": [5, 6]}}
    if kind == 4:
        return {"page_type": rng.choice(PAGE_TYPES)}
    if kind == 5:
        return {"path": {"$regex": rng.choice(["^/products/", "^/c/(hiking|ski)", "sale"])}}
    if kind == 6:
        return {"referrer_host": {"$regex": rng.choice(["google\\.", "^t\\.co$", "news"])}}
    if kind == 7:
        return {
            "attributes.app_version": {
                rng.choice(["$vgte", "$vlt"]): rng.choice(
                    ["2.3.0", "2.10.1", "3.0.0-beta.2", "1.9"]
                )
            }
        }
    if kind == 8:
        return {"attributes.tier": rng.choice(["gold", "silver", "free"])}
    if kind == 9:
        return {"propensity.likely_buyer": {"$gte": round(rng.uniform(0.2, 0.9), 2)}}
    if kind == 10:
        return {"cart_size": {"$gt": 0} if rng.random() < 0.5 else {"$gte": rng.randint(2, 4)}}
    if kind == 11:
        return {"known": rng.random() < 0.5}
    if kind == 12:
        return {"recent_items": {"$size": {"$gte": rng.randint(1, 6)}}}
    if kind == 13:
        return {"cart": {"$elemMatch": {"$in": [f"item_{rng.randrange(200)}" for _ in range(5)]}}}
    if kind == 14:
        return {"language": {"$exists": rng.random() < 0.7}}
    return {"item_category": {"$in": rng.sample(CATEGORIES, 3)}}


def _segment_condition(rng: random.Random) -> dict[str, Any]:
    kind = rng.randrange(5)
    if kind == 0:
        return {"segments": rng.choice(SEGMENTS)}
    if kind in (1, 2):
        return {"segments": {"$in": rng.sample(SEGMENTS, rng.randint(1, 4))}}
    if kind == 3:
        return {"segments": {"$all": rng.sample(SEGMENTS, 2)}}
    return {"segments": {"$nin": rng.sample(SEGMENTS, 2)}}


def _behaviour_condition(rng: random.Random) -> dict[str, Any]:
    kind = rng.randrange(3)
    category = rng.choice(CATEGORIES)
    if kind == 0:
        return {
            "$count": {
                "event": "view",
                "where": {"category": category},
                "within_hours": rng.choice([24, 168]),
                "gte": rng.randint(1, 4),
            }
        }
    if kind == 1:
        return {"$recency": {"event": "purchase", "within_hours": 720}}
    return {"$interest": {"key": f"category:{category}", "gte": round(rng.uniform(0.5, 3), 2)}}


def _leaf(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.3:
        return _segment_condition(rng)
    if roll < 0.88:
        return _context_condition(rng)
    return _behaviour_condition(rng)


def make_conditions(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """A realistic mix: half single tests, the rest nested $and/$or/$not/$nor trees."""
    out: list[dict[str, Any]] = []
    for _ in range(n):
        shape = rng.random()
        if shape < 0.45:
            out.append(_leaf(rng))
        elif shape < 0.7:
            out.append({"$and": [_leaf(rng) for _ in range(rng.randint(2, 3))]})
        elif shape < 0.85:
            out.append({"$or": [_leaf(rng) for _ in range(rng.randint(2, 4))]})
        elif shape < 0.93:
            out.append({"$and": [_leaf(rng), {"$or": [_leaf(rng), _leaf(rng)]}]})
        elif shape < 0.97:
            out.append({"$not": _leaf(rng)})
        else:
            out.append({"$nor": [_leaf(rng), _leaf(rng)]})
    return out


def make_visitor(rng: random.Random, now: int) -> dict[str, Any]:
    """One visitor's attribute map, shaped like core.attributes.build's output."""
    category = rng.choice(CATEGORIES)
    events: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 32)):
        events.append(
            {
                "type": rng.choice(EVENT_TYPES),
                "ts": now - rng.randrange(40 * 86400),
                "item": f"item_{rng.randrange(200)}",
                "category": rng.choice(CATEGORIES),
            }
        )
    events.sort(key=lambda e: e["ts"])
    cart = [f"item_{rng.randrange(200)}" for _ in range(rng.choice([0, 0, 1, 2, 4]))]
    page_type = rng.choice(PAGE_TYPES)
    path = {
        "product": f"/products/p{rng.randrange(200)}",
        "category": f"/c/{category}",
        "home": "/",
        "cart": "/cart",
        "search": "/search",
    }[page_type]
    attributes: dict[str, Any] = {
        "path": path,
        "page_type": page_type,
        "item": f"item_{rng.randrange(200)}",
        "item_category": category if page_type in ("product", "category") else None,
        "device": rng.choice(DEVICES),
        "country": rng.choice(COUNTRIES),
        "language": rng.choice(["de", "en", "fr", None]),
        "referrer_host": rng.choice(REFERRERS),
        "local_hour": rng.randrange(24),
        "weekday": rng.randrange(7),
        "now": now,
        "segments": rng.sample(SEGMENTS, rng.randint(0, 5)),
        "interests": {
            f"category:{c}": round(rng.uniform(0, 4), 3)
            for c in rng.sample(CATEGORIES, rng.randint(0, 4))
        },
        "counts": {t: round(rng.uniform(0, 10), 2) for t in EVENT_TYPES},
        "events": events,
        "cart": cart,
        "cart_size": len(cart),
        "cart_changed_at": now - 60,
        "purchases_count": rng.randint(0, 3),
        "last_purchase_at": 0,
        "recent_items": [f"item_{rng.randrange(200)}" for _ in range(rng.randint(0, 12))],
        "session_pages": rng.randint(1, 20),
        "visit_count": rng.randint(1, 30),
        "known": rng.random() < 0.3,
        "propensity": {"likely_buyer": round(rng.random(), 3)},
        "consent_profile": rng.random() < 0.8,
    }
    if rng.random() < 0.7:
        attributes["attributes"] = {
            "tier": rng.choice(["gold", "silver", "free"]),
            "app_version": rng.choice(["2.3.0", "2.10.0", "1.9.3", "3.0.0-beta.1", "3.0.0"]),
        }
    return attributes


def shared_semantics(condition: Any) -> bool:
    """Whether GrowthBook defines the condition the same way (no behavioural operators, no
    plain value on an array attribute, which only Tailor matches element-wise)."""
    if isinstance(condition, list):
        return all(shared_semantics(c) for c in condition)
    if not isinstance(condition, dict):
        return True
    for key, value in condition.items():
        if key in ("$count", "$recency", "$interest"):
            return False
        if key in LIST_FIELDS and not (
            isinstance(value, dict) and value and all(k.startswith("$") for k in value)
        ):
            return False
        if key in ("$and", "$or", "$nor", "$not") and not shared_semantics(value):
            return False
    return True


def _clock() -> Callable[[], float]:
    """CPU time of this process where it is real (other engineers share the machine), else
    wall time (Pyodide)."""
    if sys.platform == "emscripten":
        return time.perf_counter
    return time.process_time


CLOCK = _clock()


def _time(fn: Callable[[], list[list[bool]]], repeats: int) -> tuple[float, list[list[bool]]]:
    """Median time of `repeats` runs, with the cyclic GC paused as timeit does: the answer
    lists pile up (1M booleans) and collections would time the heap, not the engines."""
    times = []
    answers: list[list[bool]] = []
    for _ in range(repeats):
        answers = []
        gc.collect()
        gc.disable()
        try:
            start = CLOCK()
            answers = fn()
            times.append(CLOCK() - start)
        finally:
            gc.enable()
    return statistics.median(times), answers


def run(
    n_visitors: int = 2000, n_conditions: int = 500, seed: int = 7, repeats: int = 3
) -> dict[str, Any]:
    """The whole benchmark; returns the JSON-ready result (times are medians of `repeats`)."""
    gb = load_growthbook()
    rng = random.Random(seed)
    now = 1_760_000_000
    conds = make_conditions(n_conditions, rng)
    visitors = [make_visitor(rng, now) for _ in range(n_visitors)]
    problems = [p for c in conds for p in conditions.validate(c)]
    shared = [c for c in conds if shared_semantics(c)]

    start = time.perf_counter()
    compiled_all = [conditions.compile(c) for c in conds]
    compile_seconds = time.perf_counter() - start
    compiled_shared = [conditions.compile(c) for c in shared]
    start = time.perf_counter()
    batch_all = conditions.compile_all(conds)
    batch_seconds = time.perf_counter() - start
    batch_shared = conditions.compile_all(shared)
    evaluate = conditions.evaluate
    gb_eval = gb.evalCondition

    def tailor_compiled(fs: list[Callable[[Any], bool]]) -> Callable[[], list[list[bool]]]:
        return lambda: [[f(v) for f in fs] for v in visitors]

    def tailor_interpreted(cs: list[Any]) -> Callable[[], list[list[bool]]]:
        return lambda: [[evaluate(c, v) for c in cs] for v in visitors]

    t_gb, gb_answers = _time(lambda: [[gb_eval(v, c) for c in shared] for v in visitors], repeats)
    t_comp, comp_answers = _time(tailor_compiled(compiled_shared), repeats)
    t_batch, batch_answers = _time(lambda: [batch_shared(v) for v in visitors], repeats)
    t_batch_all, batch_all_answers = _time(lambda: [batch_all(v) for v in visitors], repeats)
    t_eval, eval_answers = _time(tailor_interpreted(shared), repeats)
    t_comp_all, comp_all_answers = _time(tailor_compiled(compiled_all), repeats)
    t_eval_all, eval_all_answers = _time(tailor_interpreted(conds), repeats)

    mismatches = []
    for vi, (ours, theirs) in enumerate(zip(comp_answers, gb_answers, strict=True)):
        for ci, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if a is not b or eval_answers[vi][ci] is not b:
                mismatches.append({"visitor": vi, "condition": shared[ci], "growthbook": b})
    internal = sum(
        a is not b
        for x, y in zip(comp_all_answers, eval_all_answers, strict=True)
        for a, b in zip(x, y, strict=True)
    )
    internal += sum(x != y for x, y in zip(batch_all_answers, comp_all_answers, strict=True))
    internal += sum(x != y for x, y in zip(batch_answers, comp_answers, strict=True))
    n_shared = len(shared) * n_visitors
    n_all = len(conds) * n_visitors
    trues = sum(sum(row) for row in comp_all_answers)
    ns = 1e9
    return {
        "benchmark": "conditions",
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": sys.platform,
        "clock": CLOCK.__name__,
        "seed": seed,
        "visitors": n_visitors,
        "conditions": len(conds),
        "shared_conditions": len(shared),
        "repeats": repeats,
        "validate_problems": len(problems),
        "compile_ms_total": round(compile_seconds * 1e3, 3),
        "compile_all_ms_total": round(batch_seconds * 1e3, 3),
        "ns_per_eval_shared": {
            "tailor_compiled": round(t_comp / n_shared * ns, 1),
            "tailor_compile_all": round(t_batch / n_shared * ns, 1),
            "tailor_evaluate": round(t_eval / n_shared * ns, 1),
            "growthbook": round(t_gb / n_shared * ns, 1),
        },
        "ns_per_eval_all": {
            "tailor_compiled": round(t_comp_all / n_all * ns, 1),
            "tailor_compile_all": round(t_batch_all / n_all * ns, 1),
            "tailor_evaluate": round(t_eval_all / n_all * ns, 1),
        },
        "speedup_compiled_vs_growthbook": round(t_gb / t_comp, 2),
        "speedup_compile_all_vs_growthbook": round(t_gb / t_batch, 2),
        "speedup_evaluate_vs_growthbook": round(t_gb / t_eval, 2),
        "us_per_visitor_all_conditions": {
            "tailor_compiled": round(t_comp_all / n_visitors * 1e6, 2),
            "tailor_compile_all": round(t_batch_all / n_visitors * 1e6, 2),
        },
        "match_rate": round(trues / n_all, 4),
        "agree": {
            "compared": n_shared,
            "mismatches": len(mismatches),
            "examples": mismatches[:5],
            "compile_vs_evaluate_mismatches": internal,
        },
    }


def _pyodide(args: argparse.Namespace) -> dict[str, Any]:
    """The same `run` inside Pyodide (Node, steady-state TurboFan tier), GrowthBook included.

    GrowthBook's pure-Python modules and typing_extensions are read from this venv's
    site-packages, mounted read-only behind Pyodide's own library path.
    """
    import site

    from bench.support import build_artifact, in_pyodide

    build_artifact()
    packages = next(p for p in site.getsitepackages() if p.endswith("site-packages"))
    kwargs = {"n_visitors": args.visitors, "n_conditions": args.conditions, "seed": args.seed,
              "repeats": args.repeats}
    return in_pyodide("bench.conditions", kwargs, node_flags=["--no-liftoff"],
                      paths=[packages], timeout=1800)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--conditions", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-pyodide", action="store_true", help="CPython only")
    args = parser.parse_args(argv)
    result = run(args.visitors, args.conditions, args.seed, args.repeats)
    ok = result["agree"]["mismatches"] == 0
    if not args.no_pyodide:
        result = {"cpython": result, "pyodide": _pyodide(args)}
        ok = ok and result["pyodide"].get("agree", {}).get("mismatches", 1) == 0
    print(json.dumps(result, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
