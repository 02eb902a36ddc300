"""Recommendations from precomputed lookups only: neighbour lists, candidate and ranked lists.

Scoring is a bounded number of array reads: a few seed items times a few dozen neighbours,
plus the origin's per-visitor candidates when the visitor is known. Filters, a diversity
step and a popularity fallback follow, so a slot is always filled.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice

from core.catalog import Catalog, NeighbourTable

SEED_WEIGHTS = (1.0, 0.7, 0.5, 0.35, 0.25)
"""Weight of the page item and the most recent items, newest first; older seeds are ignored."""
NEIGHBOURS_PER_SEED = 30
CANDIDATE_WEIGHT = 2.0
"""Weight of the origin's per-visitor list (rank-scaled: the top candidate scores 2.0, the
last 2/len), heavier than one seed's neighbours (≤ 1.0) because it saw the full history."""


@dataclass(frozen=True)
class RecsData:
    """The recommendation lookups of a bundle."""

    collab: NeighbourTable | None = None
    content: NeighbourTable | None = None
    collab_weight: float = 0.7
    content_weight: float = 0.3
    popular: tuple[int, ...] = ()
    by_segment: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    by_category: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class RecsQuery:
    """What to recommend and what to leave out (one per slot and request: not frozen, whose
    `__init__` sets each field through `object.__setattr__`, 3.3 against 1.2 us in Pyodide)."""

    count: int = 10
    source: str = "auto"
    seeds: Sequence[int] = ()
    candidates: Sequence[int] = ()
    segments: Sequence[str] = ()
    exclude: frozenset[int] = frozenset()
    exclude_categories: frozenset[str] = frozenset()
    in_stock_only: bool = True
    max_per_category: int | None = None
    mmr_lambda: float | None = None


def _accumulate(
    scores: dict[int, float], table: NeighbourTable | None, seeds: Sequence[int], weight: float
) -> None:
    if table is None or weight <= 0:
        return
    k, size = table.k, table.size
    limit = min(NEIGHBOURS_PER_SEED, k)
    factor = weight * table.scale / 255.0
    neighbours, quantized = table.neighbors, table.scores
    get = scores.get
    for seed, seed_weight in zip(seeds, SEED_WEIGHTS, strict=False):
        start = seed * k
        scale = factor * seed_weight
        for neighbour, q in zip(
            neighbours[start : start + limit], quantized[start : start + limit], strict=True
        ):
            if neighbour >= size:
                break  # padding ends the list
            scores[neighbour] = get(neighbour, 0.0) + scale * q


def score_items(data: RecsData, query: RecsQuery) -> dict[int, float]:
    """Relevance per candidate item from neighbours of the seeds and the visitor's candidates."""
    scores: dict[int, float] = {}
    source = query.source
    if source == "auto":
        _accumulate(scores, data.collab, query.seeds, data.collab_weight)
        _accumulate(scores, data.content, query.seeds, data.content_weight)
        count = len(query.candidates)
        for rank, item in enumerate(query.candidates):
            scores[item] = scores.get(item, 0.0) + CANDIDATE_WEIGHT * (count - rank) / count
    return scores


def _ranked_list(data: RecsData, query: RecsQuery) -> Sequence[int]:
    source = query.source
    if source.startswith("segment:"):
        return data.by_segment.get(source[8:], ())
    if source.startswith("category:"):
        return data.by_category.get(source[9:], ())
    if source == "auto":
        for segment in query.segments:
            ranked = data.by_segment.get(segment)
            if ranked:
                return ranked
    return ()


def _diversify(
    catalog: Catalog, ordered: Iterable[tuple[int, float]], query: RecsQuery
) -> list[int]:
    """Greedy per-category cap, or MMR with category/brand overlap as the similarity."""
    count = query.count
    picked: list[int] = []
    if query.mmr_lambda is None:
        per_category: dict[int, int] = {}
        cap = query.max_per_category
        for item, _ in ordered:
            if cap is not None:
                category = catalog.category[item]
                if per_category.get(category, 0) >= cap:
                    continue
                per_category[category] = per_category.get(category, 0) + 1
            picked.append(item)
            if len(picked) >= count:
                break
        return picked
    cap = query.max_per_category
    shown: dict[int, int] = {}
    pool = list(islice(ordered, count * 4))
    top = pool[0][1] if pool and pool[0][1] > 0 else 1.0
    lam = query.mmr_lambda
    category_penalty, brand_penalty = 1.0 - lam, 0.5 * (1.0 - lam)
    categories, brands = catalog.category, catalog.brand
    # (relevance, category, brand) per pooled item, computed once instead of per round
    entries = [(lam * score / top, categories[item], brands[item], item) for item, score in pool]
    seen_categories: set[int] = set()
    seen_brands: set[int] = set()
    while entries and len(picked) < count:
        best_index, best_value = 0, -1e18
        for index, (relevance, category, brand, _) in enumerate(entries):
            if relevance <= best_value:
                break  # `ordered` is best first: nothing later can score higher
            if category in seen_categories:
                value = relevance - category_penalty
            elif brand in seen_brands:
                value = relevance - brand_penalty
            else:
                value = relevance
            if value > best_value:
                best_index, best_value = index, value
        _, category, brand, item = entries.pop(best_index)
        if cap is not None:
            if shown.get(category, 0) >= cap:
                continue  # MMR still honours the block's per-category cap
            shown[category] = shown.get(category, 0) + 1
        picked.append(item)
        seen_categories.add(category)
        seen_brands.add(brand)
    return picked


def _stream(
    catalog: Catalog, data: RecsData, query: RecsQuery, scores: dict[int, float]
) -> Iterator[tuple[int, float]]:
    """Allowed items, best first: scored ones, then the ranked list, then popularity.

    Lazy, so filters only touch the items actually needed to fill the slot. The filters are
    written inline, not called: this loop runs for every item a slot looks at.
    """
    ranked = sorted(scores)  # by item, so equal scores stay in item order
    ranked.sort(key=scores.__getitem__, reverse=True)  # stable: best first, ties by item
    scored = len(ranked)
    exclude = query.exclude
    in_stock = catalog.in_stock if query.in_stock_only else None
    banned = query.exclude_categories
    names, category = catalog.categories, catalog.category
    used: set[int] | None = None
    floor, rank = 0.0, 0
    for position, item in enumerate(chain(ranked, _ranked_list(data, query), data.popular)):
        if position >= scored:
            if used is None:  # a scored item was yielded or filtered out already
                used = set(scores)
            if item in used:
                continue
            used.add(item)
        if item in exclude or (in_stock is not None and not in_stock[item]):
            continue
        if banned and names[category[item]] in banned:
            continue
        if position < scored:
            score = scores[item]
            floor = min(floor, score)
            yield item, score
        else:
            rank += 1
            yield item, floor - rank * 1e-6


def recommend(catalog: Catalog, data: RecsData, query: RecsQuery) -> list[int]:
    """Up to `query.count` item indices, best first, never including excluded items.

    Order of sources: scored neighbours/candidates, then the segment or category list, then
    popularity (cold start), each filtered the same way.
    """
    return _diversify(catalog, _stream(catalog, data, query, score_items(data, query)), query)
