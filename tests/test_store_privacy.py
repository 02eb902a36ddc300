"""The privacy page's actions on the real origin: the verified cookie decides whose data is
described, exported and erased; a forged cookie gets nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from core import cookie as cookie_mod
from core.settings import Settings
from core.state import LoggedEvent, fresh
from origin.app import ServerThread
from origin.bundles import store_bundle
from origin.compile import TrainedRecs, build_catalog, build_recs
from origin.config import Config
from origin.store import mount
from origin.store.catalog import generate_items
from origin.store.content import assemble_payload
from origin.store.pipeline import load_history
from origin.store.privacy import cookie_key, describe

SECRET = "shared-with-the-edge"
ITEMS = generate_items(120)
HIKING = [it for it in ITEMS if it["category"] == "hiking"]


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(Config.load(tmp_path_factory.mktemp("origin")))
    mount(server.app, ITEMS, SECRET)
    ids = [it["id"] for it in ITEMS]
    recs = TrainedRecs(item_ids=ids, collab=(np.full((len(ids), 2), -1), np.zeros((len(ids), 2))))
    sections = {"catalog": build_catalog(ITEMS), "recs": build_recs(ids, recs, k=2)}
    payload = assemble_payload(sections)
    with server:
        store_bundle(server.services.store, server.services.signer, payload)
        yield server


def cookie_for(visitor: str, hiking_views: int = 3, key: bytes | None = None) -> str:
    now = int(time.time())
    state = fresh(visitor, now - 600)
    state.recent_items = [it["id"] for it in HIKING[:hiking_views]]
    state.events = [LoggedEvent(ts=now - 60 * n, type="view", item=it["id"], category="hiking")
                    for n, it in enumerate(HIKING[:hiking_views])]
    state.cart = [HIKING[0]["id"]]
    return cookie_mod.encode(state, key or cookie_key(SECRET), Settings(), now)


def post(origin: ServerThread, path: str, cookie: str | None,
         consent: str = "granted") -> httpx.Response:
    cookies: dict[str, Any] = {"tailor_consent": consent}
    if cookie is not None:
        cookies["tailor_s"] = cookie
    with httpx.Client(base_url=origin.url, cookies=cookies, timeout=10) as client:
        return client.post(path, json={})


def store_events(origin: ServerThread, visitor: str, count: int) -> None:
    now = int(time.time())
    events = [{"id": f"{visitor}-{n}", "type": "view", "ts": now - n, "item": HIKING[n]["id"],
               "path": HIKING[n]["url"], "visitor": visitor} for n in range(count)]
    load_history(origin.services.store, events, now)


def test_key_matches_the_edge_derivation() -> None:
    assert cookie_key("abc") == hashlib.sha256(b"abc").digest()


def test_summary_describes_the_verified_state_in_words(origin: ServerThread) -> None:
    answer = post(origin, "/privacy/summary", cookie_for("visitor-a"))
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["has_state"] is True and body["visitor"] == "visitor-a"
    assert "hikers" in body["segments"]
    assert "visitor-a" in body["html"] and "Hikers" in body["html"]
    assert HIKING[0]["title"] in body["html"] and "In your cart" in body["html"]


def test_no_or_forged_cookie_means_nothing_held(origin: ServerThread) -> None:
    for cookie in (None, cookie_for("visitor-b", key=b"x" * 32), "garbage.value"):
        body = post(origin, "/privacy/summary", cookie).json()
        assert body["has_state"] is False and body["visitor"] is None
        assert "no personalization cookie" in body["html"]


def test_export_returns_only_this_visitors_rows(origin: ServerThread) -> None:
    store_events(origin, "visitor-c", 3)
    store_events(origin, "visitor-d", 2)
    held = post(origin, "/privacy/export", cookie_for("visitor-c")).json()
    assert held["visitor"] == "visitor-c" and len(held["events"]) == 3
    assert post(origin, "/privacy/export", None).status_code == 404


def test_erase_leaves_zero_rows_and_clears_the_cookie(origin: ServerThread) -> None:
    store_events(origin, "visitor-e", 4)
    store_events(origin, "visitor-f", 2)
    forged = post(origin, "/privacy/erase", cookie_for("visitor-e", key=b"y" * 32))
    assert forged.status_code == 404
    answer = post(origin, "/privacy/erase", cookie_for("visitor-e"))
    assert answer.status_code == 200 and answer.json()["deleted"]["events"] == 4
    assert 'tailor_s=""' in answer.headers["set-cookie"] or "Max-Age=0" in \
        answer.headers["set-cookie"]
    store = origin.services.store
    assert store.export_subject("visitor-e")["events"] == []
    assert len(store.export_subject("visitor-f")["events"]) == 2


def test_reset_clears_the_state_cookie(origin: ServerThread) -> None:
    answer = post(origin, "/privacy/reset", cookie_for("visitor-g"))
    assert answer.status_code == 200 and "tailor_s=" in answer.headers["set-cookie"]
    assert "Max-Age=0" in answer.headers["set-cookie"]


def test_describe_without_state_and_opted_out() -> None:
    text = describe(None, [], "denied", {}, 0)
    assert "opted out" in text and "no personalization cookie" in text
