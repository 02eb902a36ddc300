"""`tailor eval`: offline metrics measured on what the edge would serve.

The trained model is compiled into a bundle payload (quantized, truncated, msgpack
round-tripped), loaded with `core.bundle.load`, and every test visitor's list comes from
`core.recommend.recommend` — the edge's own code — fed with either the visitor's profile
candidates (known visitors), the bundle's neighbour lists seeded by recent items, or both.
Metrics follow Microsoft Recommenders' python_evaluation (binary relevance).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import msgpack
import numpy as np
from tqdm import tqdm

from origin.compile import BUNDLE_K, base_payload, build_sections, encode
from origin.datasets import (
    DatasetUnavailable,
    Interaction,
    Interactions,
    load_csv,
    load_ml100k,
    recent_by_user,
    split_per_user,
    split_random,
)
from origin.quantize import dequantize_scores, unpack

PATHS = {
    "profile": "known visitor: profile candidates (top 100, EASE) through core.recommend "
               "(the headline 'tailor' row)",
    "neighbours": "recent items (last 12 by time, core uses 5) → bundle neighbour lists "
                  "(quantized) through core.recommend",
    "profile_and_neighbours": "both, as a known visitor with a cookie is served",
    "popularity_edge": "no history: the bundle's popularity list through core.recommend",
    "popularity": "popularity baseline computed directly",
    "float_model": "the EASE model's own top-k before compile (should equal profile)",
    "neighbours_float": "neighbour path in numpy on float scores",
    "neighbours_dequantized": "neighbour path in numpy on the bundle's uint8 scores",
}
MAP_NOTE = (
    "map_at_k: sum of precision at each hit in the top k / min(#relevant, k) (recommenders "
    ">= 1.2 map_at_k); map: the same sum / #relevant (recommenders map, which older releases "
    "called map_at_k and which the published ml-100k table used)"
)


def ranking_metrics(
    served: Mapping[str, Sequence[str]], truth: Mapping[str, set[str]], k: int
) -> dict[str, float]:
    """precision@k, recall@k, ndcg@k (binary), map_at_k, map over users with test items."""
    users = [u for u, rel in truth.items() if rel]
    totals = dict.fromkeys(("precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "map"), 0.0)
    for u in users:
        rel = truth[u]
        hits = [1 if item in rel else 0 for item in list(served.get(u, []))[:k]]
        n_hits = sum(hits)
        totals["precision_at_k"] += n_hits / k
        totals["recall_at_k"] += n_hits / len(rel)
        dcg = sum(h / math.log(2 + i) for i, h in enumerate(hits))
        idcg = sum(1 / math.log(2 + i) for i in range(min(len(rel), k)))
        totals["ndcg_at_k"] += dcg / idcg
        found, ap = 0, 0.0
        for i, h in enumerate(hits):
            if h:
                found += 1
                ap += found / (i + 1)
        totals["map_at_k"] += ap / min(len(rel), k)
        totals["map"] += ap / len(rel)
    n = max(len(users), 1)
    return {name: round(v / n, 6) for name, v in totals.items()}


def load_bundle(payload: Mapping[str, Any]) -> Any:
    """The payload as an edge receives it: msgpack bytes → map → `core.bundle.load`."""
    from core.bundle import load

    decoded = msgpack.unpackb(encode(payload), raw=False)
    return load(decoded)


def serve(
    bundle: Any, seeds: Sequence[str] = (), candidates: Sequence[str] = (),
    exclude: set[str] | frozenset[str] = frozenset(), count: int = 10,
) -> list[str]:
    """One visitor's list through the edge code (`core.recommend`), as item ids."""
    from core.recommend import RecsQuery, recommend

    index = bundle.catalog.index
    query = RecsQuery(
        count=count,
        seeds=[index[i] for i in seeds if i in index],
        candidates=[index[i] for i in candidates if i in index],
        exclude=frozenset(index[i] for i in exclude if i in index),
    )
    ids = bundle.catalog.ids
    return [ids[i] for i in recommend(bundle.catalog, bundle.recs, query)]


def neighbour_path_numpy(
    idx: np.ndarray, vals: np.ndarray, seeds: Sequence[int], exclude: set[int], count: int
) -> list[int]:
    """The edge's neighbour scoring (`core.recommend` seed weights and list depth) redone in
    numpy on given scores, float or dequantized, to isolate the cost of quantization and to
    tune quickly. Only items some seed reaches are ranked; ties go to the lower index."""
    from core.recommend import NEIGHBOURS_PER_SEED, SEED_WEIGHTS

    use = list(seeds)[: len(SEED_WEIGHTS)]
    if not use:
        return []
    depth = min(NEIGHBOURS_PER_SEED, idx.shape[1])
    nbr = idx[use, :depth]
    w = np.asarray(SEED_WEIGHTS[: len(use)], dtype=np.float64)[:, None] * vals[use, :depth]
    valid = nbr >= 0
    items, inverse = np.unique(nbr[valid], return_inverse=True)
    scores = np.zeros(len(items))
    np.add.at(scores, inverse, w[valid])
    if exclude:
        keep = ~np.isin(items, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
        items, scores = items[keep], scores[keep]
    order = np.lexsort((items, -scores))[:count]
    return [int(i) for i in items[order]]


def evaluate(
    train: Sequence[Interaction], test: Sequence[Interaction], k: int = 10,
    l2: float | None = None, progress: bool = True, n_candidates: int = 100,
    neighbours_k: int = BUNDLE_K,
) -> dict[str, Any]:
    """Train on `train`, compile, serve every test visitor through the core, score."""
    from origin.models.popularity import Popularity
    from origin.train import fit_recs

    started = time.perf_counter()
    result = fit_recs(train, l2=l2, k=max(neighbours_k, 50), n_candidates=n_candidates,
                      progress=progress)
    train_seconds = time.perf_counter() - started
    items = [{"id": i, "title": i, "category": "", "brand": ""} for i in result.recs.item_ids]
    t0 = time.perf_counter()
    sections = build_sections(items, result.recs, k=neighbours_k, list_len=len(items))
    payload = base_payload(1, 0)
    payload.update(sections)
    bundle = load_bundle(payload)
    compile_seconds = time.perf_counter() - t0

    seen: dict[str, set[str]] = defaultdict(set)
    for r in train:
        seen[r.user].add(r.item)
    truth: dict[str, set[str]] = defaultdict(set)
    for r in test:
        truth[r.user].add(r.item)
    recent = recent_by_user(train, 12)
    data = Interactions(list(train))
    X = data.matrix()
    pop = Popularity().fit(X)
    pop_ids = [data.item_ids[i] for i in pop.top(len(data.item_ids))]

    paths: dict[str, dict[str, list[str]]] = {
        "profile": {}, "neighbours": {}, "profile_and_neighbours": {}, "popularity_edge": {},
        "popularity": {}, "float_model": {}, "neighbours_float": {}, "neighbours_dequantized": {},
    }
    table = sections["recs"]["collab"]
    n = len(items)
    kk = neighbours_k
    q_idx = unpack(table["neighbors"], table["index_dtype"]).astype(np.int64).reshape(n, kk)
    q_idx[q_idx >= n] = -1
    q_val = dequantize_scores(table["scores"], table["scale"]).reshape(n, kk)
    f_idx, f_val = result.recs.collab
    pos = bundle.catalog.index
    for user in tqdm(sorted(truth), desc="serve", disable=not progress, leave=False):
        exclude = seen[user]
        cands = result.candidates.get(user, [])
        seeds = recent.get(user, [])
        paths["profile"][user] = serve(bundle, candidates=cands, exclude=exclude, count=k)
        paths["neighbours"][user] = serve(bundle, seeds=seeds, exclude=exclude, count=k)
        paths["profile_and_neighbours"][user] = serve(
            bundle, seeds=seeds, candidates=cands, exclude=exclude, count=k
        )
        paths["popularity_edge"][user] = serve(bundle, exclude=exclude, count=k)
        paths["popularity"][user] = [i for i in pop_ids if i not in exclude][:k]
        paths["float_model"][user] = cands[:k]
        s_idx = [pos[i] for i in seeds if i in pos]
        ex_idx = {pos[i] for i in exclude if i in pos}
        for name, (a, b) in (("neighbours_float", (f_idx, f_val)),
                             ("neighbours_dequantized", (q_idx, q_val))):
            paths[name][user] = [items[j]["id"] for j in
                                 neighbour_path_numpy(a, b, s_idx, ex_idx, k)]
    metrics = {name: ranking_metrics(served, truth, k) for name, served in paths.items()}
    nd_f = metrics["neighbours_float"]["ndcg_at_k"]
    nd_q = metrics["neighbours_dequantized"]["ndcg_at_k"]
    return {
        "k": k,
        "users": len(truth),
        "train_rows": len(train),
        "test_rows": len(test),
        "tailor": metrics["profile"],
        "popularity": metrics["popularity"],
        "paths": metrics,
        "paths_description": PATHS,
        "quantization_ndcg_loss_relative": round((nd_f - nd_q) / nd_f, 6) if nd_f else 0.0,
        "model": result.info,
        "map_definition": MAP_NOTE,
        "train_seconds": round(train_seconds, 3),
        "compile_seconds": round(compile_seconds, 3),
        "seconds": round(time.perf_counter() - started, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """`tailor eval`: ml-100k (from the recbole wheel) or a train/test CSV pair."""
    parser = argparse.ArgumentParser(prog="tailor eval", description=main.__doc__)
    parser.add_argument("--dataset", choices=["ml-100k"], help="built-in data set")
    parser.add_argument("--train", help="CSV user,item[,timestamp]")
    parser.add_argument("--test", help="CSV user,item[,timestamp]")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--l2", type=float, default=None, help="EASE l2 (default: tuned)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--split", choices=["user", "interaction"], default="user",
                        help="ml-100k: 75/25 within each user (stratified, as the published "
                        "table) or over all interactions at once")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.dataset:
        try:
            rows = load_ml100k()
        except DatasetUnavailable as exc:
            print(str(exc), file=sys.stderr)
            return 2
        if args.split == "user":
            train, test = split_per_user(rows, 0.75, seed=args.seed)
        else:
            train, test = split_random(rows, 0.75, seed=args.seed)
        protocol = (f"random 75/25 split per {args.split}, seed {args.seed}, "
                    "all ratings implicit")
    elif args.train and args.test:
        train, test = load_csv(args.train), load_csv(args.test)
        protocol = "given train/test files"
    else:
        parser.error("give --dataset ml-100k or --train FILE --test FILE")
    report = evaluate(train, test, k=args.k, l2=args.l2, progress=not args.quiet)
    report = {"dataset": args.dataset or "csv", "protocol": protocol, **report}
    if not args.json:
        for name, m in report["paths"].items():
            print(f"{name:24s} " + " ".join(f"{k}={v:.4f}" for k, v in m.items()))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
