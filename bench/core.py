"""`tailor bench core`: per-decision latency of the reference bundle in CPython and Pyodide.

The same workload (`run`) executes in this CPython process and, through `edge/pyrun.mjs`,
in Pyodide under Node with the core installed from the edge artifact's wheel. Prints one
JSON object with p50/p99 per decision in microseconds for both runtimes and the p99 cookie
size. A decision here is the edge's whole Python work for a page: cookie decode, decide
(consent, fold the page view, segments, rules, experiments, recommendations, rendering),
cookie encode.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from bench.support import build_artifact, in_pyodide, percentile, visitor_options

KEY = b"bench-cookie-key-0123456789abcdef"


def run(visitors: int = 500, rounds: int = 3, seed: int = 7) -> dict[str, Any]:
    """Build the reference bundle and time `handle_page` for every visitor, `rounds` times."""
    from bench import reference
    from core import bundle as bundle_mod
    from core import cookie, visit

    started = time.perf_counter()
    payload = reference.payload(seed)
    built = time.perf_counter()
    bundle = bundle_mod.load(payload)
    loaded = time.perf_counter()
    requests = reference.page_requests(reference.visitors(count=visitors), bundle, KEY)
    timings: list[float] = []
    cookie_sizes: list[int] = []
    decide_only: list[float] = []
    now = reference.T0 + 60
    for number, request in enumerate(requests[:50]):  # warm caches and the JIT, untimed
        visit.handle_page(bundle, request, KEY, now, f"warm-{number}")
    for round_number in range(rounds):
        reference.forget_requests(bundle)
        for number, request in enumerate(requests):
            t0 = time.perf_counter_ns()
            result = visit.handle_page(bundle, request, KEY, now, f"fresh-{number}")
            timings.append((time.perf_counter_ns() - t0) / 1000.0)
            if round_number == 0 and result["set_cookie"]:
                cookie_sizes.append(len(result["set_cookie"]))
    from core import decide as decide_mod

    for number, request in enumerate(requests):
        s = cookie.decode(request["cookies"]["tailor_s"], KEY, now, f"f{number}", bundle.settings)
        t0 = time.perf_counter_ns()
        decide_mod.decide(bundle, request, s, now)
        decide_only.append((time.perf_counter_ns() - t0) / 1000.0)
    return {
        "python": sys.version.split()[0],
        "decisions": len(timings),
        "p50_us": round(percentile(timings, 0.5), 1),
        "p90_us": round(percentile(timings, 0.9), 1),
        "p99_us": round(percentile(timings, 0.99), 1),
        "decide_only_p50_us": round(percentile(decide_only, 0.5), 1),
        "decide_only_p99_us": round(percentile(decide_only, 0.99), 1),
        "cookie_p99_bytes": int(percentile([float(c) for c in cookie_sizes], 0.99)),
        "cookie_max_bytes": max(cookie_sizes) if cookie_sizes else 0,
        "bundle_build_ms": round((built - started) * 1000, 1),
        "bundle_load_ms": round((loaded - built) * 1000, 1),
        "rules": bundle.rule_count,
        "segments": len(bundle.segments),
        "items": len(bundle.catalog),
    }


def _pyodide(visitors: int, rounds: int, node_flags: list[str]) -> dict[str, Any]:
    return in_pyodide("bench.core", {"visitors": visitors, "rounds": rounds},
                      node_flags=node_flags)


def main(argv: list[str] | None = None) -> int:
    args = visitor_options("tailor bench core", __doc__, 3, argv)
    report: dict[str, Any] = {"benchmark": "core", "cpython": run(args.visitors, args.rounds)}
    if not args.no_pyodide:
        build_artifact()
        # V8 first runs wasm on its baseline compiler (Liftoff) and tiers hot functions up to
        # TurboFan in the background; a long-running edge reaches the optimized tier, a
        # short benchmark may not. Both are reported; targets are judged on steady state.
        report["pyodide_baseline_tier"] = _pyodide(args.visitors, args.rounds, [])
        report["pyodide"] = _pyodide(args.visitors, args.rounds, ["--no-liftoff"])
        py = report["pyodide"]
        if "p50_us" in py:
            report["pyodide_over_cpython_p50"] = round(
                py["p50_us"] / report["cpython"]["p50_us"], 2
            )
            report["targets"] = {
                "pyodide_p50_le_100us": py["p50_us"] <= 100,
                "pyodide_p99_le_500us": py["p99_us"] <= 500,
                "cookie_p99_le_3000": py["cookie_p99_bytes"] <= 3000,
            }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
