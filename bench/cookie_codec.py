"""`tailor bench cookie_codec`: the state cookie's two payload versions side by side.

For the core benchmark's reference visitors (their states after 0-30 past events), times
`payload` (state -> bytes) and `parse` (bytes -> state) of version 1 (varints,
`core.cookie_format`) and version 2 (columns, `core.cookie_columns`), interleaved round by
round in one process, in CPython and in Pyodide. Prints medians in microseconds per state
and the payload sizes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.support import in_pyodide, visitor_options


def _per_item_us(work: Callable[[Any], object], items: Sequence[Any]) -> float:
    t0 = time.perf_counter_ns()
    for item in items:
        work(item)
    return (time.perf_counter_ns() - t0) / len(items) / 1000


def run(visitors: int = 500, rounds: int = 7, seed: int = 7) -> dict[str, Any]:
    """Both versions over the same states, alternating every round."""
    from bench import reference
    from core import bundle as bundle_mod
    from core import cookie_columns, cookie_format

    bundle = bundle_mod.load(reference.payload(seed))
    states = [reference.past_state(p, bundle) for p in reference.visitors(count=visitors)]
    v1 = [cookie_format.payload(s, False) for s in states]
    v2 = [cookie_columns.payload(s, False) for s in states]
    if any(p is None for p in v2):
        raise RuntimeError("a reference state has no version 2 form")
    bodies1 = [p[2:] for p in v1]
    bodies2 = [p[2:] for p in v2 if p is not None]
    times: dict[str, list[float]] = {k: [] for k in ("v1_parse", "v2_parse", "v1_payload",
                                                     "v2_payload")}
    for _ in range(rounds):
        times["v1_parse"].append(_per_item_us(cookie_format.parse, bodies1))
        times["v2_parse"].append(_per_item_us(cookie_columns.parse, bodies2))
        times["v1_payload"].append(_per_item_us(lambda s: cookie_format.payload(s, False), states))
        times["v2_payload"].append(
            _per_item_us(lambda s: cookie_columns.payload(s, False), states)
        )
    out: dict[str, Any] = {f"{k}_us": round(statistics.median(v), 1) for k, v in times.items()}
    out["payload_bytes_median"] = {
        "v1": statistics.median(map(len, v1)), "v2": statistics.median(map(len, bodies2)) + 2
    }
    out["python"] = sys.version.split()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    args = visitor_options("tailor bench cookie_codec", __doc__, 7, argv)
    report: dict[str, Any] = {"benchmark": "cookie_codec",
                              "cpython": run(args.visitors, args.rounds)}
    if not args.no_pyodide:
        from build import edge_artifact

        edge_artifact.build()
        report["pyodide"] = in_pyodide("bench.cookie_codec",
                                       {"visitors": args.visitors, "rounds": args.rounds},
                                       node_flags=["--no-liftoff"])
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
