"""Shared by the benchmarks: percentiles, and running a benchmark's own `run` in Pyodide.

`in_pyodide` calls `module.call(**kwargs)` through edge/pyrun.mjs under Node, with the core
installed from the edge artifact's wheel and this checkout mounted so `bench` imports, and
returns the JSON object it printed (or {"error": stderr tail} when it failed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank `q` quantile of `values` (0 <= q <= 1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def visitor_options(
    prog: str, description: str | None, rounds: int, argv: list[str] | None
) -> argparse.Namespace:
    """The options of the benchmarks that replay the core's reference visitors (and puts this
    checkout on sys.path, so `bench` and `core` import from it)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--no-pyodide", action="store_true", help="CPython only")
    parser.add_argument("--json", action="store_true", help="print JSON only (the default)")
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    return parser.parse_args(argv)


def build_artifact() -> None:
    """Build (or refresh) the edge artifact the Pyodide runs load, keeping stdout for JSON."""
    import contextlib

    from build import edge_artifact

    with contextlib.redirect_stdout(sys.stderr):
        edge_artifact.main([])


def in_pyodide(
    module: str,
    kwargs: dict[str, Any],
    *,
    node_flags: Sequence[str] = (),
    paths: Sequence[str] = (),
    timeout: float = 900,
) -> dict[str, Any]:
    command = [
        "node", *node_flags, os.path.join(ROOT, "edge", "pyrun.mjs"),
        "--artifact", os.path.join(ROOT, "dist", "edge"),
        "--path", ROOT, *(arg for path in paths for arg in ("--path", path)),
        "--module", module, "--call", "run", "--args", json.dumps(kwargs),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-2000:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
