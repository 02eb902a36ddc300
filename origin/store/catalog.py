"""The demo store's catalog: ~2,000 believable outdoor-and-fashion items from a seed.

Nothing is downloaded: titles, brands, prices, tags and stock come from small word lists and
a seeded `random.Random`, so every run (and every test) sees the same shop. Images are tiny
SVGs drawn from the item itself (`svg_image`), served by the store's `/img/{id}.svg` route.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass
from typing import Any

SEED = 7
ITEM_COUNT = 2000


@dataclass(frozen=True)
class Kind:
    """A product type within a category: its noun, price band and typical tags."""

    noun: str
    low: int
    high: int
    tags: tuple[str, ...]


CATEGORIES: dict[str, tuple[Kind, ...]] = {
    "hiking": (
        Kind("Hiking Boot", 9900, 26900, ("boots", "waterproof", "leather", "vibram")),
        Kind("Hiking Shoe", 7900, 17900, ("shoes", "breathable", "lightweight")),
        Kind("Daypack", 4900, 14900, ("pack", "25l", "hydration")),
        Kind("Trekking Pole", 2900, 12900, ("poles", "carbon", "foldable")),
        Kind("Hiking Sock", 1200, 2900, ("socks", "merino", "cushioned")),
    ),
    "running": (
        Kind("Road Running Shoe", 8900, 19900, ("shoes", "road", "cushioned")),
        Kind("Trail Running Shoe", 9900, 21900, ("shoes", "trail", "grip")),
        Kind("Running Short", 2500, 6500, ("shorts", "lightweight", "reflective")),
        Kind("Running Vest", 6900, 15900, ("vest", "hydration", "race")),
        Kind("Running Tee", 1900, 4900, ("tee", "breathable", "quick-dry")),
    ),
    "camping": (
        Kind("Backpacking Tent", 14900, 59900, ("tent", "2-person", "ultralight")),
        Kind("Sleeping Bag", 8900, 39900, ("sleeping-bag", "down", "3-season")),
        Kind("Camp Stove", 3900, 14900, ("stove", "compact", "gas")),
        Kind("Headlamp", 1900, 8900, ("headlamp", "rechargeable", "red-light")),
        Kind("Sleeping Pad", 4900, 19900, ("pad", "inflatable", "insulated")),
    ),
    "sneakers": (
        Kind("Lifestyle Sneaker", 6900, 16900, ("sneakers", "street", "leather")),
        Kind("Retro Runner", 7900, 15900, ("sneakers", "retro", "suede")),
        Kind("Skate Shoe", 5900, 10900, ("sneakers", "skate", "canvas")),
        Kind("High-Top", 8900, 18900, ("sneakers", "high-top", "limited")),
    ),
    "outerwear": (
        Kind("Rain Jacket", 8900, 34900, ("jacket", "waterproof", "packable")),
        Kind("Down Jacket", 14900, 44900, ("jacket", "down", "warm")),
        Kind("Fleece", 4900, 12900, ("fleece", "midlayer", "recycled")),
        Kind("Softshell", 9900, 22900, ("jacket", "softshell", "stretch")),
        Kind("Parka", 19900, 54900, ("parka", "insulated", "city")),
    ),
    "climbing": (
        Kind("Climbing Shoe", 8900, 18900, ("shoes", "bouldering", "downturned")),
        Kind("Harness", 5900, 12900, ("harness", "adjustable", "sport")),
        Kind("Chalk Bag", 1500, 3900, ("chalk", "bag")),
        Kind("Dynamic Rope", 12900, 29900, ("rope", "dry-treated", "60m")),
    ),
    "cycling": (
        Kind("Cycling Helmet", 5900, 24900, ("helmet", "mips", "road")),
        Kind("Cycling Jersey", 4900, 14900, ("jersey", "aero", "breathable")),
        Kind("Bike Light Set", 2900, 9900, ("lights", "rechargeable", "commute")),
        Kind("Cycling Glove", 1900, 5900, ("gloves", "padded")),
    ),
    "accessories": (
        Kind("Water Bottle", 1500, 4900, ("bottle", "insulated", "bpa-free")),
        Kind("Sunglasses", 4900, 19900, ("sunglasses", "polarized", "uv400")),
        Kind("Beanie", 1500, 3900, ("beanie", "merino", "warm")),
        Kind("Cap", 1900, 3900, ("cap", "uv", "quick-dry")),
    ),
}

BRANDS: dict[str, tuple[str, ...]] = {
    "hiking": ("Alpina", "Trekko", "Ridgeway", "Summit & Co", "Northpath"),
    "running": ("Swift", "Pace Lab", "Stride", "Tempo", "Ridgeway"),
    "camping": ("Basecamp", "Emberline", "Northpath", "Lumen"),
    "sneakers": ("Urbn", "Kicks", "Streetform", "Courtside"),
    "outerwear": ("Stormline", "Alpina", "Northpath", "Urbn"),
    "climbing": ("Cragmaster", "Boulderly", "Summit & Co"),
    "cycling": ("Velo", "Cadence", "Lumen"),
    "accessories": ("Lumen", "Basecamp", "Tempo", "Kicks"),
}

NAMES = ("Ridge", "Canyon", "Aurora", "Granite", "Tundra", "Cascade", "Ember", "Juniper",
         "Vista", "Drift", "Sierra", "Boulder", "Cirrus", "Fjord", "Meridian", "Nova",
         "Pioneer", "Redwood", "Solstice", "Talus", "Glacier", "Horizon", "Kestrel", "Lark")
EDITIONS = ("", "", "", " II", " Pro", " Lite", " GTX", " Mid", " Low", " Evo", " 2")
COLOURS = ("black", "stone", "olive", "navy", "rust", "sky", "sand", "forest", "berry")
AUDIENCES = ("women", "men", "unisex")
CATEGORY_COLOURS = {
    "hiking": "#4f7942", "running": "#d2691e", "camping": "#2e5e4e", "sneakers": "#6a5acd",
    "outerwear": "#36648b", "climbing": "#8b5a2b", "cycling": "#b22222", "accessories": "#708090",
}
COLOUR_HEX = {
    "black": "#222", "stone": "#a89f91", "olive": "#708238", "navy": "#1f2f4f", "rust": "#b7410e",
    "sky": "#5aa9e6", "sand": "#d8c39a", "forest": "#2f5d3a", "berry": "#8e2a5d",
}


def slugify(text: str) -> str:
    """Lower-case words joined with dashes, for URLs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _price(rng: random.Random, kind: Kind) -> int:
    cents = rng.randrange(kind.low, kind.high + 1, 100)
    return max(cents - 1, 99)  # shop prices end in .99


def generate_items(n: int = ITEM_COUNT, seed: int = SEED) -> list[dict[str, Any]]:
    """`n` items spread over the categories, each a dict in the origin's item shape
    (id, title, url, image, category, brand, price_cents, in_stock, tags) plus `kind`,
    `stock`, `colour`, `audience` and `description` for the store's own pages."""
    rng = random.Random(seed)
    names = list(CATEGORIES)
    items: list[dict[str, Any]] = []
    for i in range(n):
        category = names[i % len(names)]
        kind = rng.choice(CATEGORIES[category])
        brand = rng.choice(BRANDS[category])
        model = rng.choice(NAMES) + rng.choice(EDITIONS)
        colour = rng.choice(COLOURS)
        audience = rng.choice(AUDIENCES)
        title = f"{brand} {model} {kind.noun}"
        item_id = f"sku-{i:05d}"
        stock = 0 if rng.random() < 0.06 else rng.randint(1, 80)
        tags = sorted({*rng.sample(kind.tags, k=min(2, len(kind.tags))), kind.tags[0],
                       colour, audience} | ({"sale"} if rng.random() < 0.12 else set()))
        price = _price(rng, kind)
        if "sale" in tags:
            price = max(int(price * 0.7) // 100 * 100 - 1, 99)
        items.append({
            "id": item_id,
            "title": title,
            "url": f"/products/{slugify(title)}-{i:05d}",
            "image": f"/img/{item_id}.svg",
            "category": category,
            "kind": kind.noun,
            "brand": brand,
            "price_cents": price,
            "in_stock": stock > 0,
            "stock": stock,
            "colour": colour,
            "audience": audience,
            "tags": tags,
            "description": (
                f"The {model.strip()} is a {audience} {kind.noun.lower()} by {brand} in "
                f"{colour}: {', '.join(t for t in kind.tags[1:])}."
            ),
        })
    return items


def price_text(cents: int) -> str:
    """"$129.99" from 12999."""
    return f"${cents // 100}.{cents % 100:02d}"


def svg_image(item: dict[str, Any]) -> str:
    """A 320x240 picture of the item: category colour, a shape per kind, brand and model."""
    bg = CATEGORY_COLOURS.get(str(item.get("category")), "#777")
    fg = COLOUR_HEX.get(str(item.get("colour")), "#444")
    kind = str(item.get("kind") or "")
    if any(word in kind for word in ("Boot", "Shoe", "Sneaker", "Runner", "High-Top")):
        shape = (f'<path d="M70 150 L70 95 L130 95 L150 125 L240 140 Q260 145 255 170 '
                 f'L70 170 Z" fill="{fg}"/><rect x="66" y="168" width="194" height="12" '
                 f'rx="4" fill="#111"/>')
    elif any(word in kind for word in ("Jacket", "Fleece", "Parka", "Softshell", "Jersey",
                                       "Tee", "Vest")):
        shape = (f'<path d="M110 60 L210 60 L250 100 L230 120 L215 105 L215 190 L105 190 '
                 f'L105 105 L90 120 L70 100 Z" fill="{fg}"/>')
    elif "Tent" in kind:
        shape = f'<path d="M60 190 L160 60 L260 190 Z" fill="{fg}"/>'
    else:
        shape = f'<rect x="100" y="60" width="120" height="130" rx="18" fill="{fg}"/>'
    brand = html.escape(str(item.get("brand") or ""))
    label = html.escape(str(item.get("kind") or ""))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" '
        f'viewBox="0 0 320 240" role="img" aria-label="{html.escape(str(item.get("title")))}">'
        f'<rect width="320" height="240" fill="{bg}"/>'
        f'<circle cx="270" cy="45" r="26" fill="#fff" opacity="0.25"/>{shape}'
        f'<text x="16" y="30" font-family="sans-serif" font-size="18" fill="#fff">{brand}</text>'
        f'<text x="16" y="226" font-family="sans-serif" font-size="14" fill="#fff">{label}'
        '</text></svg>'
    )
