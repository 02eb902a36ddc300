"""Benchmark: train + compile time on MovieLens-100k, bundle sizes for a 10k-item catalog.

Wall time depends on what else runs on the machine; CPU time of this process is reported
next to it (training runs BLAS single-threaded).

Prints one JSON document. ml-100k is read from the recbole wheel when installed (see
`origin.datasets`); without it that part reports `skipped`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from origin.compile import (
    CentroidSpec,
    PropensitySpec,
    TrainedRecs,
    base_payload,
    build_sections,
    build_segments,
    encode,
    reference_catalog,
    reference_interactions,
    size_report,
)
from origin.datasets import DatasetUnavailable, Interaction, Interactions, load_ml100k

MIB = 1 << 20


def bench_ml100k() -> dict[str, Any]:
    """Wall time of `fit_recs` (l2 tuning included) and of compiling its sections."""
    from origin.train import fit_recs

    try:
        rows = load_ml100k()
    except DatasetUnavailable as exc:
        return {"skipped": str(exc)}
    t0, c0 = time.perf_counter(), time.process_time()
    result = fit_recs(rows)
    t1 = time.perf_counter()
    items = [{"id": i, "title": i} for i in result.recs.item_ids]
    sections = build_sections(items, result.recs)
    payload = base_payload(1, 0)
    payload.update(sections)
    raw = encode(payload)
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "rows": len(rows), "items": len(items), "l2": result.info["l2"],
        "train_seconds": round(t1 - t0, 3), "compile_seconds": round(t2 - t1, 3),
        "total_seconds": round(t2 - t0, 3), "total_cpu_seconds": round(c2 - c0, 3),
        "target_seconds": 10, "payload_bytes": len(raw),
        "neighbours_model": result.info["neighbours_model"],
    }


def _reference_segments(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A centroid model (6 clusters) and a propensity over behaviour + 16 category interests."""
    from origin.models.behaviour import DEFAULT_FEATURES, category_features

    categories = sorted({str(it["category"]) for it in items})
    feats = DEFAULT_FEATURES + category_features(categories, 16)
    rng = np.random.default_rng(0)
    d = len(feats)
    return build_segments(
        CentroidSpec("behaviour", feats, rng.random(d), rng.random(d) + 0.5,
                     rng.normal(size=(6, d)), [f"behaviour_{c}" for c in range(6)]),
        [PropensitySpec("likely_buyer", feats, rng.normal(size=d), -1.0, 0.5)],
    )


def bench_reference(n: int, ks: Sequence[int]) -> dict[str, Any]:
    """Bundle section sizes for a synthetic n-item catalog, per neighbour count k."""
    from origin.models.content import ContentTfidf, item_text
    from origin.models.hybrid import HybridRecommender
    from origin.models.rp3beta import RP3beta

    items = reference_catalog(n)
    pairs = reference_interactions(items)
    t0 = time.perf_counter()
    data = Interactions([Interaction(u, i) for u, i in pairs],
                        item_ids=[str(it["id"]) for it in items])
    hybrid = HybridRecommender(collab=RP3beta(), content=ContentTfidf(), k=max(ks)).fit(
        data.matrix(), texts=[item_text(it) for it in items]
    )
    blended = hybrid.neighbors(max(ks))
    content = hybrid.content_.neighbors(max(ks))
    train_seconds = time.perf_counter() - t0
    popular = [int(i) for i in hybrid.popularity_.top(100)]
    segments = _reference_segments(items)
    out: dict[str, Any] = {"items": n, "interactions": len(pairs),
                           "train_seconds": round(train_seconds, 3), "variants": {}}
    for k in ks:
        for ship_content in (False, True):
            recs = TrainedRecs(item_ids=data.item_ids, collab=blended, content=content,
                               popular=popular, blend={"collab": 1.0, "content": 0.0})
            t1 = time.perf_counter()
            sections = build_sections(items, recs, segments, k=k, ship_content=ship_content)
            report = size_report(sections)
            name = f"k{k}" + ("_with_content" if ship_content else "")
            out["variants"][name] = {
                "sections": report, "compile_seconds": round(time.perf_counter() - t1, 3),
                "gzip_total_mib": round(report["total"]["gzip"] / MIB, 3),
                "within_1_mib": report["total"]["gzip"] <= MIB,
                "mean_neighbours": float(np.mean((blended[0][:, :k] >= 0).sum(axis=1))),
            }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.train", description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--k", type=int, nargs="+", default=[50, 30, 20])
    parser.add_argument("--skip-ml100k", action="store_true")
    parser.add_argument("--json", action="store_true", help="(output is always JSON)")
    args = parser.parse_args(argv)
    result = {
        "ml100k": {"skipped": "--skip-ml100k"} if args.skip_ml100k else bench_ml100k(),
        "reference_catalog": bench_reference(args.items, args.k),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
