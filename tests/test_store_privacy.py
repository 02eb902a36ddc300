"""The privacy page at the real origin: a cacheable page with the segment words and no visitor
data; the origin has no cookie key and no privacy actions (those are the edge's)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from origin.app import ServerThread
from origin.config import Config
from origin.store import mount
from origin.store.catalog import generate_items
from origin.store.content import SEGMENT_WORDS
from origin.store.pages import Site
from origin.store.privacy import words_json

ITEMS = generate_items(60)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(Config.load(tmp_path_factory.mktemp("origin")))
    mount(server.app, ITEMS)
    with server:
        yield server


def test_page_embeds_the_segment_words_and_the_controls(origin: ServerThread) -> None:
    r = httpx.get(origin.url + "/privacy")
    assert r.status_code == 200 and "no-store" not in r.headers["cache-control"]
    found = re.search(r'<script type="application/json" id="segment-words">(.*?)</script>', r.text)
    assert found is not None and json.loads(found.group(1)) == SEGMENT_WORDS
    for control in ("privacy-reset", "privacy-optout", "privacy-export-button", "privacy-erase"):
        assert f'id="{control}"' in r.text


def test_page_is_the_same_for_every_visitor(origin: ServerThread) -> None:
    anonymous = httpx.get(origin.url + "/privacy")
    with_cookie = httpx.get(origin.url + "/privacy", cookies={"tailor_s": "abc.def",
                                                               "tailor_consent": "granted"})
    assert anonymous.text == with_cookie.text
    assert anonymous.headers["etag"] == with_cookie.headers["etag"]


@pytest.mark.parametrize("action", ["summary", "reset", "export", "erase"])
def test_the_origin_has_no_privacy_actions(origin: ServerThread, action: str) -> None:
    r = httpx.post(origin.url + f"/privacy/{action}", json={})
    assert r.status_code in (404, 405)


def test_words_cannot_close_the_script_element() -> None:
    assert "<" not in words_json()
    assert json.loads(words_json()) == SEGMENT_WORDS


def test_the_site_holds_no_cookie_key() -> None:
    site = Site(ITEMS)
    assert not hasattr(site, "cookie_key")
