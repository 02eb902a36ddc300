"""edge/lib/splitter.mjs in real Node: the page splitter the cache relies on."""

from __future__ import annotations

import json
from typing import Any

from tests.edge_support import node_json


def split(html: str) -> dict[str, Any]:
    return dict(node_json("splitter", f"return m.splitPage({json.dumps(html)});"))


def test_slots_keep_their_defaults_and_the_page_rejoins_exactly() -> None:
    html = ('<p>a</p><div id="x" data-tailor-slot="hero"><b>deflt</b></div><i>b</i>'
            '<section data-tailor-slot=\'recs\'></section>end')
    out = split(html)
    assert [s["name"] for s in out["slots"]] == ["hero", "recs"]
    assert [s["defaultHtml"] for s in out["slots"]] == ["<b>deflt</b>", ""]
    joined = out["chunks"][0]
    for slot, chunk in zip(out["slots"], out["chunks"][1:], strict=True):
        joined += slot["defaultHtml"] + chunk
    assert joined == html


def test_nested_same_tag_void_elements_and_quoted_gt() -> None:
    html = ('<div data-x="a>b" data-tailor-slot="s"><div>in<div>deep</div></div>'
            '<img src="a.png"><br/><input value="</div>">tail</div><div>after</div>')
    (slot,) = split(html)["slots"]
    assert slot["defaultHtml"] == ('<div>in<div>deep</div></div><img src="a.png"><br/>'
                                   '<input value="</div>">tail')


def test_comments_scripts_and_titles_hide_fake_slots() -> None:
    html = ('<title>x <div data-tailor-slot="t"></title><!-- <div data-tailor-slot="c">'
            '</div> --><script>if (a<b) "<div data-tailor-slot=\\"s\\">"</script>'
            '<span data-tailor-slot="real">r</span>')
    assert [s["name"] for s in split(html)["slots"]] == ["real"]


def test_unclosed_and_void_slots_are_left_as_page_content() -> None:
    html = '<img data-tailor-slot="v"><div data-tailor-slot="open"><p>never closed'
    out = split(html)
    assert out["slots"] == [] and out["chunks"] == [html]


def test_join_fills_named_slots_and_keeps_defaults_for_null() -> None:
    html = ('<a data-tailor-slot="x">1</a>|<a data-tailor-slot="y">2</a>|'
            '<a data-tailor-slot="x">3</a>')
    out = node_json("splitter", f"""
        const p = m.compilePage({json.dumps(html)});
        return [p.slotNames, m.joinPage(p, {{x: "<b>X</b>", y: null}}).toString(),
                m.joinPage(p, null).toString()];""")
    assert out[0] == ["x", "y"]
    assert out[1] == ('<a data-tailor-slot="x"><b>X</b></a>|<a data-tailor-slot="y">2</a>|'
                      '<a data-tailor-slot="x"><b>X</b></a>')
    assert out[2] == html
