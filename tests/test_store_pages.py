"""The store's pages on the real origin app: cacheable, slotted, marked up for the snippet."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from origin.app import ServerThread
from origin.config import Config
from origin.store import mount
from origin.store.catalog import generate_items
from origin.store.pages import PAGE_CACHE

ITEMS = generate_items(240)
SLOTS = ["hero", "promo", "cart_offer", "recs"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The real origin with the store mounted, on a free loopback port."""
    server = ServerThread(Config.load(tmp_path_factory.mktemp("origin")))
    mount(server.app, ITEMS)
    with server, httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def slots(html: str) -> list[str]:
    return re.findall(r'data-tailor-slot="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/", "/c/hiking", ITEMS[0]["url"], "/search?q=boot", "/cart",
                                  "/checkout", "/privacy"])
def test_every_page_is_public_cacheable_and_slotted(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == PAGE_CACHE
    assert slots(response.text) == SLOTS
    assert "/_tailor/t.js" in response.text and 'id="consent-banner"' in response.text
    assert "set-cookie" not in response.headers


def test_etag_revalidation(client: httpx.Client) -> None:
    first = client.get("/c/camping")
    again = client.get("/c/camping", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_product_page_marks_items_for_the_snippet(client: httpx.Client) -> None:
    item = next(it for it in ITEMS if it["in_stock"])
    html = client.get(item["url"]).text
    assert f'data-tailor-page-item="{item["id"]}"' in html
    assert re.search(rf'data-add-to-cart data-tailor-event="add_to_cart" '
                     rf'data-tailor-item="{item["id"]}"', html)
    related = re.findall(r'<a href="(/products/[^"]+)" data-tailor-item="([^"]+)"', html)
    assert related and all(p != item["url"] for p, _ in related)


def test_home_defaults_are_for_anyone(client: httpx.Client) -> None:
    html = client.get("/").text
    assert 'data-hero="default"' in html and 'data-recs="default"' in html
    assert 'data-offer="none"' in html


def test_category_pages_list_only_their_category(client: httpx.Client) -> None:
    html = client.get("/c/running").text
    cats = re.findall(r'class="card" data-item="[^"]+" data-category="([^"]+)"', html)
    assert cats and set(cats[: len(cats) - 6]) == {"running"}


def test_search_finds_matching_items(client: httpx.Client) -> None:
    html = client.get("/search", params={"q": "tent"}).text
    titles = re.findall(r'<span class="title">([^<]+)</span>', html)
    assert any("Tent" in t for t in titles)
    assert "0 results" in client.get("/search", params={"q": "zzzqqq"}).text


def test_unknown_pages_are_404_and_not_cached(client: httpx.Client) -> None:
    for path in ("/c/nothing", "/products/nothing-99999"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["cache-control"] == "no-store"


def test_images_items_and_assets(client: httpx.Client) -> None:
    svg = client.get(ITEMS[3]["image"])
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    ids = f"{ITEMS[1]['id']},nope,{ITEMS[2]['id']}"
    found = client.get("/api/items", params={"ids": ids}).json()["items"]
    assert [it["id"] for it in found] == [ITEMS[1]["id"], ITEMS[2]["id"]]
    assert client.get("/static/store.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/img/nope.svg").status_code == 404


def test_origin_routes_still_win(client: httpx.Client) -> None:
    assert client.get("/health").json()["ok"] is True
