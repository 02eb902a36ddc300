"""The item catalog and the precomputed recommendation lookups of a bundle.

Items are addressed by index; per-item numbers live in flat arrays decoded from raw bytes.
Neighbour lists are read straight out of those arrays at request time: no per-item objects.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from core.arrays import ArrayError, from_bytes, pad_value
from core.settings import ItemInfo


class CatalogError(ValueError):
    """A catalog or recommendation section is malformed; the message names the field."""


def _strings(section: Mapping[str, Any], key: str, length: int | None, where: str) -> list[str]:
    values = section.get(key)
    # map() keeps the per-entry check in C: catalogs hold thousands of strings per column
    if not isinstance(values, list) or not all(map(isinstance, values, repeat(str))):
        raise CatalogError(f"{where}.{key}: expected a list of strings")
    if length is not None and len(values) != length:
        raise CatalogError(f"{where}.{key}: expected {length} entries, got {len(values)}")
    return values


def _array(
    section: Mapping[str, Any], key: str, dtype: str, length: int | None, where: str
) -> array:  # type: ignore[type-arg]
    try:
        return from_bytes(section.get(key), dtype, length)
    except ArrayError as exc:
        raise CatalogError(f"{where}.{key}: {exc}") from None


@dataclass
class Catalog:
    """Items by index, with lookups from id and from page URL."""

    ids: list[str]
    titles: list[str]
    urls: list[str]
    images: list[str]
    categories: list[str]
    category: array  # type: ignore[type-arg]
    brands: list[str]
    brand: array  # type: ignore[type-arg]
    price_cents: array  # type: ignore[type-arg]
    in_stock: bytes
    tags: list[list[str]]
    index: dict[str, int] = field(default_factory=dict)
    by_url: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def category_of(self, i: int) -> str:
        return str(self.categories[self.category[i]])

    def info(self, item_id: str) -> ItemInfo | None:
        """What folding an event about `item_id` needs; None for unknown items."""
        i = self.index.get(item_id)
        if i is None:
            return None
        return ItemInfo(
            category=self.categories[self.category[i]],
            brand=self.brands[self.brand[i]],
            tags=tuple(self.tags[i]),
        )

    def values(self, i: int) -> dict[str, object]:
        """Template values for item `i`."""
        cents = self.price_cents[i]
        return {
            "id": self.ids[i],
            "title": self.titles[i],
            "url": self.urls[i],
            "image": self.images[i],
            "category": self.categories[self.category[i]],
            "brand": self.brands[self.brand[i]],
            "price": f"{cents // 100}.{cents % 100:02d}",
        }


def load_catalog(section: object) -> Catalog:
    """Validate and index the `catalog` section."""
    if not isinstance(section, Mapping):
        raise CatalogError("catalog: expected a map")
    ids = _strings(section, "ids", None, "catalog")
    n = len(ids)
    categories = _strings(section, "categories", None, "catalog")
    brands = _strings(section, "brands", None, "catalog")
    category = _array(section, "category", "u2", n, "catalog")
    brand = _array(section, "brand", "u2", n, "catalog")
    if n and max(category) >= len(categories):
        raise CatalogError("catalog.category: index outside catalog.categories")
    if n and max(brand) >= len(brands):
        raise CatalogError("catalog.brand: index outside catalog.brands")
    in_stock = section.get("in_stock")
    if not isinstance(in_stock, bytes) or len(in_stock) != n:
        raise CatalogError(f"catalog.in_stock: expected {n} bytes")
    tags = section.get("tags", [[] for _ in range(n)])
    if not isinstance(tags, list) or len(tags) != n:
        raise CatalogError(f"catalog.tags: expected {n} lists")
    catalog = Catalog(
        ids=ids,
        titles=_strings(section, "titles", n, "catalog"),
        urls=_strings(section, "urls", n, "catalog"),
        images=_strings(section, "images", n, "catalog"),
        categories=categories,
        category=category,
        brands=brands,
        brand=brand,
        price_cents=_array(section, "price_cents", "u4", n, "catalog"),
        in_stock=in_stock,
        tags=[list(t) if isinstance(t, list) else [] for t in tags],
    )
    catalog.index = {item_id: i for i, item_id in enumerate(ids)}
    if len(catalog.index) != n:
        raise CatalogError("catalog.ids: duplicate item id")
    catalog.by_url = {url: i for i, url in enumerate(catalog.urls) if url}
    return catalog


@dataclass
class NeighbourTable:
    """Top-k neighbours per item: indices and uint8-quantized scores (score = q * scale / 255)."""

    k: int
    neighbors: array  # type: ignore[type-arg]
    scores: bytes
    scale: float
    pad: int
    size: int

    def of(self, i: int, limit: int) -> list[tuple[int, float]]:
        """Up to `limit` (neighbour index, score) pairs of item `i`, best first."""
        start = i * self.k
        stop = start + min(limit, self.k)
        factor = self.scale / 255.0
        out: list[tuple[int, float]] = []
        for j in range(start, stop):
            neighbour = self.neighbors[j]
            if neighbour >= self.size:
                break  # padding (or an out-of-range index, treated as the end of the list)
            out.append((neighbour, self.scores[j] * factor))
        return out


def load_neighbours(section: object, n: int, k: int, where: str) -> NeighbourTable:
    """Validate one neighbour table (`recs.collab` or `recs.content`)."""
    if not isinstance(section, Mapping):
        raise CatalogError(f"{where}: expected a map")
    dtype = section.get("index_dtype", "u4")
    if dtype not in ("u2", "u4"):
        raise CatalogError(f"{where}.index_dtype: expected 'u2' or 'u4'")
    neighbors = _array(section, "neighbors", dtype, n * k, where)
    scores = section.get("scores")
    if not isinstance(scores, bytes) or len(scores) != n * k:
        raise CatalogError(f"{where}.scores: expected {n * k} bytes")
    scale = section.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale < 1e300:
        raise CatalogError(f"{where}.scale: expected a non-negative number")
    pad = pad_value(dtype)
    return NeighbourTable(
        k=k, neighbors=neighbors, scores=scores, scale=float(scale), pad=pad, size=n
    )


def load_item_list(raw: object, n: int, where: str, dtype: str = "u4") -> tuple[int, ...]:
    """A ranked list of item indices (popular, per segment, per category)."""
    try:
        values = from_bytes(raw, dtype)
    except ArrayError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    if values and max(values) >= n:
        raise CatalogError(f"{where}: index {max(values)} outside the catalog")
    return tuple(values)


def ids_to_indices(catalog: Catalog, ids: Sequence[str]) -> list[int]:
    """Known item ids to indices, silently dropping unknown ones."""
    index = catalog.index
    return [index[item] for item in ids if item in index]
