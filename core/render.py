"""Rendering blocks to HTML fragments, with a bounded cache of what repeats.

The same block rendered with the same values gives the same fragment, and a recommended
item renders the same way every time, so both are memoised per bundle: most requests then
join cached strings instead of escaping and formatting again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.catalog import Catalog
from core.rules import Block, RecsSpec

CACHE_ENTRIES = 20_000


class FragmentCache:
    """A bounded memo of rendered fragments; emptied when full (cheap and predictable)."""

    def __init__(self, limit: int = CACHE_ENTRIES) -> None:
        self.limit = limit
        self.entries: dict[tuple[object, ...], str] = {}

    def get(self, key: tuple[object, ...]) -> str | None:
        return self.entries.get(key)

    def put(self, key: tuple[object, ...], value: str) -> None:
        if len(self.entries) >= self.limit:
            self.entries.clear()
        self.entries[key] = value


def render_static(cache: FragmentCache, block: Block, values: Mapping[str, object]) -> str:
    """A static block filled from `values` (only the names it uses form the cache key).

    The key carries each value's type, because 1, 1.0 and True are equal as keys but render
    differently; values that cannot be hashed are rendered without the cache.
    """
    parts: list[object] = [block.id]
    for name in block.template.names:
        value = values.get(name)
        parts.append(value.__class__)
        parts.append(value)
    key = tuple(parts)
    try:
        html = cache.get(key)
    except TypeError:
        return block.template.render(values)
    if html is None:
        html = block.template.render(values)
        cache.put(key, html)
    return html


def render_items(
    cache: FragmentCache, block: Block, spec: RecsSpec, catalog: Catalog, picked: Sequence[int]
) -> str:
    """The concatenated item fragments of a recommendation list."""
    positional = "position" in spec.item_template.names
    parts = []
    for position, i in enumerate(picked, start=1):
        key = (block.id, i, position if positional else 0)
        html = cache.get(key)
        if html is None:
            values: dict[str, object] = dict(catalog.values(i))
            values["position"] = position
            html = spec.item_template.render(values)
            cache.put(key, html)
        parts.append(html)
    return "".join(parts)
