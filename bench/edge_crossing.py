"""`python -m bench.edge_crossing`: where the edge's one JS↔Python crossing spends its time.

Runs bench/edge_crossing.mjs in Node against the edge artifact (dist/edge) with the bench
bundle of `bench.edge` (2,000 items) and a consented visitor with a warm state cookie on a
3-slot product page. Prints JSON: medians in microseconds per crossing of the whole crossing
(old JSON-both-ways form and the current one) and of its parts (JS stringify/parse, Python
json.loads/_run/json.dumps, moving the strings alone), and the sizes of what crosses.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import msgpack  # type: ignore[import-untyped]

from bench.edge import EDGE_DIR, ROOT, build_payload, catalog_items


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.edge_crossing", description=__doc__)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--per-round", type=int, default=200)
    p.add_argument("--artifact", default=str(ROOT / "dist" / "edge"))
    p.add_argument("--json", action="store_true", help="(output is always JSON)")
    args = p.parse_args(argv)
    items = catalog_items()
    first = str(items[0]["category"])
    paths = [str(it["url"]) for it in items if it["category"] == first][:3]
    with tempfile.TemporaryDirectory(prefix="tailor-crossing-") as tmp:
        bundle = Path(tmp) / "payload.msgpack"
        bundle.write_bytes(msgpack.packb(build_payload(1), use_bin_type=True))
        done = subprocess.run(
            ["node", str(ROOT / "bench" / "edge_crossing.mjs"), args.artifact, str(bundle),
             str(args.rounds), str(args.per_round), json.dumps(paths)],
            cwd=EDGE_DIR, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        return 1
    print(json.dumps(json.loads(done.stdout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
