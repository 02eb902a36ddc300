"""`tailor bench edge`: the edge's per-request cost, pass-through vs personalized.

One run: a local origin serving a ~40 KB product page with 3 slots, a signed bundle of a
2,000-item catalog, the real edge (Node + Pyodide workers) and autocannon (npm) driving a
mix of anonymous, consented and signed-in visitors. Reports throughput and p50/p99 of (a)
the same edge serving the cached page with its defaults (the `bypass` debug hook skips the
decision) and (b) personalizing it; p99 at 80% of the personalized peak (paced, open loop:
bench/paced_load.mjs), with the same host's pass-through paced beside it as the tail's
floor on this machine; cold start from process start to the first personalized response;
RSS per worker; where the time of a personalized request goes; and, side by side per V8
flag setting, Pyodide's start and the decision time from the first decisions to the
tiered-up steady state. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import msgpack  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from bench.edge_cold import cold_starts, first_personalized, free_port, start_edge
from bench.edge_load import (
    cpu_per_request,
    edge_cpu,
    load,
    node_child,
    paced,
    rss_children,
    tail_floor,
)
from bench.edge_origin import product_page, start_origin

ROOT = Path(__file__).resolve().parent.parent
EDGE_DIR = ROOT / "edge"
N_ITEMS = 2000
K = 30


# --- the bundle ----------------------------------------------------------------------------


def catalog_items() -> list[dict[str, Any]]:
    from origin.compile import reference_catalog

    return reference_catalog(N_ITEMS, seed=1)


def build_payload(version: int) -> dict[str, Any]:
    """A realistic store payload: 2,000 items, same-category neighbours, ~20 rules."""
    from origin.compile import base_payload, build_catalog
    from origin.quantize import pack

    items = catalog_items()
    catalog = build_catalog(items)
    by_cat: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        by_cat.setdefault(str(it["category"]), []).append(i)
    neighbors: list[int] = []
    scores: list[int] = []
    for i, it in enumerate(items):
        pool = by_cat[str(it["category"])]
        start = pool.index(i)
        row = [pool[(start + j) % len(pool)] for j in range(1, K + 1)][: len(pool) - 1]
        neighbors += row + [0xFFFFFFFF] * (K - len(row))
        scores += [max(0, 250 - 8 * r) for r in range(len(row))] + [0] * (K - len(row))
    categories = sorted(by_cat)
    payload = base_payload(version, int(time.time()))
    payload.update({
        "catalog": catalog,
        "recs": {
            "k": K,
            "collab": {"neighbors": pack(neighbors, "u4"), "scores": bytes(scores), "scale": 1.0},
            "blend": {"collab": 1.0, "content": 0.0},
            "popular": pack(list(range(100)), "u4"),
            "by_segment": {f"fan-{c}": pack(by_cat[c][:50], "u4") for c in categories[:10]},
        },
        "segments": [
            {"id": "mobile", "kind": "rule", "when": {"device": "mobile"}},
            {"id": "evening", "kind": "rule", "when": {"local_hour": {"$gte": 18}}},
            *[{"id": f"fan-{c}", "kind": "rule",
               "when": {"$count": {"event": "view", "where": {"category": c},
                                   "within_hours": 168, "gte": 3}}} for c in categories[:10]],
            {"id": "buyer", "kind": "propensity",
             "features": [{"name": "carts", "kind": "event_count", "key": "add_to_cart"},
                          {"name": "views", "kind": "event_count", "key": "view"}],
             "coef": [1.5, 0.2], "intercept": -2.0, "threshold": 0.5},
        ],
        "blocks": {
            "hero_default": {"template": "<h1>Gear for every path</h1>"},
            **{f"hero_{c}": {"template": f'<h1 class="{c}">New in {c}, {{{{ segment }}}}</h1>'}
               for c in categories[:10]},
            "hero_mobile": {"template": '<p class="offer">App deal: 10% off</p>'},
            "recs": {"kind": "recs",
                     "template": '<ul class="recs" data-count="{{ count }}">{{ items }}</ul>',
                     "recs": {"source": "auto", "count": 6, "max_per_category": 4,
                              "item_template": '<li data-tailor-item="{{ id }}"><a href="'
                                               '{{ url }}">{{ title }}</a> {{ price }}</li>'}},
            "cart_offer": {"template": '<div class="cart-offer">Free shipping today</div>'},
            "promo_a": {"template": '<div class="promo">A</div>'},
            "promo_b": {"template": '<div class="promo">B</div>'},
        },
        "slots": {"hero": {"fallback_block": None}, "recs": {"fallback_block": "recs"},
                  "promo": {"fallback_block": None}},
        "rules": [
            {"id": "mobile-hero", "slot": "hero", "priority": 40,
             "when": {"device": "mobile", "local_hour": {"$gte": 18}}, "block": "hero_mobile"},
            *[{"id": f"fan-{c}", "slot": "hero", "priority": 30 - n,
               "when": {"segments": f"fan-{c}"}, "block": f"hero_{c}"}
              for n, c in enumerate(categories[:10])],
            {"id": "cart", "slot": "promo", "priority": 20,
             "when": {"cart_size": {"$gt": 0}}, "block": "cart_offer",
             "cap": {"max": 3, "per_hours": 24}},
            {"id": "rotate", "slot": "promo", "priority": 10, "rotate": ["promo_a", "promo_b"]},
            {"id": "recs", "slot": "recs", "priority": 1, "block": "recs"},
        ],
    })
    return payload


def signed_bundle(key: Ed25519PrivateKey, version: int) -> bytes:
    header_raw = msgpack.packb({"schema": 1, "version": version, "created_at": int(time.time()),
                                "key_id": "bench"})
    payload = msgpack.packb(build_payload(version), use_bin_type=True)
    sig = key.sign(b"tailor-bundle-v1\n" + header_raw + payload)
    return bytes(msgpack.packb({"header_raw": header_raw, "payload": payload, "signature": sig},
                               use_bin_type=True))


# --- the edge and the load -----------------------------------------------------------------


def visitor_requests(paths: list[str], bypass: bool, consented_cookie: str
                     ) -> list[dict[str, Any]]:
    """The request mix autocannon cycles through on every connection: a third each of
    anonymous (contextual), consented (a warm state cookie) and signed-in visitors."""
    reqs = []
    for n, path in enumerate(paths[:12]):
        headers: dict[str, str] = {}
        kind = n % 3
        if kind == 1:
            headers["cookie"] = f"tailor_consent=granted; tailor_s={consented_cookie}"
        elif kind == 2:
            headers["cookie"] = "tailor_consent=granted"
            headers["x-tailor-known-id"] = f"member-{n}"
        if bypass:
            headers["x-tailor-debug"] = "bypass"
        reqs.append({"method": "GET", "path": path, "headers": headers})
    return reqs


V8_SETTINGS: dict[str, list[str]] = {
    "default (dynamic tiering)": [],
    "--no-liftoff (TurboFan only)": ["--no-liftoff"],
    "--no-wasm-dynamic-tiering (eager tier-up)": ["--no-wasm-dynamic-tiering"],
    "--wasm-tiering-budget=100000": ["--wasm-tiering-budget=100000"],
}
"""V8 flag settings compared by `tiering` (the edge runs with the first: see the result)."""


def tiering(seconds: float) -> dict[str, Any]:
    """Decision time over the first seconds of a fresh Pyodide per V8 setting, side by side:
    start (restore + bundle), the first decisions, time until V8's tier-up reaches the
    steady state, and the steady state (median of the second half's 250 ms windows)."""
    items = catalog_items()
    first_cat = str(items[0]["category"])
    paths = [str(it["url"]) for it in items if it["category"] == first_cat][:3]
    paths += [str(it["url"]) for it in items[3:12]]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tailor-tiering-") as tmp:
        payload = Path(tmp) / "payload.msgpack"
        payload.write_bytes(msgpack.packb(build_payload(1), use_bin_type=True))
        for name, flags in V8_SETTINGS.items():
            done = subprocess.run(
                ["node", *flags, str(ROOT / "bench" / "edge_tiering.mjs"),
                 str(ROOT / "dist" / "edge"), str(payload), json.dumps(paths), str(seconds)],
                cwd=EDGE_DIR, capture_output=True, text=True, check=True)
            r = json.loads(done.stdout)
            windows = r.pop("median_us_per_250ms")
            tail = sorted(windows[len(windows) // 2:])
            steady = tail[len(tail) // 2]
            reached = next(i for i, w in enumerate(windows) if w <= steady * 1.1)
            out[name] = {**r, "first_window_us": windows[0], "steady_us": steady,
                         "steady_after_ms": reached * 250, "windows_us": windows}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tailor bench edge", description=__doc__)
    p.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--tiering-seconds", type=float, default=3.0,
                   help="per V8 setting in the tiering comparison (0 skips it)")
    p.add_argument("--cold-starts", type=int, default=3, metavar="N",
                   help="alternating pairs of cold starts without and with the bundle's own "
                        "snapshot (0 skips them)")
    args = p.parse_args(argv)

    key = Ed25519PrivateKey.generate()
    public_b64 = __import__("base64").b64encode(
        key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    bundle = signed_bundle(key, 1)
    server, origin = start_origin()
    data = Path(tempfile.mkdtemp(prefix="tailor-bench-edge-"))
    (data / "bundle.msgpack").write_bytes(bundle)  # the last good bundle, loaded at start
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # no bundle snapshot made during the load phases (cold_starts measures it on its own)
    proc, started = start_edge(origin, data, public_b64, port, args.workers, data / "edge.log",
                               ("--bundle-snapshot-delay-ms", "-1"))
    result: dict[str, Any] = {"workers": args.workers, "page_bytes": len(product_page("/x")),
                              "bundle_bytes": len(bundle), "catalog_items": N_ITEMS}
    try:
        result["cold_start_ms"] = round(first_personalized(url, started, proc) * 1000, 1)
        items = catalog_items()
        paths = [str(it["url"]) for it in items[:12]]
        first_cat = sorted({str(it["category"]) for it in items})[0]
        fan_paths = [str(it["url"]) for it in items if it["category"] == first_cat][:3]
        with httpx.Client(base_url=url, cookies={"tailor_consent": "granted"}) as c:
            for path in fan_paths:
                c.get(path)  # three views in one category: a warm, segmented visitor
            cookie = c.cookies["tailor_s"]
        personalized = visitor_requests(paths, False, cookie)
        bypass = visitor_requests(paths, True, cookie)
        load(url, personalized, 2, args.connections)  # warm-up: pages cached, JIT warm
        health0 = httpx.get(url + "/_tailor/health").json()
        primary = node_child(proc.pid)
        cpu: dict[str, dict[str, float]] = {}
        for phase, reqs in (("passthrough", bypass), ("personalized", personalized)):
            before = edge_cpu(primary)
            result[phase] = load(url, reqs, args.seconds, args.connections)
            cpu[phase] = cpu_per_request(before, edge_cpu(primary), result[phase]["total"])
        result["ratio"] = round(result["personalized"]["rps"] / result["passthrough"]["rps"], 3)
        rate = int(result["personalized"]["rps"] * 0.8)
        # paced and open loop: autocannon's overallRate spends each connection's per-second
        # quota back-to-back, so its "80 %" is bursts at full speed (kept for comparison)
        result["personalized_at_80pct"] = {"rate": rate, "method": "paced open loop", **paced(
            url, personalized, args.seconds, args.connections, rate)}
        result["personalized_at_80pct_autocannon_bursts"] = {"rate": rate, **load(
            url, personalized, args.seconds, args.connections, rate)}
        half = int(result["personalized"]["rps"] * 0.5)  # where the tail is not queueing
        result["personalized_at_50pct"] = {"rate": half, "method": "paced open loop", **paced(
            url, personalized, args.seconds, args.connections, half)}
        health = httpx.get(url + "/_tailor/health").json()
        result["tail_floor"] = tail_floor(url, bypass, args.seconds, args.connections, rate,
                                          int(result["passthrough"]["rps"] * 0.8))
        t1, t0 = health["timing_us"], health0["timing_us"]
        n = max(1, t1["n"] - t0["n"])
        per = {k: round((t1[k] - t0[k]) / n, 1) for k in ("context_us", "crossing_us", "python_us")}
        joins = max(1, t1["join_n"] - t0["join_n"])
        per["join_us"] = round((t1["join_us"] - t0["join_us"]) / joins, 1)
        per["json_and_crossing_overhead_us"] = round(per["crossing_us"] - per["python_us"], 1)
        pass_us = 1e6 * args.workers / result["passthrough"]["rps"]
        pers_us = 1e6 * args.workers / result["personalized"]["rps"]
        result["time_per_request_us"] = {
            "http_and_cache_passthrough_cpu": round(pass_us, 1),
            "personalized_cpu": round(pers_us, 1),
            **per,
            "edge_cpu_by_process": cpu,
            "note": "cpu = workers / throughput (the load generator shares the cores); "
                    "edge_cpu_by_process = CPU time of the node primary and of all workers "
                    "per request of each phase, from /proc; the "
                    "rest are wall-clock means inside the worker over the personalized phases "
                    "(crossings only, contextual-cache hits excluded), inflated when the "
                    "machine is oversubscribed",
        }
        result["fallbacks"] = health["counters"]["fallbacks"]
        result["rss_per_worker_mb"] = [round(r / 2**20, 1) for r in
                                       rss_children(node_child(proc.pid))]
        result["pyodide_start"] = [w["pyodide"] for w in health["workers"]]
        result["warmup"] = [w.get("warmup") for w in health["workers"]]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data, ignore_errors=True)
    try:
        if args.cold_starts > 0:
            result["cold_starts"] = cold_starts(origin, bundle, public_b64, args.workers,
                                                args.cold_starts)
    finally:
        server.shutdown()
    if args.tiering_seconds > 0:
        settings = tiering(args.tiering_seconds)
        result["v8_tiering"] = {
            "edge_runs_with": "default (dynamic tiering), plus a background warm-up of "
                              "decisions in every worker once it serves (tailor edge --warmup)",
            "fastest_steady": min(settings, key=lambda k: settings[k]["steady_us"]),
            "steady_spread_pct": round(100 * (max(v["steady_us"] for v in settings.values())
                                              / min(v["steady_us"] for v in settings.values())
                                              - 1), 1),
            "fastest_start": min(settings, key=lambda k: settings[k]["load_ms"]),
            "settings": settings,
        }
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
