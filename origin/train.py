"""`tailor train`: fit the recommendation and segment models, write them for compilation.

Hyperparameters are tuned on a validation split carved out of the training rows only; the
test split of an evaluation never reaches this module.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from origin.compile import CentroidSpec, PropensitySpec, TrainedRecs, build_segments
from origin.datasets import Interaction, Interactions
from origin.models.content import ContentTfidf
from origin.models.ease import EASE
from origin.models.hybrid import HybridRecommender
from origin.models.popularity import Popularity
from origin.models.selection import NEIGHBOUR_CANDIDATES, tune_l2, tune_neighbours

POSITIVE_EVENTS = frozenset({"view", "click", "add_to_cart", "purchase"})


@dataclass
class RecsResult:
    """Everything `fit_recs` learned: bundle lookups, per-visitor candidates, diagnostics."""

    recs: TrainedRecs
    candidates: dict[str, list[str]]
    info: dict[str, Any]


def profiles(
    candidates: Mapping[str, list[str]], membership: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per known visitor {segments, propensities, candidates} (the origin adds expires_at)."""
    out: dict[str, dict[str, Any]] = {}
    for visitor in sorted(set(candidates) | set(membership)):
        seg = membership.get(visitor, {})
        out[visitor] = {
            "segments": list(seg.get("segments", [])),
            "propensities": dict(seg.get("propensities", {})),
            "candidates": list(candidates.get(visitor, [])),
        }
    return out


def fit_recs(
    rows: Sequence[Interaction], item_ids: Sequence[str] | None = None,
    texts: Sequence[str] | None = None, l2: float | None = None, k: int = 50,
    n_candidates: int = 100, collab_weight: float = 0.7, neighbours: str | None = None,
    progress: bool = False, blas_threads: int | None = 1,
) -> RecsResult:
    """Per-visitor candidates from EASE (l2 tuned unless given); bundle neighbour lists from
    the model that serves best from recent items (tuned unless `neighbours` names one of
    `NEIGHBOUR_CANDIDATES`), blended with TF-IDF content neighbours when `texts` is given.

    BLAS runs single-threaded by default: on a shared 2-core machine OpenBLAS threads spin
    against other processes and a 1682² factorization went from 0.3 s to 3 s.
    """
    with threadpool_limits(limits=blas_threads):
        return _fit_recs(rows, item_ids, texts, l2, k, n_candidates, collab_weight,
                         neighbours, progress)


def _fit_recs(
    rows: Sequence[Interaction], item_ids: Sequence[str] | None, texts: Sequence[str] | None,
    l2: float | None, k: int, n_candidates: int, collab_weight: float, neighbours: str | None,
    progress: bool,
) -> RecsResult:
    started = time.perf_counter()
    info: dict[str, Any] = {"candidates_model": "EASE"}
    if l2 is None:
        l2, info["l2_validation_ndcg"] = tune_l2(rows, progress=progress)
    if neighbours is None:
        neighbours, info["neighbours_validation_ndcg"] = tune_neighbours(
            rows, l2, progress=progress
        )
    info["l2"] = l2
    info["neighbours_model"] = neighbours
    data = Interactions(list(rows), item_ids=list(item_ids) if item_ids is not None else [])
    X = data.matrix()
    steps = tqdm(total=3, desc="train", disable=not progress, leave=False)
    hybrid = HybridRecommender(
        collab=NEIGHBOUR_CANDIDATES[neighbours](l2), content=ContentTfidf(),
        collab_weight=collab_weight, k=k,
    ).fit(X, texts=texts)
    steps.update()
    collab_lists = hybrid.neighbors(k)  # scores divided by the largest: 1.0 = strongest link
    content_lists = hybrid.content_.neighbors(k) if texts is not None else None
    steps.update()
    ease = hybrid.collab_ if neighbours == "ease" else EASE(l2=l2).fit(X)
    top = ease.recommend(X, n_candidates)
    candidates = {u: [data.item_ids[i] for i in top[n] if i >= 0]
                  for n, u in enumerate(data.user_ids)}
    steps.update()
    steps.close()
    popularity = Popularity().fit(X)
    recs = TrainedRecs(
        item_ids=list(data.item_ids),
        collab=collab_lists,
        content=content_lists,
        popular=[int(i) for i in popularity.top(len(data.item_ids))],
        # the shipped collab table already holds the hybrid blend: the edge must not re-add
        # content on top of it
        blend={"collab": 1.0, "content": 0.0},
    )
    info["shipped_collab"] = f"hybrid({neighbours} + tfidf)" if texts is not None else neighbours
    info["seconds"] = time.perf_counter() - started
    return RecsResult(recs=recs, candidates=candidates, info=info)


def _sessions(events: list[Mapping[str, Any]], gap: int) -> list[list[Mapping[str, Any]]]:
    out: list[list[Mapping[str, Any]]] = []
    last = None
    for e in sorted(events, key=lambda e: int(e.get("ts") or 0)):
        ts = int(e.get("ts") or 0)
        if last is None or ts - last > gap:
            out.append([])
        out[-1].append(e)
        last = ts
    return out


def fit_segments(
    histories: Mapping[str, Sequence[Mapping[str, Any]]], item_info: Any,
    features: list[dict[str, str]] | None = None, n_clusters: int = 4, now: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """K-Means centroids and a purchase-next-session propensity from event histories.

    Returns the bundle `segments` list and per visitor {"segments", "propensities"} as of
    `now` (default: the last event), for the profiles known visitors get from the origin.
    """
    from core.settings import Settings
    from origin.models.behaviour import DEFAULT_FEATURES, feature_matrix
    from origin.models.kmeans_segments import KMeansSegments
    from origin.models.propensity import Propensity

    settings = Settings()
    feats = features or DEFAULT_FEATURES
    when = now if now is not None else max(
        (int(e.get("ts") or 0) for h in histories.values() for e in h), default=0
    )
    visitors, X = feature_matrix(histories, feats, when, settings, item_info)
    specs: list[dict[str, Any]] = []
    membership: dict[str, dict[str, Any]] = {
        v: {"segments": [], "propensities": {}} for v in visitors
    }
    if len(visitors) >= n_clusters:
        km = KMeansSegments(n_clusters=n_clusters).fit(X)
        specs = build_segments(CentroidSpec(
            id="behaviour", features=feats, mean=km.mean_, scale=km.scale_,
            centroids=km.centroids_, names=km.names_,
        ))
        for v, c in zip(visitors, km.predict(X), strict=True):
            membership[v]["segments"].append(km.names_[int(c)])
    # propensity: features before a visitor's last session, label = it contains a purchase
    gap = settings.session_gap_minutes * 60
    rows, labels = [], []
    for v, events in histories.items():
        sessions = _sessions(list(events), gap)
        if len(sessions) < 2:
            continue
        before = [e for s in sessions[:-1] for e in s]
        cut = int(sessions[-1][0].get("ts") or 0)
        _, x = feature_matrix({v: before}, feats, cut, settings, item_info)
        rows.append(x[0])
        labels.append(int(any(e.get("type") == "purchase" for e in sessions[-1])))
    if len(set(labels)) == 2:
        prop = Propensity(class_weight="balanced").fit(np.array(rows), np.array(labels))
        specs += build_segments(propensity=[PropensitySpec(
            id="likely_buyer", features=feats, coef=prop.coef_, intercept=prop.intercept_,
            threshold=prop.threshold_,
        )])
        for v, p in zip(visitors, prop.predict_proba(X)[:, 1], strict=True):
            membership[v]["propensities"]["likely_buyer"] = round(float(p), 6)
            if p >= prop.threshold_:
                membership[v]["segments"].append("likely_buyer")
    return specs, membership


def save_models(
    out: Path, result: RecsResult, segments: list[dict[str, Any]],
    membership: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """recs.npz + recs.json + segments.json + profiles.json (per-visitor profiles)."""
    out.mkdir(parents=True, exist_ok=True)
    r = result.recs
    arrays: dict[str, np.ndarray] = {"collab_idx": r.collab[0], "collab_val": r.collab[1]}
    if r.content is not None:
        arrays.update(content_idx=r.content[0], content_val=r.content[1])
    np.savez_compressed(out / "recs.npz", **arrays)  # type: ignore[arg-type]
    meta = {"item_ids": r.item_ids, "popular": r.popular, "by_segment": r.by_segment,
            "blend": r.blend, "info": result.info}
    (out / "recs.json").write_text(json.dumps(meta), encoding="utf-8")
    plain = [{k: (list(np.frombuffer(v, "<f4").astype(float)) if isinstance(v, bytes) else v)
              for k, v in s.items()} for s in segments]
    (out / "segments.json").write_text(json.dumps(plain), encoding="utf-8")
    body = profiles(result.candidates, membership or {})
    (out / "profiles.json").write_text(json.dumps(body), encoding="utf-8")


def load_models(path: Path) -> tuple[TrainedRecs, list[dict[str, Any]]]:
    """What `save_models` wrote, with centroids back as float32 bytes."""
    from origin.quantize import pack

    meta = json.loads((path / "recs.json").read_text(encoding="utf-8"))
    arrays = np.load(path / "recs.npz")
    content = (arrays["content_idx"], arrays["content_val"]) if "content_idx" in arrays else None
    recs = TrainedRecs(
        item_ids=meta["item_ids"], collab=(arrays["collab_idx"], arrays["collab_val"]),
        content=content, popular=meta["popular"], by_segment=meta["by_segment"],
        blend=meta["blend"],
    )
    segments = json.loads((path / "segments.json").read_text(encoding="utf-8"))
    for s in segments:
        if s.get("kind") == "centroid":
            s["centroids"] = pack(s["centroids"], "f4")
    return recs, segments


def _read_events(path: Path) -> list[dict[str, Any]]:
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            events.append(json.loads(line))
    return events


def train_all(
    histories: Mapping[str, Sequence[Mapping[str, Any]]], items: Sequence[Mapping[str, Any]] | None,
    rows: Sequence[Interaction] | None = None, l2: float | None = None, k: int = 50,
    clusters: int = 4, progress: bool = False,
) -> tuple[RecsResult, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Recommendations from `rows` (default: positive events) + segments from `histories`."""
    from core.settings import ItemInfo
    from origin.models.content import item_text

    if rows is None:
        rows = [Interaction(v, str(e["item"]), int(e.get("ts") or 0))
                for v, h in histories.items() for e in h
                if e.get("type") in POSITIVE_EVENTS and e.get("item")]
    item_ids = [str(it["id"]) for it in items] if items else None
    if item_ids is not None:
        known = set(item_ids)
        rows = [r for r in rows if r.item in known]
    texts = [item_text(it) for it in items] if items else None
    result = fit_recs(rows, item_ids=item_ids, texts=texts, l2=l2, k=k, progress=progress)
    segments: list[dict[str, Any]] = []
    membership: dict[str, dict[str, Any]] = {}
    if histories:
        by_id = {str(it["id"]): it for it in items or []}

        def info(item: str) -> ItemInfo | None:
            it = by_id.get(item)
            if it is None:
                return None
            return ItemInfo(category=it.get("category"), brand=it.get("brand"),
                            tags=tuple(it.get("tags") or ()))

        segments, membership = fit_segments(histories, info, n_clusters=clusters)
        result.recs.by_segment = _segment_lists(membership, rows, result.recs.item_ids)
    result.info["rows"] = len(rows)
    return result, segments, membership


def main(argv: Sequence[str] | None = None) -> int:
    """`tailor train`: stored events (--data) or files → models directory (+ profiles)."""
    from origin.datasets import load_csv

    parser = argparse.ArgumentParser(prog="tailor train", description=main.__doc__)
    parser.add_argument("--data", help="origin data directory: read events and items from its "
                        "store, write profiles back, models to DATA/models")
    parser.add_argument("--events", help="JSON lines of contract events (with `visitor`)")
    parser.add_argument("--interactions", help="CSV user,item[,timestamp]")
    parser.add_argument("--catalog", help="JSON list of item dicts (enables content + hybrid)")
    parser.add_argument("--out", help="models directory (default DATA/models)")
    parser.add_argument("--l2", type=float, default=None, help="EASE l2 (default: tuned)")
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--profile-ttl-hours", type=float, default=168.0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data or args.events or args.interactions):
        parser.error("give --data, --events or --interactions")
    if not (args.out or args.data):
        parser.error("give --out (or --data)")
    started = time.perf_counter()
    items = json.loads(Path(args.catalog).read_text(encoding="utf-8")) if args.catalog else None
    histories: dict[str, list[dict[str, Any]]] = defaultdict(list)
    store = None
    if args.data:
        from origin.config import Config
        from origin.storage import Store

        store = Store(Config.load(args.data).db_path)
        for e in store.iter_events():
            histories[str(e.get("visitor"))].append(e)
        if items is None:
            items = store.list_docs("items") or None
    elif args.events:
        for e in _read_events(Path(args.events)):
            histories[str(e.get("visitor"))].append(e)
    rows = load_csv(args.interactions) if args.interactions else None
    try:
        result, segments, membership = train_all(
            histories, items, rows, l2=args.l2, k=args.k, clusters=args.clusters,
            progress=not args.quiet,
        )
        out = Path(args.out) if args.out else Path(args.data) / "models"
        save_models(out, result, segments, membership)
        stored = 0
        if store is not None:
            expires = int(time.time() + args.profile_ttl_hours * 3600)
            body = profiles(result.candidates, membership)
            stored = store.put_profiles((v, p, expires) for v, p in body.items())
    finally:
        if store is not None:
            store.close()
    summary = {"out": str(out), "rows": result.info["rows"], "items": len(result.recs.item_ids),
               "segments": [s["id"] for s in segments], "profiles_stored": stored,
               "info": result.info, "seconds": round(time.perf_counter() - started, 3)}
    print(json.dumps(summary))
    return 0


def _segment_lists(membership: Mapping[str, Mapping[str, Any]], rows: Sequence[Interaction],
                   item_ids: Sequence[str], length: int = 50) -> dict[str, list[int]]:
    """Most popular items among each segment's members, as training item indices."""
    pos = {item: i for i, item in enumerate(item_ids)}
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        for seg in membership.get(r.user, {}).get("segments", []):
            if r.item in pos:
                counts[seg][pos[r.item]] += 1
    return {seg: [i for i, _ in sorted(c.items(), key=lambda p: (-p[1], p[0]))[:length]]
            for seg, c in counts.items()}


if __name__ == "__main__":
    sys.exit(main())
