"""core.templates: placeholder templates that escape every value except `{{ items }}`."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.templates import (
    MAX_TEMPLATE_CHARS,
    RAW_NAMES,
    TemplateError,
    compile_template,
    price_text,
)

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "</li><script>document.cookie</script>",
    "&lt;already&gt; & more",
]


def test_placeholders_are_filled_with_any_spacing() -> None:
    template = compile_template("<b>{{title}}</b>{{  price }}|{{ a.b }}")
    assert template.names == ("title", "price", "a.b")
    assert template.render({"title": "Boots", "price": "9.90", "a.b": 3}) == "<b>Boots</b>9.90|3"


def test_literals_surround_names() -> None:
    template = compile_template("a{{ x }}b{{ y }}c")
    assert template.literals == ("a", "b", "c")
    assert compile_template("plain").names == ()
    assert compile_template("plain").render({}) == "plain"


def test_missing_and_none_values_render_empty() -> None:
    template = compile_template("[{{ x }}][{{ y }}]")
    assert template.render({"y": None}) == "[][]"


def test_floats_render_with_two_decimals_and_ints_as_is() -> None:
    template = compile_template("{{ v }}")
    assert template.render({"v": 2.5}) == "2.50"
    assert template.render({"v": 7}) == "7"


@pytest.mark.parametrize("payload", XSS)
def test_values_are_escaped_in_text(payload: str) -> None:
    out = compile_template("<li>{{ title }}</li>").render({"title": payload})
    assert out == f"<li>{html.escape(payload)}</li>"
    assert "<script" not in out and "<img" not in out


@pytest.mark.parametrize("payload", XSS)
def test_values_are_escaped_in_attributes(payload: str) -> None:
    out = compile_template("<a title=\"{{ t }}\" data-x='{{ t }}'>x</a>").render({"t": payload})
    inner = out[len('<a title="') :]
    value_part = inner[: inner.index('"')]
    assert value_part == html.escape(payload)
    assert "'" not in out.split("data-x='", 1)[1].split("'", 1)[0]


def test_items_is_the_only_raw_name() -> None:
    assert RAW_NAMES == frozenset({"items"})
    template = compile_template("<ul>{{ items }}</ul><p>{{ other }}</p>")
    out = template.render({"items": "<li>a</li>", "other": "<li>b</li>"})
    assert out == "<ul><li>a</li></ul><p>&lt;li&gt;b&lt;/li&gt;</p>"


@given(st.text(max_size=60))
def test_any_value_is_escaped(value: str) -> None:
    out = compile_template("<p>{{ v }}</p>").render({"v": value})
    assert out == f"<p>{html.escape(value)}</p>"
    inner = out[3:-4]
    assert "<" not in inner and ">" not in inner and '"' not in inner


@pytest.mark.parametrize(
    "source",
    [
        "{{ title }",
        "{ title }}",
        "{{ 1title }}",
        "{{ }}",
        "{{}}",
        "{{ a b }}",
        "{{ a-b }}",
        "<p>}}</p>",
        "<p>{{</p>",
        "{{ a }}{{",
    ],
)
def test_malformed_templates_are_rejected(source: str) -> None:
    with pytest.raises(TemplateError):
        compile_template(source)


@pytest.mark.parametrize("source", [None, 5, b"{{ a }}", ["{{ a }}"]])
def test_non_strings_are_rejected(source: object) -> None:
    with pytest.raises(TemplateError, match="string"):
        compile_template(source)  # type: ignore[arg-type]


def test_overlong_templates_are_rejected() -> None:
    compile_template("x" * MAX_TEMPLATE_CHARS)
    with pytest.raises(TemplateError, match="longer"):
        compile_template("x" * (MAX_TEMPLATE_CHARS + 1))


def test_single_braces_are_plain_text() -> None:
    template = compile_template("body { color: red } {{ x }}")
    assert template.render({"x": "<"}) == "body { color: red } &lt;"


def test_template_error_is_a_value_error() -> None:
    assert issubclass(TemplateError, ValueError)


@pytest.mark.parametrize(
    "cents,text", [(0, "0.00"), (5, "0.05"), (99, "0.99"), (4990, "49.90"), (12900, "129.00")]
)
def test_price_text(cents: int, text: str) -> None:
    assert price_text(cents) == text


@pytest.mark.parametrize(
    ("url", "rendered"),
    [
        ("/products/boot-1", "/products/boot-1"),
        ("https://shop.example/x?a=1&b=2", "https://shop.example/x?a=1&amp;b=2"),
        ("javascript:alert(1)", "#"),
        (" JavaScript:alert(1)", "#"),
        ("data:text/html,<b>x</b>", "#"),
        ("//evil.example/", "#"),
    ],
)
def test_url_placeholders_only_let_safe_schemes_through(url: str, rendered: str) -> None:
    template = compile_template('<a href="{{ url }}">x</a>')
    assert template.render({"url": url}) == f'<a href="{rendered}">x</a>'
