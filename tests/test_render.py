"""core.render: block and item fragments, memoised in a bounded per-bundle cache."""

from __future__ import annotations

from core.render import FragmentCache, render_items, render_static
from core.rules import Block, parse_blocks
from core.templates import compile_template
from tests.core_support import index_of, load, payload

XSS_TITLE = '<script>alert("x")</script>'


def static(template: str, block_id: str = "b") -> Block:
    return Block(block_id, compile_template(template), None)


def recs_block(item_template: str) -> Block:
    blocks = parse_blocks(
        {
            "r": {
                "kind": "recs",
                "template": "<ul>{{ items }}</ul>",
                "recs": {"item_template": item_template},
            }
        }
    )
    return blocks["r"]


def test_static_block_renders_escaped_values() -> None:
    block = static('<h1 title="{{ segment }}">{{ segment }}</h1>')
    html = render_static(FragmentCache(), block, {"segment": '"><b>'})
    assert html == '<h1 title="&quot;&gt;&lt;b&gt;">&quot;&gt;&lt;b&gt;</h1>'


def test_cache_returns_identical_html() -> None:
    cache = FragmentCache()
    block = static("<p>{{ device }} {{ hour }}</p>")
    first = render_static(cache, block, {"device": "mobile", "hour": 20, "unused": 1})
    second = render_static(cache, block, {"device": "mobile", "hour": 20, "unused": 2})
    assert first == second == "<p>mobile 20</p>"
    assert second is first  # served from the memo: only the names the template uses count
    assert len(cache.entries) == 1
    assert render_static(cache, block, {"device": "tablet", "hour": 20}) == "<p>tablet 20</p>"
    assert len(cache.entries) == 2


def test_cache_keys_include_the_block() -> None:
    cache = FragmentCache()
    assert render_static(cache, static("<a>{{ x }}</a>", "a"), {"x": 1}) == "<a>1</a>"
    assert render_static(cache, static("<b>{{ x }}</b>", "b"), {"x": 1}) == "<b>1</b>"


def test_cache_stays_bounded() -> None:
    cache = FragmentCache(limit=5)
    block = static("{{ n }}")
    for n in range(100):
        assert render_static(cache, block, {"n": n}) == str(n)
        assert len(cache.entries) <= 5
    cache.put(("x",), "y")
    assert cache.get(("x",)) == "y"


def test_item_fragments_escape_catalog_text() -> None:
    raw = payload()
    raw["catalog"]["titles"][0] = XSS_TITLE
    raw["catalog"]["images"][0] = 'x" onerror="alert(1)'
    catalog = load(catalog=raw["catalog"]).catalog
    block = recs_block('<li><img src="{{ image }}">{{ title }}</li>')
    assert block.recs is not None
    html = render_items(FragmentCache(), block, block.recs, catalog, [0])
    assert "<script>" not in html and 'onerror="' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'src="x&quot; onerror=&quot;alert(1)"' in html


def test_items_render_in_order_and_are_cached_per_item() -> None:
    catalog = load().catalog
    block = recs_block('<li data-item="{{ id }}">{{ title }} {{ price }}</li>')
    assert block.recs is not None
    cache = FragmentCache()
    picked = [index_of("snk-1"), index_of("boot-1")]
    html = render_items(cache, block, block.recs, catalog, picked)
    assert html == (
        '<li data-item="snk-1">Urbn snk-1 99.00</li>'
        '<li data-item="boot-1">Alpina boot-1 129.00</li>'
    )
    assert len(cache.entries) == 2
    # reversed order: same fragments, no new entries (positions are not in the template)
    render_items(cache, block, block.recs, catalog, picked[::-1])
    assert len(cache.entries) == 2


def test_positional_item_templates_are_cached_per_position() -> None:
    catalog = load().catalog
    block = recs_block("<li>{{ position }}:{{ id }}</li>")
    assert block.recs is not None
    cache = FragmentCache()
    first = render_items(cache, block, block.recs, catalog, [0, 1])
    second = render_items(cache, block, block.recs, catalog, [1, 0])
    assert first == "<li>1:boot-1</li><li>2:boot-2</li>"
    assert second == "<li>1:boot-2</li><li>2:boot-1</li>"


def test_empty_pick_renders_nothing() -> None:
    block = recs_block("<li>{{ id }}</li>")
    assert block.recs is not None
    assert render_items(FragmentCache(), block, block.recs, load().catalog, []) == ""


def test_cached_html_equals_uncached_html_for_equal_but_different_values() -> None:
    cache = FragmentCache()
    block = static("{{ hour }}")
    assert render_static(cache, block, {"hour": 1.0}) == "1.00"
    assert render_static(cache, block, {"hour": 1}) == block.template.render({"hour": 1}) == "1"


def test_unhashable_values_render_like_the_template() -> None:
    block = static("<p>{{ country }}</p>")
    expected = block.template.render({"country": ["de"]})
    assert render_static(FragmentCache(), block, {"country": ["de"]}) == expected
