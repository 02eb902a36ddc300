"""core.recommend: scoring from neighbour lists and candidates, filters, diversity, fallback."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.arrays import to_bytes
from core.catalog import Catalog, load_neighbours
from core.recommend import (
    CANDIDATE_WEIGHT,
    SEED_WEIGHTS,
    RecsData,
    RecsQuery,
    recommend,
    score_items,
)
from tests.core_support import ITEMS, index_of, load

BUNDLE = load()
CATALOG: Catalog = BUNDLE.catalog
DATA: RecsData = BUNDLE.recs
N = len(ITEMS)
OUT_OF_STOCK = index_of("pack-1")
HEALTH = {index_of("vit-1"), index_of("vit-2")}
Q = [255, 215, 175, 135]  # the fixture's quantized scores by neighbour rank


def ids(picked: list[int]) -> list[str]:
    return [CATALOG.ids[i] for i in picked]


def run(**query: object) -> list[str]:
    return ids(recommend(CATALOG, DATA, RecsQuery(**query)))  # type: ignore[arg-type]


def flat_table(rows: dict[int, list[tuple[int, int]]], k: int = 2) -> RecsData:
    indices: list[int] = []
    scores: list[int] = []
    for i in range(N):
        row = rows.get(i, [])
        indices += [j for j, _ in row] + [0xFFFFFFFF] * (k - len(row))
        scores += [q for _, q in row] + [0] * (k - len(row))
    raw = {"neighbors": to_bytes(indices, "u4"), "scores": bytes(scores), "scale": 1.0}
    return RecsData(collab=load_neighbours(raw, N, k, "t"), collab_weight=1.0, popular=())


def test_cold_start_falls_back_to_popularity() -> None:
    assert run(count=4) == ["snk-1", "shoe-1", "boot-1", "vit-1"]


def test_popularity_fills_the_list_after_neighbours() -> None:
    picked = run(count=10, seeds=[index_of("snk-2")], exclude=frozenset({index_of("snk-2")}))
    assert picked[:2] == ["snk-1", "snk-3"]  # snk-2's two neighbours, then popularity
    # popularity order without the scored, the excluded and the out-of-stock items
    assert picked[2:] == [
        "shoe-1",
        "boot-1",
        "vit-1",
        "shoe-2",
        "boot-2",
        "boot-3",
        "shoe-3",
        "vit-2",
    ]


def test_whole_catalog_fills_to_the_allowed_count() -> None:
    picked = run(count=50, in_stock_only=True)
    assert len(picked) == N - 1 and "pack-1" not in picked


def test_neighbours_of_the_seed_come_first_best_first() -> None:
    assert run(count=5, seeds=[0], exclude=frozenset({0})) == [
        "boot-2",
        "boot-3",
        "shoe-2",
        "snk-1",
        "shoe-1",
    ]


def test_excluded_items_never_appear() -> None:
    excluded = frozenset({index_of("boot-2"), index_of("snk-1"), 0})
    picked = run(count=50, seeds=[0], exclude=excluded)
    assert not set(picked) & {"boot-2", "snk-1", "boot-1"}


def test_out_of_stock_items_are_skipped_unless_allowed() -> None:
    # pack-1 is boot-1's third neighbour and last in popularity
    assert "pack-1" not in run(count=50, seeds=[0])
    assert run(count=4, seeds=[0], exclude=frozenset({0}), in_stock_only=False) == [
        "boot-2",
        "boot-3",
        "pack-1",
        "shoe-2",
    ]


def test_excluded_categories_are_skipped_everywhere() -> None:
    picked = run(count=50, seeds=[index_of("vit-1")], exclude_categories=frozenset({"health"}))
    assert not {"vit-1", "vit-2"} & set(picked)
    assert picked[0] == "shoe-1"  # vit-1's cross-category neighbour still counts


def test_per_category_cap() -> None:
    picked = run(count=4, seeds=[0], exclude=frozenset({0}), max_per_category=1)
    assert picked == ["boot-2", "shoe-2", "snk-1", "vit-1"]
    capped = run(count=50, max_per_category=2)
    categories = [ITEMS[index_of(i)][1] for i in capped]
    assert all(categories.count(c) <= 2 for c in categories)
    assert len(capped) == 8  # two of each of the four categories: the cap can shorten the list


def test_mmr_diversifies_categories() -> None:
    plain = run(count=3, seeds=[0], exclude=frozenset({0}))
    diverse = run(count=3, seeds=[0], exclude=frozenset({0}), mmr_lambda=0.5)
    assert plain == ["boot-2", "boot-3", "shoe-2"]
    assert diverse == ["boot-2", "shoe-2", "snk-1"]
    assert len({ITEMS[index_of(i)][1] for i in diverse}) == 3


def test_mmr_with_lambda_one_is_pure_relevance() -> None:
    assert run(count=3, seeds=[0], exclude=frozenset({0}), mmr_lambda=1.0) == [
        "boot-2",
        "boot-3",
        "shoe-2",
    ]


def test_candidates_outrank_neighbours() -> None:
    query = RecsQuery(count=4, seeds=[0], candidates=[index_of("snk-3")], exclude=frozenset({0}))
    scores = score_items(DATA, query)
    assert scores[index_of("snk-3")] == CANDIDATE_WEIGHT
    assert scores[index_of("boot-2")] == pytest.approx(1.0)
    assert ids(recommend(CATALOG, DATA, query))[:2] == ["snk-3", "boot-2"]


def test_candidates_keep_their_order() -> None:
    candidates = [index_of(i) for i in ("shoe-3", "snk-3", "boot-3")]
    assert run(count=3, candidates=candidates) == ["shoe-3", "snk-3", "boot-3"]


def test_seed_weights_decrease_and_older_seeds_are_ignored() -> None:
    # seeds 4 (shoe-1: 5, 6, 7) and 0 (boot-1: 1, 2, 3, 5): shoe-2 gains from both
    scores = score_items(DATA, RecsQuery(seeds=[4, 0]))
    expected = SEED_WEIGHTS[0] * Q[0] / 255 + SEED_WEIGHTS[1] * Q[3] / 255
    assert scores[index_of("shoe-2")] == pytest.approx(expected)
    assert scores[index_of("boot-2")] == pytest.approx(SEED_WEIGHTS[1])
    many = [11] * len(SEED_WEIGHTS) + [8]  # the sixth seed (snk-2) is too old to count
    assert index_of("snk-1") not in score_items(DATA, RecsQuery(seeds=many))


def test_collab_and_content_are_blended() -> None:
    table = DATA.collab
    assert table is not None
    blended = replace(DATA, content=table, collab_weight=0.7, content_weight=0.3)
    scores = score_items(blended, RecsQuery(seeds=[0]))
    assert scores[index_of("boot-2")] == pytest.approx(1.0)
    no_content = replace(DATA, content=table, collab_weight=0.7, content_weight=0.0)
    assert score_items(no_content, RecsQuery(seeds=[0]))[index_of("boot-2")] == pytest.approx(0.7)


def test_padding_ends_a_neighbour_list() -> None:
    assert set(score_items(DATA, RecsQuery(seeds=[index_of("vit-2")]))) == {index_of("vit-1")}
    data = flat_table({0: [(0xFFFFFFFF, 0), (5, 200)], 1: [(N, 200), (5, 200)]})
    assert score_items(data, RecsQuery(seeds=[0, 1])) == {}


def test_explicit_sources_ignore_seeds() -> None:
    assert run(count=3, source="popular", seeds=[0]) == ["snk-1", "shoe-1", "boot-1"]
    assert run(count=4, source="segment:hikers", seeds=[4]) == [
        "boot-2",
        "boot-1",
        "boot-3",
        "snk-1",
    ]
    assert run(count=2, source="category:none") == ["snk-1", "shoe-1"]
    assert run(count=2, source="segment:none") == ["snk-1", "shoe-1"]


def test_auto_source_uses_the_first_segment_with_a_list() -> None:
    assert run(count=4, segments=["mobile", "hikers"]) == ["boot-2", "boot-1", "boot-3", "snk-1"]
    assert run(count=2, seeds=[8], exclude=frozenset({8}), segments=["hikers"]) == [
        "snk-1",
        "snk-3",
    ]
    assert run(count=4, seeds=[8], exclude=frozenset({8}), segments=["hikers"])[2:] == [
        "boot-2",
        "boot-1",
    ]


def test_ties_break_by_item_index() -> None:
    data = flat_table({0: [(6, 200), (2, 200)]})
    picked = recommend(CATALOG, data, RecsQuery(count=2, seeds=[0]))
    assert picked == [2, 6]
    assert recommend(CATALOG, data, RecsQuery(count=2, seeds=[0])) == picked


def test_no_duplicates_from_overlapping_sources() -> None:
    data = replace(DATA, popular=(7, 7, 4, 1, 1), by_segment={"s": (1, 7, 1)})
    picked = recommend(
        CATALOG, data, RecsQuery(count=10, seeds=[0], candidates=[1, 7], segments=["s"])
    )
    assert len(picked) == len(set(picked))


def test_empty_data_recommends_nothing() -> None:
    assert recommend(CATALOG, RecsData(), RecsQuery(count=5, seeds=[0])) == []


@given(
    count=st.integers(1, 20),
    seeds=st.lists(st.integers(0, N - 1), max_size=6),
    candidates=st.lists(st.integers(0, N - 1), max_size=6),
    exclude=st.frozensets(st.integers(0, N - 1), max_size=5),
    categories=st.frozensets(st.sampled_from(["hiking", "running", "sneakers", "health"])),
    in_stock_only=st.booleans(),
    cap=st.none() | st.integers(1, 3),
    mmr=st.none() | st.floats(0, 1),
    source=st.sampled_from(["auto", "popular", "segment:hikers", "category:x"]),
    segments=st.lists(st.sampled_from(["hikers", "mobile"]), max_size=2),
)
def test_recommendations_respect_every_filter(
    count: int,
    seeds: list[int],
    candidates: list[int],
    exclude: frozenset[int],
    categories: frozenset[str],
    in_stock_only: bool,
    cap: int | None,
    mmr: float | None,
    source: str,
    segments: list[str],
) -> None:
    query = RecsQuery(
        count=count,
        source=source,
        seeds=seeds,
        candidates=candidates,
        segments=segments,
        exclude=exclude,
        exclude_categories=categories,
        in_stock_only=in_stock_only,
        max_per_category=cap,
        mmr_lambda=mmr,
    )
    picked = recommend(CATALOG, DATA, query)
    assert picked == recommend(CATALOG, DATA, query)  # deterministic
    assert len(picked) == len(set(picked)) <= count
    allowed = [
        i
        for i in range(N)
        if i not in exclude
        and CATALOG.category_of(i) not in categories
        and (CATALOG.in_stock[i] or not in_stock_only)
    ]
    assert set(picked) <= set(allowed)
    if mmr is None:
        if cap is not None:
            counts = [CATALOG.category_of(i) for i in picked]
            assert all(counts.count(c) <= cap for c in counts)
            by_cat: dict[str, int] = {}
            for i in allowed:
                by_cat[CATALOG.category_of(i)] = by_cat.get(CATALOG.category_of(i), 0) + 1
            assert len(picked) == min(count, sum(min(cap, v) for v in by_cat.values()))
        else:
            assert len(picked) == min(count, len(allowed))
    elif cap is not None:
        counts = [CATALOG.category_of(i) for i in picked]
        assert all(counts.count(c) <= cap for c in counts)  # MMR keeps the cap too
        by_category: dict[str, int] = {}
        for i in allowed:
            by_category[CATALOG.category_of(i)] = by_category.get(CATALOG.category_of(i), 0) + 1
        assert len(picked) <= min(count, sum(min(cap, v) for v in by_category.values()))
    else:
        assert len(picked) == min(count, len(allowed))


def test_per_category_cap_also_holds_with_mmr() -> None:
    picked = run(count=3, seeds=[0], exclude=frozenset({0}), max_per_category=1, mmr_lambda=0.99)
    categories = [ITEMS[index_of(i)][1] for i in picked]
    assert len(categories) == len(set(categories))


def _textbook_mmr(pool: list[tuple[int, float]], count: int, lam: float) -> list[int]:
    """MMR as written in the docs: every round scores every remaining item."""
    top = pool[0][1] if pool and pool[0][1] > 0 else 1.0
    pool = list(pool)
    picked: list[int] = []
    seen_categories: set[int] = set()
    seen_brands: set[int] = set()
    while pool and len(picked) < count:
        best_index, best_value = 0, -1e18
        for index, (item, score) in enumerate(pool):
            similarity = 0.0
            if CATALOG.category[item] in seen_categories:
                similarity = 1.0
            elif CATALOG.brand[item] in seen_brands:
                similarity = 0.5
            value = lam * score / top - (1.0 - lam) * similarity
            if value > best_value:
                best_index, best_value = index, value
        item = pool.pop(best_index)[0]
        picked.append(item)
        seen_categories.add(CATALOG.category[item])
        seen_brands.add(CATALOG.brand[item])
    return picked


@given(
    scores=st.lists(st.integers(0, 6) | st.floats(0, 3), min_size=1, max_size=N),
    count=st.integers(1, 8),
    lam=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]) | st.floats(0, 1),
)
def test_mmr_stops_early_with_the_textbook_answer(
    scores: list[float], count: int, lam: float
) -> None:
    """The MMR loop stops scanning once relevance alone cannot win; answers must not change."""
    from core.recommend import _diversify

    ranked = sorted(enumerate(scores), key=lambda pair: (-pair[1], pair[0]))
    query = RecsQuery(count=count, mmr_lambda=lam)
    expected = _textbook_mmr(ranked[: count * 4], count, lam)
    assert _diversify(CATALOG, iter(ranked), query) == expected
