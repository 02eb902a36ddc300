"""Compiled sections load in the core exactly as the edge loads them."""

from __future__ import annotations

import json
from pathlib import Path

import msgpack
import numpy as np

from core.bundle import load
from origin.compile import (
    CentroidSpec,
    PropensitySpec,
    TrainedRecs,
    base_payload,
    build_sections,
    build_segments,
    encode,
    main,
    reference_catalog,
    size_report,
)

ITEMS = [
    {"id": "a", "title": "A", "url": "/products/a", "category": "boots", "brand": "x",
     "price": 12.5, "tags": ["wet"]},
    {"id": "b", "title": "B", "url": "/products/b", "category": "tents", "brand": "y",
     "price_cents": 999, "in_stock": False},
    {"id": "c", "title": "C", "url": "/products/c", "category": "boots", "brand": "x"},
]


def _recs() -> TrainedRecs:
    # training order differs from catalog order: c, a, b, plus an item not in the catalog
    idx = np.array([[1, 3, -1], [0, 2, -1], [1, -1, -1], [0, -1, -1]])
    vals = np.array([[0.9, 0.5, 0], [0.8, 0.1, 0], [0.3, 0, 0], [1.0, 0, 0]], np.float32)
    return TrainedRecs(item_ids=["c", "a", "b", "zz"], collab=(idx, vals), popular=[3, 1, 0],
                       by_segment={"s1": [2, 0]})


def _payload() -> dict[str, object]:
    segments = build_segments(
        CentroidSpec("behaviour", [{"name": "v", "kind": "event_count", "key": "view"}],
                     [1.0], [2.0], np.array([[0.0], [1.0]]), ["low", "high"]),
        [PropensitySpec("buyer", [{"name": "c", "kind": "cart_size", "key": ""}], [0.5],
                        -1.0, 0.4)],
    )
    payload = base_payload(3, 100)
    payload.update(build_sections(ITEMS, _recs(), segments, k=2))
    return payload


def test_sections_load_in_core_after_msgpack_round_trip() -> None:
    bundle = load(msgpack.unpackb(encode(_payload()), raw=False))
    cat = bundle.catalog
    assert cat.ids == ["a", "b", "c"]
    assert cat.values(0)["price"] == "12.50" and cat.values(1)["price"] == "9.99"
    assert cat.in_stock == b"\x01\x00\x01" and cat.category_of(2) == "boots"
    # neighbours remapped into catalog order; "zz" (not in the catalog) dropped
    assert [i for i, _ in bundle.recs.collab.of(2, 5)] == [0]      # c → a
    assert [i for i, _ in bundle.recs.collab.of(0, 5)] == [2, 1]   # a → c, b
    assert bundle.recs.popular == (0, 2)                            # a, c
    assert bundle.recs.by_segment["s1"] == (1, 2)
    kinds = [type(s).__name__ for s in bundle.segments]
    assert kinds == ["CentroidModel", "PropensityModel"]
    assert bundle.segments[0].nearest([3.0]) == "high"
    assert bundle.segments[1].coef == (0.5,)


def test_dtypes_are_little_endian_and_documented() -> None:
    recs = _payload()["recs"]
    assert isinstance(recs, dict)
    assert recs["list_dtype"] == "u2" and recs["collab"]["index_dtype"] == "u2"
    assert recs["collab"]["neighbors"][:4] == b"\x02\x00\x01\x00"
    assert "content" not in recs and recs["blend"] == {"collab": 1.0, "content": 0.0}


def test_size_report_and_reference_catalog() -> None:
    items = reference_catalog(200, seed=1)
    assert len({it["id"] for it in items}) == 200
    sections = build_sections(items, None)
    report = size_report(sections)
    assert set(report) == {"catalog", "segments", "total"}
    assert 0 < report["catalog"]["gzip"] < report["catalog"]["raw"]


def test_main_writes_payload(tmp_path: Path, capsys: object) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(ITEMS), encoding="utf-8")
    out = tmp_path / "payload.msgpack"
    assert main(["--catalog", str(catalog), "--out", str(out), "--json", "--version", "4"]) == 0
    payload = msgpack.unpackb(out.read_bytes(), raw=False)
    assert load(payload).version == 4


def test_by_category_lists_follow_popularity() -> None:
    from core.bundle import load as load_bundle

    payload = base_payload(1, 0)
    payload.update(build_sections(ITEMS, _recs(), k=2, by_category_top=1))
    bundle = load_bundle(msgpack.unpackb(encode(payload), raw=False))
    assert dict(bundle.recs.by_category) == {"boots": (0,)}
