"""`tailor bench core_ab`: this checkout's core against a committed one, in one process.

This machine's speed drifts by 10 % or more between runs, so two `tailor bench core` runs
cannot show a change of a few percent. Here the core of `--base` (any git ref) is exported
under the package name `core_base` and both cores decide the same reference requests in the
same interpreter, alternating block by block, in CPython and in Pyodide. Both must give
the same answer for every request (`same_answers`; a change meant to alter decisions shows
False). `--control` compares the working tree with a copy of itself: the ratio it prints
is the method's own bias, to read the real comparison against.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.support import ROOT, in_pyodide, percentile

KEY = b"bench-cookie-key-0123456789abcdef"
BASE_PACKAGE = "core_base"
_IMPORT = re.compile(r"^(\s*)(from|import) core\b", re.MULTILINE)


def export_core(ref: str | None, dest: Path) -> Path:
    """Write the core at `ref` (None: the working tree) to dest/core_base, imports renamed."""
    target = dest / BASE_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    if ref is None:
        shutil.copytree(Path(ROOT) / "core", target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref, "core"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest / "export", filter="data")
        shutil.move(dest / "export" / "core", target)
    for module in target.glob("*.py"):
        text = module.read_text()
        module.write_text(_IMPORT.sub(rf"\1\2 {BASE_PACKAGE}", text))
    return target


def _side(package: str, visitors: int, seed: int) -> tuple[Any, Any, list[dict[str, Any]]]:
    """A loaded bundle, the `visit` module and the reference requests, all from `package`."""
    from bench import reference

    bundle = importlib.import_module(f"{package}.bundle").load(reference.payload(seed))
    requests = reference.page_requests(reference.visitors(count=visitors), bundle, KEY, package)
    return bundle, importlib.import_module(f"{package}.visit"), requests


def run(visitors: int = 300, blocks: int = 12, seed: int = 7) -> dict[str, Any]:
    """Both cores over the same requests, alternating blocks; microseconds per decision."""
    from bench import reference

    now = reference.T0 + 60
    sides = {"base": _side(BASE_PACKAGE, visitors, seed), "new": _side("core", visitors, seed)}
    (base_bundle, base_visit, base_requests), (new_bundle, new_visit, new_requests) = (
        sides["base"],
        sides["new"],
    )
    same = 0
    for number, (a, b) in enumerate(zip(base_requests, new_requests, strict=True)):
        reference.forget_requests(base_bundle)
        reference.forget_requests(new_bundle)
        answer = base_visit.handle_page(base_bundle, a, KEY, now, f"same-{number}")
        same += answer == new_visit.handle_page(new_bundle, b, KEY, now, f"same-{number}")
    for bundle, visit, requests in sides.values():  # warm caches and the JIT, untimed
        for number, request in enumerate(requests[:50]):
            visit.handle_page(bundle, request, KEY, now, f"warm-{number}")
    timings: dict[str, list[float]] = {"base": [], "new": []}
    for block in range(blocks):
        for name in ("base", "new") if block % 2 == 0 else ("new", "base"):
            bundle, visit, requests = sides[name]
            reference.forget_requests(bundle)  # as in bench.core
            for number, request in enumerate(requests):
                t0 = time.perf_counter_ns()
                visit.handle_page(bundle, request, KEY, now, f"fresh-{number}")
                timings[name].append((time.perf_counter_ns() - t0) / 1000.0)
    out: dict[str, Any] = {
        "same_answers": same == len(new_requests),
        "decisions_per_side": len(timings["new"]),
    }
    for name, values in timings.items():
        out[name] = {
            "p50_us": round(percentile(values, 0.5), 1),
            "p99_us": round(percentile(values, 0.99), 1),
            "mean_us": round(sum(values) / len(values), 1),
        }
    for measure in ("p50_us", "p99_us", "mean_us"):
        out[f"ratio_{measure[:-3]}"] = round(out["new"][measure] / out["base"][measure], 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tailor bench core_ab", description=__doc__)
    parser.add_argument("--base", default="HEAD", help="git ref of the core to compare against")
    parser.add_argument(
        "--control",
        action="store_true",
        help="compare the working tree with itself (the method's bias)",
    )
    parser.add_argument("--visitors", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=12, help="timed blocks per side")
    parser.add_argument("--no-pyodide", action="store_true", help="CPython only")
    parser.add_argument("--json", action="store_true", help="print JSON only (the default)")
    args = parser.parse_args(argv)
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    kwargs = {"visitors": args.visitors, "blocks": args.blocks}
    base = "working tree (control)" if args.control else args.base
    report: dict[str, Any] = {"benchmark": "core_ab", "base": base, "new": "working tree"}
    with tempfile.TemporaryDirectory(prefix="tailor-core-ab-") as tmp:
        export_core(None if args.control else args.base, Path(tmp))
        sys.path.insert(0, tmp)
        report["cpython"] = run(**kwargs)
        if not args.no_pyodide:
            from build import edge_artifact

            edge_artifact.build()  # Pyodide's `core` is the artifact's wheel: this tree's
            report["pyodide"] = in_pyodide(
                "bench.core_ab", kwargs, node_flags=["--no-liftoff"], paths=[tmp]
            )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
