"""`tailor bench core_bound`: how far below today's decision a redesign could go, measured.

The core benchmark's p50 target (100 us in Pyodide) has been missed by 5-6x after every
change that keeps the page path's design. This benchmark replaces estimates with two
measured bounds, on the same reference requests, alternating block by block in one process
(CPython, then Pyodide), so the machine's drift falls on all three alike:

- ``decision``: `visit.handle_page` as the edge calls it (cookie in, decision, cookie out).
- ``precomputed_profile``: the same call, with each visitor's segment membership and
  history-based recommendation candidates already computed (as an event path would store
  them), so the page computes neither: only the page item's neighbours are scored, and the
  history arrives as a ranked candidate list. This is the page path of the "digest" design
  in docs/benchmarks.md, without the cost of reading the digest itself: a lower bound for
  that design, not an implementation of it (its answers differ from the decision's, by
  design: the page's own view would count from the next page on).
- ``precomputed_decide_only``: the precomputed page path with no cookie at all (the state
  decoded beforehand, untimed, and nothing encoded): what the page's own decision logic
  (context, the page view's fold, rules, experiments, recommendations from the stored
  candidates, rendering, exposures) costs once both the profile work and the cookie are
  gone.
- ``state_cookie_floor``: for profile requests only, what any design that reads and
  writes the signed state cookie on every page pays before it decides anything: verify and
  decode the cookie, fold the page view, record the slots' exposures, encode and sign.
- ``state_cookie_floor_decoded``: the same with the state already decoded (a copy of it is
  folded, as on the edge when its recent-states memo holds the cookie): the part no cache
  of states can take away, because every page writes a new cookie.

Nothing here changes the core: the precomputed variant swaps two functions for the
duration of its blocks and puts them back.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench.support import build_artifact, in_pyodide, percentile, visitor_options

KEY = b"bench-cookie-key-0123456789abcdef"
BLOCKS = 12
HISTORY_CANDIDATES = 40
"""Candidates kept per visitor: the diversity step looks at 4x a slot's 10 items."""
VARIANTS = (
    "decision",
    "precomputed_profile",
    "precomputed_decide_only",
    "state_cookie_floor",
    "state_cookie_floor_decoded",
)
FLOORS = frozenset(VARIANTS[3:])
"""Variants timed over profile requests only (a contextual page has no state cookie)."""


@contextlib.contextmanager
def _swapped(compute: Callable[..., Any], recommend: Callable[..., Any]) -> Iterator[None]:
    """`core.segments.compute` and the decision's `recommend` replaced while inside, then
    put back (also after an error)."""
    from core import decide as decide_mod
    from core import segments as segments_mod

    originals = segments_mod.compute, decide_mod.recommend
    segments_mod.compute, decide_mod.recommend = compute, recommend
    try:
        yield
    finally:
        segments_mod.compute, decide_mod.recommend = originals


@contextlib.contextmanager
def precomputed(table: dict[str, dict[str, Any]], current: dict[str, Any]) -> Iterator[None]:
    """Segment membership and history candidates read from `table`, keyed by
    `current["visitor"]` (`current["item"]`: the page is an item's); visitors missing from
    it, and contextual requests, are computed as usual."""
    from core import decide as decide_mod
    from core import segments as segments_mod
    from core.recommend import RecsQuery

    compute, recommend = segments_mod.compute, decide_mod.recommend

    def stored_compute(*args: Any, **kwargs: Any) -> Any:
        entry = table.get(current["visitor"])
        if entry is None or args[2] is None:  # args[2]: the state, None when contextual
            return compute(*args, **kwargs)
        attributes = args[1]
        attributes["segments"] = list(entry["segments"])
        attributes["propensity"] = dict(entry["propensity"])
        return segments_mod.Membership(attributes["segments"], attributes["propensity"])

    def stored_recommend(catalog: Any, data: Any, query: RecsQuery) -> Any:
        entry = table.get(current["visitor"])
        if entry is not None:
            query.seeds = list(query.seeds[:1]) if current["item"] else []
            query.candidates = [*query.candidates, *entry["candidates"]]
        return recommend(catalog, data, query)

    with _swapped(stored_compute, stored_recommend):
        yield


def _profile_table(
    bundle: Any, requests: list[dict[str, Any]], now: int
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Each profile visitor's membership and history candidates, computed (untimed) by the
    real decision: what an event path would have stored for the page to read. Also the
    decisions themselves (the recorders pass every call through), one per request."""
    from core import decide as decide_mod
    from core import segments as segments_mod
    from core import visit
    from core.recommend import RecsQuery, score_items

    table: dict[str, dict[str, Any]] = {}
    compute, recommend = segments_mod.compute, decide_mod.recommend
    current: dict[str, Any] = {}
    outputs: list[dict[str, Any]] = []

    def recording_compute(*args: Any, **kwargs: Any) -> Any:
        membership = compute(*args, **kwargs)
        if args[2] is not None:
            entry = table.setdefault(current["visitor"], {"candidates": []})
            entry["segments"] = list(membership.segments)
            entry["propensity"] = dict(membership.propensity)
        return membership

    def recording_recommend(catalog: Any, data: Any, query: RecsQuery) -> Any:
        entry = table.get(current["visitor"])
        if entry is not None and not entry["candidates"]:
            history = list(query.seeds[1:]) if current["item"] else list(query.seeds)
            scores = score_items(data, RecsQuery(source=query.source, seeds=history))
            ranked = sorted(scores)  # by item, so equal scores stay in item order
            ranked.sort(key=scores.__getitem__, reverse=True)
            entry["candidates"] = ranked[:HISTORY_CANDIDATES]
        return recommend(catalog, data, query)

    with _swapped(recording_compute, recording_recommend):
        for number, request in enumerate(requests):
            current.update(_pointer(bundle, request, number))
            outputs.append(visit.handle_page(bundle, request, KEY, now, f"table-{number}"))
    return table, outputs


def _pointer(bundle: Any, request: dict[str, Any], number: int) -> dict[str, Any]:
    """What `precomputed` keys its table by: the visitor, and whether the page is an item's."""
    return {"visitor": str(number), "item": request.get("path") in bundle.catalog.by_url}


def _floor_step(
    bundle: Any, request: dict[str, Any], shown: list[str], now: int, state: Any
) -> None:
    """The state cookie's share of a profile page: decode (when `state` is None), fold the
    view, record the exposures, encode and sign."""
    from core import cookie, fold
    from core.page_request import _page_view

    owned = state is None
    if state is None:
        state = cookie.decode(request["cookies"]["tailor_s"], KEY, now, "floor", bundle.settings)
    index = bundle.catalog.by_url.get(request["path"])
    view = None
    if index is not None:
        view = _page_view(
            state,
            bundle.catalog.ids[index],
            bundle.catalog.category_of(index),
            request["path"],
            now,
        )
    state = fold.page_step(state, view, now, bundle.settings, bundle.catalog.info, copy=not owned)
    state = fold.record_exposures(state, shown, now, bundle.settings, copy=False)
    cookie.encode_with_state(state, KEY, bundle.settings, now)


def run(visitors: int = 500, rounds: int = 3, seed: int = 7) -> dict[str, Any]:
    """Every variant over the reference requests, alternating in blocks."""
    from bench import reference
    from core import bundle as bundle_mod
    from core import cookie, visit
    from core.decide import decide

    bundle = bundle_mod.load(reference.payload(seed))
    requests = reference.page_requests(reference.visitors(count=visitors), bundle, KEY)
    now = reference.T0 + 60
    table, outputs = _profile_table(bundle, requests, now)
    profile = [out["mode"] == "profile" for out in outputs]
    shown = [[d["block"] for d in out["decisions"].values() if d["block"]] for out in outputs]
    current: dict[str, Any] = {"visitor": "", "item": False}
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    profile_times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    size = max(1, len(requests) // BLOCKS)
    blocks = [
        range(start, min(start + size, len(requests))) for start in range(0, len(requests), size)
    ]

    def timed(name: str, numbers: range, step: Callable[[int], None]) -> None:
        for number in numbers:
            if name in FLOORS and not profile[number]:
                continue
            t0 = time.perf_counter_ns()
            step(number)
            elapsed = (time.perf_counter_ns() - t0) / 1000.0
            times[name].append(elapsed)
            if profile[number]:
                profile_times[name].append(elapsed)

    def decision(number: int) -> None:
        visit.handle_page(bundle, requests[number], KEY, now, f"fresh-{number}")

    def with_table(number: int) -> None:
        current.update(_pointer(bundle, requests[number], number))
        visit.handle_page(bundle, requests[number], KEY, now, f"fresh-{number}")

    states = [
        cookie.decode(r["cookies"]["tailor_s"], KEY, now, f"s-{n}", bundle.settings)
        for n, r in enumerate(requests)
    ]

    def decide_only(number: int) -> None:
        current.update(_pointer(bundle, requests[number], number))
        decide(bundle, requests[number], states[number], now)

    def floor(number: int) -> None:
        _floor_step(bundle, requests[number], shown[number], now, None)

    def floor_decoded(number: int) -> None:
        _floor_step(bundle, requests[number], shown[number], now, states[number])

    for number, request in enumerate(requests[:50]):  # warm caches and the JIT, untimed
        visit.handle_page(bundle, request, KEY, now, f"warm-{number}")
    for _ in range(rounds):
        for block in blocks:
            reference.forget_requests(bundle)
            timed("decision", block, decision)
            reference.forget_requests(bundle)
            with precomputed(table, current):
                timed("precomputed_profile", block, with_table)
                reference.forget_requests(bundle)
                timed("precomputed_decide_only", block, decide_only)
            timed("state_cookie_floor", block, floor)
            timed("state_cookie_floor_decoded", block, floor_decoded)

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "n": len(values),
            "p50_us": round(percentile(values, 0.5), 1),
            "p99_us": round(percentile(values, 0.99), 1),
        }

    report: dict[str, Any] = {"python": sys.version.split()[0]}
    for name in VARIANTS:
        report[name] = {
            "all_requests": summary(times[name]),
            "profile_requests": summary(profile_times[name]),
        }
    base = report["decision"]["all_requests"]["p50_us"]
    report["precomputed_over_decision_p50"] = round(
        report["precomputed_profile"]["all_requests"]["p50_us"] / base, 3
    )
    report["profile_share"] = round(sum(profile) / len(profile), 3)
    return report


def main(argv: list[str] | None = None) -> int:
    args = visitor_options("tailor bench core_bound", __doc__, 3, argv)
    report: dict[str, Any] = {"benchmark": "core_bound", "cpython": run(args.visitors, args.rounds)}
    if not args.no_pyodide:
        build_artifact()
        report["pyodide"] = in_pyodide(
            "bench.core_bound",
            {"visitors": args.visitors, "rounds": args.rounds},
            node_flags=["--no-liftoff"],
        )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
