"""The generated catalog: deterministic, believable, and in the origin's item shape."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from origin.store.catalog import CATEGORIES, generate_items, price_text, slugify, svg_image


def test_same_seed_same_shop_other_seed_other_shop() -> None:
    assert generate_items(200, seed=3) == generate_items(200, seed=3)
    assert generate_items(200, seed=3) != generate_items(200, seed=4)


def test_about_two_thousand_items_across_every_category() -> None:
    items = generate_items()
    assert len(items) == 2000
    per_category = Counter(it["category"] for it in items)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 200
    assert len({it["id"] for it in items}) == len(items)
    assert len({it["url"] for it in items}) == len(items)


def test_items_are_complete_and_consistent() -> None:
    for it in generate_items(400):
        assert it["url"].startswith("/products/") and it["image"] == f"/img/{it['id']}.svg"
        assert it["brand"] in it["title"] and it["kind"] in it["title"]
        assert it["price_cents"] % 100 == 99 and it["price_cents"] > 0
        assert it["in_stock"] == (it["stock"] > 0)
        assert it["tags"] == sorted(set(it["tags"])) and it["colour"] in it["tags"]


def test_some_items_are_out_of_stock_and_some_on_sale() -> None:
    items = generate_items()
    assert 20 < sum(not it["in_stock"] for it in items) < 400
    assert 50 < sum("sale" in it["tags"] for it in items) < 600


def test_svg_image_is_well_formed_and_escapes_text() -> None:
    item = dict(generate_items(1)[0], title='Boot "<b>" & co', brand="A&B")
    root = ET.fromstring(svg_image(item))
    assert root.tag.endswith("svg")
    assert "A&amp;B" in svg_image(item)


def test_helpers() -> None:
    assert slugify("Summit & Co Ridge II Hiking Boot") == "summit-co-ridge-ii-hiking-boot"
    assert price_text(12999) == "$129.99" and price_text(99) == "$0.99"
