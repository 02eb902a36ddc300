"""core.catalog: catalog loading and lookups, neighbour tables and ranked item lists."""

from __future__ import annotations

from typing import Any

import pytest

from core.arrays import to_bytes
from core.catalog import (
    CatalogError,
    ids_to_indices,
    load_catalog,
    load_item_list,
    load_neighbours,
)
from core.settings import ItemInfo
from tests.core_support import IDS, ITEMS, index_of, payload

PAD = 0xFFFFFFFF


def section(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = payload()["catalog"]
    raw.update(changes)
    return raw


def table(rows: list[list[int]], k: int, n: int, scale: float = 1.0, **extra: Any) -> Any:
    indices: list[int] = []
    scores: list[int] = []
    for row in rows:
        indices += row + [PAD] * (k - len(row))
        scores += [255 - 50 * r for r in range(len(row))] + [0] * (k - len(row))
    raw = {"neighbors": to_bytes(indices, "u4"), "scores": bytes(scores), "scale": scale}
    raw.update(extra)
    return load_neighbours(raw, n, k, "recs.collab")


def test_catalog_loads_and_indexes_ids_and_urls() -> None:
    catalog = load_catalog(section())
    assert len(catalog) == len(ITEMS)
    assert catalog.index == {item_id: i for i, item_id in enumerate(IDS)}
    assert catalog.by_url["/products/shoe-2"] == index_of("shoe-2")
    assert "/products/nope" not in catalog.by_url
    assert catalog.category_of(index_of("vit-1")) == "health"


def test_empty_urls_are_not_indexed() -> None:
    urls = [f"/products/{i}" for i in IDS]
    urls[0] = ""
    catalog = load_catalog(section(urls=urls))
    assert "" not in catalog.by_url
    assert len(catalog.by_url) == len(IDS) - 1


def test_info_and_values_of_an_item() -> None:
    catalog = load_catalog(section())
    assert catalog.info("boot-1") == ItemInfo("hiking", "alpina", ("waterproof", "leather"))
    assert catalog.info("unknown") is None
    assert catalog.values(index_of("boot-2")) == {
        "id": "boot-2",
        "title": "Alpina boot-2",
        "url": "/products/boot-2",
        "image": "/img/boot-2.svg",
        "category": "hiking",
        "brand": "alpina",
        "price": "149.00",
    }


def test_price_keeps_cents() -> None:
    prices = to_bytes([1905] + [100] * (len(IDS) - 1), "u4")
    assert load_catalog(section(price_cents=prices)).values(0)["price"] == "19.05"


def test_missing_tags_default_to_empty_lists() -> None:
    raw = section()
    del raw["tags"]
    catalog = load_catalog(raw)
    assert catalog.tags == [[] for _ in IDS]


def test_empty_catalog_loads() -> None:
    empty = {
        "ids": [],
        "titles": [],
        "urls": [],
        "images": [],
        "categories": [],
        "category": b"",
        "brands": [],
        "brand": b"",
        "price_cents": b"",
        "in_stock": b"",
    }
    assert len(load_catalog(empty)) == 0


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"ids": "boot-1"}, "catalog.ids"),
        ({"ids": IDS[:-1] + ["boot-1"]}, "catalog.ids"),
        ({"titles": ["x"]}, "catalog.titles"),
        ({"urls": [1] * len(IDS)}, "catalog.urls"),
        ({"category": to_bytes([9] * len(IDS), "u2")}, "catalog.category"),
        ({"category": to_bytes([0] * (len(IDS) - 1), "u2")}, "catalog.category"),
        ({"brand": to_bytes([99] * len(IDS), "u2")}, "catalog.brand"),
        ({"price_cents": b"\x00\x01"}, "catalog.price_cents"),
        ({"in_stock": bytes(len(IDS) - 1)}, "catalog.in_stock"),
        ({"in_stock": [1] * len(IDS)}, "catalog.in_stock"),
        ({"tags": [[]]}, "catalog.tags"),
    ],
)
def test_malformed_catalog_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(CatalogError, match=field.replace(".", r"\.")):
        load_catalog(section(**changes))


def test_catalog_must_be_a_map() -> None:
    with pytest.raises(CatalogError, match="catalog"):
        load_catalog([1, 2])


def test_neighbours_in_order_with_scaled_scores() -> None:
    neighbours = table([[1, 2], [0], [0, 1]], k=3, n=3, scale=2.0)
    assert neighbours.of(0, 10) == [(1, 2.0), (2, 205 * 2.0 / 255)]
    assert neighbours.of(0, 1) == [(1, 2.0)]


def test_padding_ends_a_neighbour_list() -> None:
    neighbours = table([[1], [0, 2], []], k=3, n=3)
    assert [i for i, _ in neighbours.of(0, 3)] == [1]
    assert neighbours.of(2, 3) == []


def test_out_of_range_neighbour_ends_the_list() -> None:
    raw = {
        "neighbors": to_bytes([1, 7, 0, 0, 1, 2], "u4"),
        "scores": bytes([200, 150, 100, 200, 150, 100]),
        "scale": 1.0,
    }
    neighbours = load_neighbours(raw, 3, 2, "recs.collab")
    assert [i for i, _ in neighbours.of(0, 2)] == [1]
    assert [i for i, _ in neighbours.of(1, 2)] == [0, 0]


def test_u2_neighbour_indices_pad_with_ffff() -> None:
    raw = {
        "index_dtype": "u2",
        "neighbors": to_bytes([1, 0xFFFF, 0, 0xFFFF], "u2"),
        "scores": bytes([255, 0, 255, 0]),
        "scale": 1.0,
    }
    neighbours = load_neighbours(raw, 2, 2, "recs.content")
    assert neighbours.pad == 0xFFFF
    assert neighbours.of(0, 2) == [(1, 1.0)]


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"neighbors": to_bytes([0, 1], "u4")}, "recs.collab.neighbors"),
        ({"scores": bytes(3)}, "recs.collab.scores"),
        ({"scores": [0] * 6}, "recs.collab.scores"),
        ({"scale": -1.0}, "recs.collab.scale"),
        ({"scale": "1"}, "recs.collab.scale"),
        ({"index_dtype": "f4"}, "recs.collab.index_dtype"),
    ],
)
def test_malformed_neighbour_table_names_the_field(changes: dict[str, Any], field: str) -> None:
    raw = {"neighbors": to_bytes([1, PAD, 0, PAD, 0, 1], "u4"), "scores": bytes(6), "scale": 1.0}
    raw.update(changes)
    with pytest.raises(CatalogError, match=field.replace(".", r"\.")):
        load_neighbours(raw, 3, 2, "recs.collab")


def test_neighbour_table_must_be_a_map() -> None:
    with pytest.raises(CatalogError, match="recs.content"):
        load_neighbours(b"", 1, 1, "recs.content")


def test_item_lists_keep_order_and_reject_outside_indices() -> None:
    assert load_item_list(to_bytes([2, 0, 1], "u4"), 3, "recs.popular") == (2, 0, 1)
    assert load_item_list(to_bytes([1], "u2"), 3, "recs.popular", "u2") == (1,)
    assert load_item_list(b"", 3, "recs.popular") == ()
    with pytest.raises(CatalogError, match=r"recs\.popular: index 3 outside"):
        load_item_list(to_bytes([0, 3], "u4"), 3, "recs.popular")
    with pytest.raises(CatalogError, match=r"recs\.by_segment\.x"):
        load_item_list(b"\x00", 3, "recs.by_segment.x")


def test_ids_to_indices_drops_unknown_ids() -> None:
    catalog = load_catalog(section())
    assert ids_to_indices(catalog, ["snk-3", "nope", "boot-1"]) == [
        index_of("snk-3"),
        index_of("boot-1"),
    ]


def test_nothing_after_padding_or_an_outside_index_is_read() -> None:
    raw = {
        "neighbors": to_bytes([PAD, 1, 9, 0, 1, 0], "u4"),
        "scores": bytes([0, 200, 200, 200, 200, 200]),
        "scale": 1.0,
    }
    neighbours = load_neighbours(raw, 3, 2, "recs.collab")
    assert neighbours.of(0, 2) == []
    assert neighbours.of(1, 2) == []
    assert [i for i, _ in neighbours.of(2, 2)] == [1, 0]
