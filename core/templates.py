"""HTML fragment templates: `{{ name }}` placeholders, HTML-escaped, compiled once per bundle.

A template is split at load time into literal parts and placeholder names, so rendering is a
join. Values are always escaped; the only unescaped placeholder is `{{ items }}` in a
recommendation block, which receives item fragments this module rendered (and escaped) itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
RAW_NAMES = frozenset({"items"})
URL_NAMES = frozenset({"url", "image"})
_SAFE_SCHEMES = ("http://", "https://", "/", "#", "?", "./", "../")
MAX_TEMPLATE_CHARS = 20_000


class TemplateError(ValueError):
    """A template is not usable (too long, unbalanced braces)."""


PLAIN, RAW, URL = 0, 1, 2
"""How a placeholder's value is written: escaped text, raw HTML (`items`), or an escaped URL
that must be http(s) or relative."""


def placeholder_kind(name: str) -> int:
    if name in RAW_NAMES:
        return RAW
    if name in URL_NAMES or name.endswith((".url", ".image")):
        return URL
    return PLAIN


@dataclass(frozen=True)
class Template:
    """A compiled template: literals[i] precedes names[i]; one more literal at the end.
    `kinds[i]` is names[i]'s `placeholder_kind`, decided once here instead of per render."""

    literals: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[int, ...]

    def render(self, values: Mapping[str, object]) -> str:
        """Fill placeholders; missing names render empty; every value is escaped."""
        out = [self.literals[0]]
        for name, kind, literal in zip(self.names, self.kinds, self.literals[1:], strict=True):
            value = values.get(name)
            if value is None:
                out.append(literal)
                continue
            if kind == RAW:
                text = str(value)
            elif isinstance(value, float):
                text = html.escape(f"{value:.2f}")
            elif kind == URL:
                text = html.escape(safe_url(str(value)))
            else:
                text = html.escape(str(value))
            out.append(text)
            out.append(literal)
        return "".join(out)


def compile_template(source: str) -> Template:
    """Split `source` into literals and placeholder names."""
    if not isinstance(source, str):
        raise TemplateError("template must be a string")
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"template longer than {MAX_TEMPLATE_CHARS} characters")
    literals: list[str] = []
    names: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(source):
        literals.append(source[position : match.start()])
        names.append(match.group(1))
        position = match.end()
    literals.append(source[position:])
    for literal in literals:
        if "{{" in literal or "}}" in literal:
            raise TemplateError("unbalanced or malformed {{ }} placeholder")
    return Template(tuple(literals), tuple(names), tuple(map(placeholder_kind, names)))


def safe_url(url: str) -> str:
    """Relative and http(s) URLs pass; any other scheme (javascript:, data:, …) becomes "#"."""
    stripped = url.strip()
    if not stripped or stripped.lower().startswith(_SAFE_SCHEMES) or ":" not in stripped:
        return stripped if not stripped.startswith("//") else "#"
    return "#"


def price_text(cents: int) -> str:
    """Cents to a display price ("49.90")."""
    return f"{cents // 100}.{cents % 100:02d}"
