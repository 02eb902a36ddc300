"""The demo store's HTML pages: home, category, product, search, cart, checkout.

Every page is the same for everyone (the edge personalizes its `data-tailor-slot`
elements), so it is sent with `Cache-Control: public, max-age=60` plus
stale-while-revalidate / stale-if-error, and an ETag for cheap revalidation. Slot children
are the defaults anyone sees when no decision is made. Product links carry the tracking
snippet's attributes (`data-tailor-item`, `data-tailor-event`, `data-tailor-page-item`).
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from origin.store.catalog import CATEGORIES, price_text, svg_image

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_CACHE = "public, max-age=60, stale-while-revalidate=30, stale-if-error=86400"
ASSET_CACHE = "public, max-age=3600"
PER_PAGE = 48
STATIC = {"store.css": "text/css; charset=utf-8", "store.js": "text/javascript; charset=utf-8",
          "decide-worker.js": "text/javascript; charset=utf-8"}


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


class Site:
    """The generated catalog, indexed for the pages."""

    def __init__(self, items: Sequence[Mapping[str, Any]]) -> None:
        self.items = list(items)
        self.by_id = {str(it["id"]): it for it in self.items}
        self.by_url = {str(it["url"]): it for it in self.items}
        self.by_category: dict[str, list[Mapping[str, Any]]] = {c: [] for c in CATEGORIES}
        for it in self.items:
            self.by_category.setdefault(str(it["category"]), []).append(it)

    def bestsellers(self, category: str | None = None, count: int = 6,
                    exclude: str | None = None) -> list[Mapping[str, Any]]:
        """A stable default pick: in-stock items, well stocked first (no visitor data)."""
        pool = self.by_category.get(category, []) if category else self.items
        ranked = sorted((it for it in pool if it.get("in_stock") and it["id"] != exclude),
                        key=lambda it: (-int(it.get("stock", 0)), str(it["id"])))
        if category is None:  # one per category in turn, so home shows the whole shop
            by_cat: dict[str, list[Mapping[str, Any]]] = {}
            for it in ranked:
                by_cat.setdefault(str(it["category"]), []).append(it)
            mixed = [lst[i] for i in range(count) for lst in by_cat.values() if i < len(lst)]
            return mixed[:count]
        return ranked[:count]

    def search(self, query: str, limit: int = PER_PAGE) -> list[Mapping[str, Any]]:
        words = [w for w in query.lower().split() if w]
        if not words:
            return []
        scored = []
        for it in self.items:
            text = " ".join([str(it["title"]), str(it["category"]), str(it.get("kind", "")),
                             *map(str, it.get("tags", []))]).lower()
            hits = sum(1 for w in words if w.rstrip("s") in text)
            if hits:
                scored.append((-hits, str(it["id"]), it))
        return [it for _, _, it in sorted(scored)[:limit]]


def card(item: Mapping[str, Any]) -> str:
    """A product card; the link carries data-tailor-item for clicks and hovers."""
    stock = "" if item.get("in_stock") else '<span class="out">Out of stock</span>'
    return (
        f'<li class="card" data-item="{esc(item["id"])}" data-category="{esc(item["category"])}">'
        f'<a href="{esc(item["url"])}" data-tailor-item="{esc(item["id"])}">'
        f'<img src="{esc(item["image"])}" alt="" width="160" height="120" loading="lazy">'
        f'<span class="title">{esc(item["title"])}</span></a>'
        f'<span class="price">{price_text(int(item["price_cents"]))}</span>{stock}</li>'
    )


def cards(items: Iterable[Mapping[str, Any]]) -> str:
    return '<ul class="cards">' + "".join(card(it) for it in items) + "</ul>"


def default_recs(items: Sequence[Mapping[str, Any]], title: str) -> str:
    return (f'<div class="recs recs-default" data-recs="default"><h2>{esc(title)}</h2>'
            f"{cards(items)}</div>")


def hero(kind: str, title: str, text: str, link: str = "/c/hiking", label: str = "Shop now") -> str:
    return (f'<div class="hero-banner hero-default" data-hero="{esc(kind)}"><h1>{esc(title)}</h1>'
            f'<p>{esc(text)}</p><a class="button" href="{esc(link)}">{esc(label)}</a></div>')


DEFAULT_PROMO = ('<div class="promo promo-default" data-offer="none">Free shipping over $75 · '
                 '30-day returns · Repairs for life</div>')


def nav() -> str:
    return "".join(f'<a href="/c/{c}">{c.title()}</a>' for c in CATEGORIES)


def render(*, title: str, page_type: str, main: str, hero_html: str = "", recs: str = "",
           promo: str = DEFAULT_PROMO, query: str = "") -> str:
    return template("layout.html").substitute(
        title=esc(title), page_type=page_type, nav=nav(), hero=hero_html, promo=promo,
        main=main, recs=recs, query=esc(query),
    )


def page(body: str, status: int = 200, cache_control: str = PAGE_CACHE,
         request: Request | None = None) -> Response:
    """An HTML response with an ETag; 304 when the client already holds it."""
    data = body.encode("utf-8")
    etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
    headers = {"Cache-Control": cache_control, "ETag": etag}
    if request is not None and request.headers.get("if-none-match") == etag and status == 200:
        return Response(status_code=304, headers=headers)
    return Response(data, status_code=status, media_type="text/html; charset=utf-8",
                    headers=headers)


def site_of(request: Request) -> Site:
    found: Site = request.app.state.store_site
    return found


async def home(request: Request) -> Response:
    site = site_of(request)
    tiles = "".join(
        f'<li class="card"><a href="/c/{c}"><img src="{esc(items[0]["image"])}" alt="" '
        f'width="160" height="120"><span class="title">{c.title()}</span></a></li>'
        for c, items in site.by_category.items() if items
    )
    main = f'<h2>Shop by category</h2><ul class="cards categories">{tiles}</ul>'
    return page(render(
        title="Outdoor and street gear", page_type="home", main=main,
        hero_html=hero("default", "Gear for every path",
                       "Outdoor and street gear from brands we trust.", "/c/hiking",
                       "Start exploring"),
        recs=default_recs(site.bestsellers(), "Bestsellers"),
    ), request=request)


def _int(value: str | None, default: int) -> int:
    try:
        return max(int(value or default), 1)
    except ValueError:
        return default


async def category(request: Request) -> Response:
    site = site_of(request)
    name = request.path_params["name"]
    items = site.by_category.get(name)
    if not items:
        return page(render(title="Not found", page_type="error",
                           main="<h1>No such category</h1>"), 404, "no-store")
    number = _int(request.query_params.get("page"), 1)
    shown = items[(number - 1) * PER_PAGE: number * PER_PAGE]
    pages = (len(items) + PER_PAGE - 1) // PER_PAGE
    pager = " ".join(f'<a href="/c/{name}?page={n}">{n}</a>' for n in range(1, pages + 1))
    main = (f'<h1 class="category-title">{esc(name.title())}</h1><p>{len(items)} items</p>'
            f'{cards(shown)}<p class="pager">{pager}</p>')
    return page(render(
        title=name.title(), page_type="category", main=main,
        hero_html=hero("default", name.title(), f"Everything for {name}, tested outdoors.",
                       f"/c/{name}", f"All {name}"),
        recs=default_recs(site.bestsellers(name), f"Popular in {name}"),
    ), request=request)


async def product(request: Request) -> Response:
    site = site_of(request)
    item = site.by_url.get(request.url.path)
    if item is None:
        return page(render(title="Not found", page_type="error",
                           main="<h1>No such product</h1>"), 404, "no-store")
    stock = int(item.get("stock", 0))
    stock_text = ("Out of stock" if stock == 0 else
                  f'<span class="stock-low">Only {stock} left</span>' if stock < 5 else "In stock")
    button = (
        f'<button type="button" class="add" data-add-to-cart data-tailor-event="add_to_cart" '
        f'data-tailor-item="{esc(item["id"])}" data-tailor-value="{int(item["price_cents"]) / 100}"'
        f'{"" if stock else " disabled"}>Add to cart</button>'
        '<p id="added" hidden>Added to your cart. <a href="/cart">View cart</a></p>'
    )
    tags = " ".join(f'<span class="tag">{esc(t)}</span>' for t in item.get("tags", []))
    main = (
        f'<article class="product" data-tailor-page-item="{esc(item["id"])}" '
        f'data-item="{esc(item["id"])}" data-category="{esc(item["category"])}">'
        f'<img src="{esc(item["image"])}" alt="{esc(item["title"])}" width="320" height="240">'
        f'<div><h1 class="product-title">{esc(item["title"])}</h1>'
        f'<p class="brand">{esc(item["brand"])} · <a href="/c/{esc(item["category"])}">'
        f'{esc(str(item["category"]).title())}</a></p>'
        f'<p class="price">{price_text(int(item["price_cents"]))}</p><p>{stock_text}</p>'
        f'<p>{esc(item.get("description", ""))}</p><p>{tags}</p>{button}</div></article>'
    )
    related = site.bestsellers(str(item["category"]), exclude=str(item["id"]))
    return page(render(
        title=str(item["title"]), page_type="product", main=main,
        recs=default_recs(related, "You might also like"),
    ), request=request)


async def search(request: Request) -> Response:
    site = site_of(request)
    query = request.query_params.get("q", "")[:200]
    found = site.search(query)
    main = (f'<h1>Search: {esc(query)}</h1><p class="result-count">{len(found)} results</p>'
            + (cards(found) if found else "<p>Nothing found. Try “boots” or “tent”.</p>"))
    return page(render(title=f"Search {query}", page_type="search", main=main, query=query,
                       recs=default_recs(site.bestsellers(), "Bestsellers")), request=request)


async def cart(request: Request) -> Response:
    main = ('<h1>Your cart</h1><ul id="cart-items" class="cart-lines"></ul>'
            '<p>Total: <span id="cart-total">$0.00</span></p>'
            '<a class="button checkout-link" href="/checkout">Checkout</a>')
    return page(render(title="Cart", page_type="cart", main=main), request=request)


async def checkout(request: Request) -> Response:
    main = (
        '<h1>Checkout</h1><ul id="cart-items" class="cart-lines"></ul>'
        '<p>Total: <span id="cart-total">$0.00</span></p>'
        '<form id="checkout-form"><label>Email <input type="email" name="email" '
        'value="demo@example.com"></label> <button type="submit" id="place-order">Place order'
        '</button></form><p id="order-done" hidden>Thank you, your order is placed.</p>'
    )
    return page(render(title="Checkout", page_type="checkout", main=main), request=request)


async def image(request: Request) -> Response:
    item = site_of(request).by_id.get(request.path_params["item"])
    if item is None:
        return Response("no such image", 404, media_type="text/plain")
    return Response(svg_image(dict(item)), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


async def api_items(request: Request) -> Response:
    """Item details for the cart and checkout scripts (ids comma separated, at most 100)."""
    site = site_of(request)
    ids = [i for i in request.query_params.get("ids", "").split(",") if i][:100]
    items = [
        {"id": it["id"], "title": it["title"], "url": it["url"], "image": it["image"],
         "price_cents": it["price_cents"], "price": price_text(int(it["price_cents"])),
         "category": it["category"]}
        for it in (site.by_id.get(i) for i in ids) if it is not None
    ]
    return Response(json.dumps({"items": items}), media_type="application/json",
                    headers={"Cache-Control": "public, max-age=300"})


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        return Response("not found", 404, media_type="text/plain")
    return Response((TEMPLATES / name).read_bytes(), media_type=STATIC[name],
                    headers={"Cache-Control": ASSET_CACHE})


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET", "HEAD"]),
        Route("/c/{name}", category, methods=["GET", "HEAD"]),
        Route("/products/{slug}", product, methods=["GET", "HEAD"]),
        Route("/search", search, methods=["GET", "HEAD"]),
        Route("/cart", cart, methods=["GET", "HEAD"]),
        Route("/checkout", checkout, methods=["GET", "HEAD"]),
        Route("/img/{item}.svg", image, methods=["GET", "HEAD"]),
        Route("/api/items", api_items, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET", "HEAD"]),
    ]
