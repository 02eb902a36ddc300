"""core.rules: path globs, blocks, slots, rules and the per-slot, per-page rule index."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.rules import (
    Block,
    RuleError,
    glob_to_regex,
    index_rules,
    parse_blocks,
    parse_pages,
    parse_rules,
    parse_slots,
)
from core.templates import compile_template

BLOCKS = {name: Block(name, compile_template(f"<p>{name}</p>"), None) for name in ("a", "b", "c")}
SEGMENT = st.text(alphabet="abcxyz-._", min_size=0, max_size=8)


def rule(rid: str, **fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": rid, "slot": "hero", "block": "a"}
    raw.update(fields)
    return raw


def one(**fields: Any) -> Any:
    (parsed,) = parse_rules([rule("r", **fields)], BLOCKS)
    return parsed


@pytest.mark.parametrize(
    "pattern,path,hit",
    [
        ("/products/*", "/products/boots", True),
        ("/products/*", "/products/boots/red", False),
        ("/products/*", "/product/boots", False),
        ("/c/**", "/c/a", True),
        ("/c/**", "/c/a/b/c", True),
        ("/c/**", "/d/a", False),
        ("/*/x", "/a/x", True),
        ("/*/x", "/a/b/x", False),
        ("/**/x", "/a/b/x", True),
        ("/", "/", True),
        ("/", "/a", False),
        ("/a.b", "/aXb", False),
        ("/a+(b)?", "/a+(b)?", True),
        ("/cart", "/cart/", False),
    ],
)
def test_glob_to_regex(pattern: str, path: str, hit: bool) -> None:
    assert bool(glob_to_regex(pattern).match(path)) is hit


@given(SEGMENT, SEGMENT)
def test_star_stays_in_one_segment_and_double_star_crosses(a: str, b: str) -> None:
    assert glob_to_regex("/p/*").match(f"/p/{a}")
    assert not glob_to_regex("/p/*").match(f"/p/{a}/{b}")
    assert glob_to_regex("/p/**").match(f"/p/{a}/{b}")


def test_parse_pages_and_errors() -> None:
    pages = parse_pages([{"type": "product", "match": "/products/*"}])
    assert pages[0].type == "product" and pages[0].match.match("/products/x")
    assert parse_pages(None) == ()
    with pytest.raises(RuleError, match=r"pages\[0\]\.match"):
        parse_pages([{"type": "product"}])
    with pytest.raises(RuleError, match=r"pages\[1\]: expected a map"):
        parse_pages([{"type": "a", "match": "/"}, "x"])


def test_parse_blocks_static_and_recs_defaults() -> None:
    blocks = parse_blocks(
        {
            "s": {"template": "<p>{{ segment }}</p>"},
            "r": {"kind": "recs", "template": "{{ items }}", "recs": {"item_template": "{{ id }}"}},
        }
    )
    assert blocks["s"].recs is None
    assert blocks["s"].template.names == ("segment",)
    spec = blocks["r"].recs
    assert spec is not None
    assert (spec.source, spec.count, spec.max_per_category, spec.mmr_lambda) == (
        "auto",
        10,
        None,
        None,
    )
    assert spec.exclude_bought and spec.in_stock_only
    assert spec.exclude_categories == frozenset()


@pytest.mark.parametrize(
    "raw,match",
    [
        ([], r"^blocks: expected a map"),
        ({"x": "html"}, r"blocks\.x: expected a map"),
        ({"x": {"kind": "video", "template": ""}}, r"blocks\.x\.kind"),
        ({"x": {"template": "{{ broken }"}}, r"blocks\.x\.template"),
        ({"x": {"template": 5}}, r"blocks\.x\.template"),
        ({"x": {"kind": "recs", "template": ""}}, r"blocks\.x\.recs"),
        ({"x": {"kind": "recs", "template": "", "recs": {"count": 0}}}, r"blocks\.x\.recs\.count"),
        ({"x": {"kind": "recs", "template": "", "recs": {"count": 51}}}, r"x\.recs\.count"),
        ({"x": {"kind": "recs", "template": "", "recs": {"count": "4"}}}, r"x\.recs\.count"),
        (
            {"x": {"kind": "recs", "template": "", "recs": {"max_per_category": 0}}},
            r"x\.recs\.max_per_category",
        ),
        ({"x": {"kind": "recs", "template": "", "recs": {"mmr_lambda": 1.5}}}, r"mmr_lambda"),
        (
            {"x": {"kind": "recs", "template": "", "recs": {"exclude_categories": "a"}}},
            r"x\.recs\.exclude_categories",
        ),
        (
            {"x": {"kind": "recs", "template": "", "recs": {"item_template": "}}"}}},
            r"x\.recs\.item_template",
        ),
    ],
)
def test_malformed_blocks_name_the_field(raw: Any, match: str) -> None:
    with pytest.raises(RuleError, match=match):
        parse_blocks(raw)


def test_parse_slots() -> None:
    assert parse_slots(
        {"hero": {"fallback_block": None}, "r": {"fallback_block": "a"}}, BLOCKS
    ) == {
        "hero": None,
        "r": "a",
    }
    assert parse_slots(None, BLOCKS) == {}
    with pytest.raises(RuleError, match=r"slots\.hero\.fallback_block: unknown block 'zz'"):
        parse_slots({"hero": {"fallback_block": "zz"}}, BLOCKS)


def test_rule_fields() -> None:
    parsed = one(
        pages=["home", "/c/**"],
        priority=7,
        when={"device": "mobile"},
        rotate=["b", "c"],
        cap={"max": 3, "per_hours": 12},
    )
    assert (parsed.id, parsed.slot, parsed.priority, parsed.order) == ("r", "hero", 7, 0)
    assert parsed.page_types == frozenset({"home"})
    assert len(parsed.path_patterns) == 1
    assert parsed.rotate == ("b", "c")
    assert (parsed.cap.max, parsed.cap.per_hours) == (3, 12.0)
    assert parsed.when is not None and parsed.when({"device": "mobile"})
    assert not parsed.when({"device": "desktop"})


def test_needs_profile() -> None:
    assert not one(when={"device": "mobile"}).needs_profile
    assert not one().needs_profile
    assert one(when={"cart_size": {"$gt": 0}}).needs_profile
    assert one(when={"$recency": {"event": "purchase", "within_hours": 24}}).needs_profile
    assert one(cap={"max": 1, "per_hours": 1}).needs_profile
    assert one(needs="profile").needs_profile


@pytest.mark.parametrize(
    "rules,match",
    [
        ("x", r"^rules: expected a list"),
        ([1], r"rules\[0\]: expected a map"),
        ([{"slot": "hero", "block": "a"}], r"rules\[0\]\.id"),
        ([rule("r", slot="")], r"rules\[0\]\.slot"),
        ([rule("r", block="zz")], r"rules\[0\] \(rule r\): unknown block 'zz'"),
        ([rule("r", block=None, rotate=["a", "zz"])], r"unknown block 'zz'"),
        ([rule("r", block=None)], r"rule r\): needs a block"),
        ([rule("r"), rule("r")], r"rules\[1\]\.id: duplicate"),
        ([rule("r", when={"$nope": 1})], r"rules\[0\]\.when \(rule r\)"),
        ([rule("r", pages="home")], r"rules\[0\]\.pages"),
        ([rule("r", pages=[1])], r"rules\[0\]\.pages"),
        ([rule("r", rotate="a")], r"rules\[0\]\.rotate"),
        ([rule("r", cap=3)], r"rules\[0\]\.cap"),
        ([rule("r", cap={"max": "2"})], r"rules\[0\]\.cap\.max"),
        ([rule("r", priority="high")], r"rules\[0\]\.priority"),
        ([rule("r", priority=True)], r"rules\[0\]\.priority"),
    ],
)
def test_malformed_rules_name_the_rule(rules: Any, match: str) -> None:
    with pytest.raises(RuleError, match=match):
        parse_rules(rules, BLOCKS)


def test_matches_page() -> None:
    anywhere = one()
    assert anywhere.matches_page(None, "/whatever")
    typed = one(pages=["home", "product"])
    assert typed.matches_page("home", "/") and typed.matches_page("product", "/p/x")
    assert not typed.matches_page("category", "/c/x")
    assert not typed.matches_page(None, "/")
    globbed = one(pages=["/c/**"])
    assert globbed.matches_page(None, "/c/a/b")
    assert not globbed.matches_page("category", "/d/a")
    both = one(pages=["cart", "/c/*"])
    assert both.matches_page("cart", "/basket") and both.matches_page("home", "/c/x")
    assert not both.matches_page("home", "/")


def ids(rules: Any) -> list[str]:
    return [r.id for r in rules]


def test_index_orders_by_priority_then_declaration() -> None:
    parsed = parse_rules(
        [
            rule("low", priority=1),
            rule("high", priority=9),
            rule("mid1", priority=5),
            rule("mid2", priority=5),
            rule("other-slot", slot="recs", priority=100),
        ],
        BLOCKS,
    )
    index = index_rules(parsed)
    assert ids(index.candidates("hero", None)) == ["high", "mid1", "mid2", "low"]
    assert ids(index.candidates("recs", "home")) == ["other-slot"]
    assert ids(index.candidates("sidebar", "home")) == []


def test_index_merges_page_specific_and_generic_rules() -> None:
    parsed = parse_rules(
        [
            rule("generic-low", priority=1),
            rule("home-high", priority=20, pages=["home"]),
            rule("glob-mid", priority=10, pages=["/c/**"]),
            rule("product-top", priority=50, pages=["product"]),
            rule("home-or-glob", priority=15, pages=["home", "/x/*"]),
            rule("generic-top", priority=30),
        ],
        BLOCKS,
    )
    index = index_rules(parsed)
    assert ids(index.candidates("hero", "home")) == [
        "generic-top",
        "home-high",
        "home-or-glob",
        "glob-mid",
        "generic-low",
    ]
    assert ids(index.candidates("hero", "product")) == [
        "product-top",
        "generic-top",
        "home-or-glob",
        "glob-mid",
        "generic-low",
    ]
    # a page type no rule names: only the generic (and glob) rules
    assert ids(index.candidates("hero", "category")) == [
        "generic-top",
        "home-or-glob",
        "glob-mid",
        "generic-low",
    ]
    assert ids(index.candidates("hero", None)) == ids(index.candidates("hero", "category"))


@given(
    st.lists(
        st.tuples(
            st.integers(-3, 3),
            st.sampled_from(["hero", "recs"]),
            st.sampled_from([[], ["home"], ["product"], ["home", "product"], ["/c/*"]]),
        ),
        max_size=12,
    ),
    st.sampled_from(["home", "product", "category", None]),
)
def test_index_candidates_are_exactly_the_possible_rules_in_order(
    specs: list[tuple[int, str, list[str]]], page_type: str | None
) -> None:
    raw = [
        rule(f"r{i}", priority=p, slot=slot, pages=pages)
        for i, (p, slot, pages) in enumerate(specs)
    ]
    parsed = parse_rules(raw, BLOCKS)
    index = index_rules(parsed)
    for slot in ("hero", "recs"):
        got = list(index.candidates(slot, page_type))
        expected = [
            r
            for r in parsed
            if r.slot == slot and (not r.page_types or r.path_patterns or page_type in r.page_types)
        ]
        expected.sort(key=lambda r: (-r.priority, r.order))
        assert ids(got) == ids(expected)
