"""Compile catalog, recommendation and segment sections of a bundle payload.

Input is plain Python data (a list of item dicts) plus trained model outputs; output is the
`catalog`, `recs` and `segments` maps exactly as docs/contracts.md describes, numeric arrays
as raw little-endian bytes (see `origin.quantize`). `tailor build-bundle` adds the rest
(blocks, rules, experiments), signs and stores through `origin.bundles` when available.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

from origin.quantize import index_dtype, neighbour_table, pack, truncate

BUNDLE_K = 30
"""Neighbours per item in the bundle. `core.recommend` reads at most 30 per seed
(NEIGHBOURS_PER_SEED), and 30 keeps a 10k-item bundle under 1 MiB gzipped (50: 1.21 MiB)."""

NeighbourLists = tuple[np.ndarray, np.ndarray]
"""(indices int [n, k] with -1 padding, scores float [n, k]), best first per row."""


@dataclass
class TrainedRecs:
    """Model outputs in the training index space (`item_ids[i]` is item i)."""

    item_ids: list[str]
    collab: NeighbourLists
    content: NeighbourLists | None = None
    popular: list[int] = field(default_factory=list)
    by_segment: dict[str, list[int]] = field(default_factory=dict)
    blend: dict[str, float] = field(default_factory=lambda: {"collab": 0.7, "content": 0.3})


@dataclass
class CentroidSpec:
    """A fitted KMeansSegments with the features it was trained on."""

    id: str
    features: list[dict[str, str]]
    mean: Sequence[float] | np.ndarray
    scale: Sequence[float] | np.ndarray
    centroids: np.ndarray
    names: Sequence[str]


@dataclass
class PropensitySpec:
    """A fitted Propensity with the features it was trained on."""

    id: str
    features: list[dict[str, str]]
    coef: Sequence[float] | np.ndarray
    intercept: float
    threshold: float


def _cents(item: Mapping[str, Any]) -> int:
    if item.get("price_cents") is not None:
        return int(item["price_cents"])
    return int(round(float(item.get("price") or 0.0) * 100))


def build_catalog(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The `catalog` section from item dicts (id, title, url, image, category, brand,
    price or price_cents, in_stock, tags)."""
    ids = [str(it["id"]) for it in items]
    if len(set(ids)) != len(ids):
        raise ValueError("catalog: duplicate item id")
    categories = sorted({str(it.get("category") or "") for it in items})
    brands = sorted({str(it.get("brand") or "") for it in items})
    if max(len(categories), len(brands), 1) > 0xFFFF:
        raise ValueError("catalog: more than 65,535 categories or brands")
    cat_index = {c: i for i, c in enumerate(categories)}
    brand_index = {b: i for i, b in enumerate(brands)}
    return {
        "ids": ids,
        "titles": [str(it.get("title") or "") for it in items],
        "urls": [str(it.get("url") or "") for it in items],
        "images": [str(it.get("image") or "") for it in items],
        "categories": categories,
        "category": pack([cat_index[str(it.get("category") or "")] for it in items], "u2"),
        "brands": brands,
        "brand": pack([brand_index[str(it.get("brand") or "")] for it in items], "u2"),
        "price_cents": pack([_cents(it) for it in items], "u4"),
        "in_stock": pack([1 if it.get("in_stock", True) else 0 for it in items], "u1"),
        "tags": [[str(t) for t in it.get("tags") or []] for it in items],
    }


def _remap_lists(lists: NeighbourLists, mapping: np.ndarray, n: int) -> NeighbourLists:
    """Re-index neighbour lists from training indices to catalog indices (-1: not in catalog)."""
    idx, vals = lists
    out_i = np.full((n, idx.shape[1]), -1, dtype=np.int64)
    out_v = np.zeros((n, idx.shape[1]), dtype=np.float32)
    for t, c in enumerate(mapping):
        if c < 0:
            continue
        row = np.where(idx[t] >= 0, mapping[np.maximum(idx[t], 0)], -1)
        keep = row >= 0
        m = int(keep.sum())
        out_i[c, :m] = row[keep]
        out_v[c, :m] = vals[t][keep]
    return out_i, out_v


def build_recs(
    catalog_ids: Sequence[str], recs: TrainedRecs, k: int = BUNDLE_K, ship_content: bool = False,
    by_category_top: int = 0, categories: Sequence[str] | None = None, list_len: int = 100,
) -> dict[str, Any]:
    """The `recs` section: neighbour tables quantized, ranked lists as index arrays."""
    n = len(catalog_ids)
    pos = {item: i for i, item in enumerate(catalog_ids)}
    mapping = np.array([pos.get(item, -1) for item in recs.item_ids], dtype=np.int64)
    dtype = index_dtype(n)

    def ranked(indices: Sequence[int]) -> bytes:
        out = [int(mapping[i]) for i in indices if 0 <= i < len(mapping) and mapping[i] >= 0]
        return pack(out[:list_len], dtype)

    collab = truncate(*_remap_lists(recs.collab, mapping, n), k)
    section: dict[str, Any] = {
        "k": k,
        "list_dtype": dtype,
        "collab": neighbour_table(*collab, dtype),
        "blend": dict(recs.blend),
        "popular": ranked(recs.popular),
        "by_segment": {s: ranked(v) for s, v in sorted(recs.by_segment.items())},
    }
    if ship_content and recs.content is not None:
        section["content"] = neighbour_table(
            *truncate(*_remap_lists(recs.content, mapping, n), k), dtype
        )
    else:
        section["blend"] = {"collab": 1.0, "content": 0.0}
    if by_category_top and categories is not None:
        by_cat: dict[str, list[int]] = {}
        for i in recs.popular:
            c = mapping[i] if 0 <= i < len(mapping) else -1
            if c >= 0:
                lst = by_cat.setdefault(categories[c], [])
                if len(lst) < by_category_top:
                    lst.append(int(i))
        section["by_category"] = {c: ranked(v) for c, v in sorted(by_cat.items())}
    return section


def build_segments(
    centroid: CentroidSpec | None = None, propensity: Sequence[PropensitySpec] = (),
    rules: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The `segments` list: rule segments as given, then the centroid and propensity models."""
    out: list[dict[str, Any]] = [dict(r) for r in rules]
    if centroid is not None:
        out.append({
            "id": centroid.id,
            "kind": "centroid",
            "features": [dict(f) for f in centroid.features],
            "mean": [float(v) for v in centroid.mean],
            "scale": [float(v) for v in centroid.scale],
            "centroids": pack(np.asarray(centroid.centroids).ravel(), "f4"),
            "names": [str(n) for n in centroid.names],
        })
    for p in propensity:
        out.append({
            "id": p.id,
            "kind": "propensity",
            "features": [dict(f) for f in p.features],
            "coef": [float(v) for v in p.coef],
            "intercept": float(p.intercept),
            "threshold": float(p.threshold),
        })
    return out


def encode(value: Any) -> bytes:
    """msgpack as the bundle uses it (bin for bytes, str for str)."""
    return bytes(msgpack.packb(value, use_bin_type=True))


def size_report(sections: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Raw and gzipped msgpack bytes per section, plus the total of all of them."""
    report = {}
    for name, value in sections.items():
        raw = encode(value)
        report[name] = {"raw": len(raw), "gzip": len(gzip.compress(raw, 9))}
    whole = encode(dict(sections))
    report["total"] = {"raw": len(whole), "gzip": len(gzip.compress(whole, 9))}
    return report


def build_sections(
    items: Sequence[Mapping[str, Any]], recs: TrainedRecs | None,
    segments: list[dict[str, Any]] | None = None, k: int = BUNDLE_K, ship_content: bool = False,
    list_len: int = 100, by_category_top: int = 0,
) -> dict[str, Any]:
    """catalog + recs + segments, ready to merge into a payload map."""
    catalog = build_catalog(items)
    out: dict[str, Any] = {"catalog": catalog, "segments": segments or []}
    if recs is not None:
        out["recs"] = build_recs(
            catalog["ids"], recs, k=k, ship_content=ship_content, list_len=list_len,
            by_category_top=by_category_top,
            categories=[str(it.get("category") or "") for it in items],
        )
    return out


def base_payload(version: int, created_at: int) -> dict[str, Any]:
    """The rest of a minimal valid payload (no blocks, rules or experiments)."""
    return {
        "schema": 1,
        "version": version,
        "created_at": created_at,
        "settings": {},
        "pages": [
            {"type": "product", "match": "/products/*"},
            {"type": "category", "match": "/c/*"},
            {"type": "home", "match": "/"},
        ],
        "consent": {
            "vendor_id": None, "profile_purposes": [1, 5, 6], "context_purposes": [11],
            "sensitive": ["health", "finance"],
        },
        "blocks": {},
        "slots": {},
        "rules": [],
        "experiments": [],
    }


def reference_catalog(n: int = 10_000, seed: int = 0) -> list[dict[str, Any]]:
    """A synthetic shop catalog for size benchmarks: 40 categories, 300 brands, tags."""
    rng = np.random.default_rng(seed)
    words = ["trail", "alpine", "urban", "classic", "pro", "lite", "storm", "aero", "terra",
             "nova", "summit", "river", "canyon", "polar", "delta", "vista", "echo", "prime"]
    nouns = ["boot", "jacket", "tent", "pack", "glove", "lamp", "bottle", "sock", "hat", "pole",
             "stove", "mat", "vest", "short", "shirt", "scarf", "belt", "bag", "chair", "knife"]
    categories = [f"{a}-{b}" for a in ("men", "women", "kids", "gear") for b in nouns[:10]]
    brands = [f"{words[i % len(words)]}{nouns[i % len(nouns)]}co{i}" for i in range(300)]
    tag_vocab = [f"{w}-{x}" for w in words for x in ("fit", "tone", "pack", "grade")]
    items = []
    for i in range(n):
        cat = categories[int(rng.integers(len(categories)))]
        noun = cat.split("-")[1]
        title = f"{words[int(rng.integers(len(words)))].title()} {noun.title()} {i % 97}"
        slug = title.lower().replace(" ", "-")
        tags = sorted({tag_vocab[int(t)] for t in rng.integers(len(tag_vocab), size=3)})
        items.append({
            "id": f"sku-{i:05d}", "title": title, "url": f"/products/{slug}-{i}",
            "image": f"/img/{i}.jpg", "category": cat,
            "brand": brands[int(rng.integers(len(brands)))],
            "price_cents": int(rng.integers(500, 50000)), "in_stock": bool(rng.random() > 0.05),
            "tags": tags,
        })
    return items


def reference_interactions(
    items: Sequence[Mapping[str, Any]], users: int = 20_000, per_user: int = 12, seed: int = 0
) -> list[tuple[str, str]]:
    """Synthetic (user, item) views: each user favours two categories, Zipf within them."""
    rng = np.random.default_rng(seed)
    by_cat: dict[str, list[str]] = {}
    for it in items:
        by_cat.setdefault(str(it["category"]), []).append(str(it["id"]))
    cats = sorted(by_cat)
    out = []
    for u in range(users):
        fav = [cats[int(c)] for c in rng.integers(len(cats), size=2)]
        for _ in range(per_user):
            pool = by_cat[fav[int(rng.random() < 0.3)]] if rng.random() < 0.9 else by_cat[
                cats[int(rng.integers(len(cats)))]]
            rank = min(int(rng.zipf(1.3)) - 1, len(pool) - 1)
            out.append((f"u{u}", pool[rank]))
    return out


def _clean(doc: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("version", "description", *drop)}


def payload_from_store(store: Any, sections: Mapping[str, Any]) -> dict[str, Any]:
    """A payload map: the store's authored documents (blocks, slots, rule segments, rules,
    experiments, config) around the compiled catalog, recs and trained segments."""
    payload = base_payload(0, 0)
    payload["blocks"] = {d["id"]: _clean(d, "id") for d in store.list_docs("blocks")}
    payload["slots"] = {d["id"]: _clean(d, "id") for d in store.list_docs("slots")}
    payload["rules"] = [_clean(d) for d in store.list_docs("rules")]
    payload["experiments"] = [_clean(d) for d in store.list_docs("experiments")]
    if hasattr(store, "report_events"):  # bandits learn from the stored outcomes
        from origin.feedback import bandit_posteriors

        payload["experiments"] = bandit_posteriors(store, payload["experiments"])
    for doc in store.list_docs("config"):
        payload[str(doc["id"])] = doc.get("value")
    payload.update(sections)
    rule_segments = [_clean(d) for d in store.list_docs("segments")]
    payload["segments"] = rule_segments + list(sections.get("segments", []))
    return payload


def main(argv: Sequence[str] | None = None) -> int:
    """`tailor build-bundle`: catalog + trained models → payload; with --data also the
    store's blocks, rules and experiments, signed and stored as the next bundle version."""
    parser = argparse.ArgumentParser(prog="tailor build-bundle", description=main.__doc__)
    parser.add_argument("--data", help="origin data directory (items, documents, key, store)")
    parser.add_argument("--catalog", help="JSON list of item dicts (default: the store's items)")
    parser.add_argument("--models", help="directory written by `tailor train` "
                        "(default DATA/models when it exists)")
    parser.add_argument("--out", help="also write the unsigned msgpack payload map here")
    parser.add_argument("--k", type=int, default=BUNDLE_K, help="neighbours per item")
    parser.add_argument("--content", action="store_true", help="also ship the content table "
                        "(its blend weight stays as trained: 0 when collab holds the hybrid)")
    parser.add_argument("--by-category", type=int, default=20,
                        help="most popular items per category to ship (0: none)")
    parser.add_argument("--version", type=int, default=None, help="payload version (no --data)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON line")
    args = parser.parse_args(argv)
    if not (args.data or args.catalog):
        parser.error("give --data or --catalog")
    from origin.train import load_models

    started = time.perf_counter()
    store = None
    if args.data:
        from origin.config import Config
        from origin.storage import Store

        config = Config.load(args.data)
        store = Store(config.db_path)
    try:
        if args.catalog:
            items = json.loads(Path(args.catalog).read_text(encoding="utf-8"))
        else:
            items = [_clean(d) for d in store.list_docs("items")] if store is not None else []
        models = Path(args.models) if args.models else (
            Path(args.data) / "models" if args.data else None)
        recs, segments = (load_models(models) if models is not None
                          and (models / "recs.json").exists() else (None, []))
        sections = build_sections(items, recs, segments, k=args.k, ship_content=args.content,
                                  by_category_top=args.by_category)
        report: dict[str, Any] = {"sections": size_report(sections)}
        now = int(time.time())
        if store is not None:
            from origin.bundles import store_bundle
            from origin.signing import Signer

            payload = payload_from_store(store, sections)
            report["version"] = store_bundle(store, Signer.load_or_create(config.key_dir),
                                             payload, now)
            payload.update(version=report["version"], created_at=now)
        else:
            payload = base_payload(args.version if args.version is not None else now, now)
            payload.update(sections)
        if args.out:
            Path(args.out).write_bytes(encode(payload))
            report["out"] = args.out
    finally:
        if store is not None:
            store.close()
    report["seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
