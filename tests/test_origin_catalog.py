"""Versioned admin documents over HTTP: create, version, delete, and condition validation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from origin.app import running
from origin.config import Config


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[httpx.Client]:
    with running(Config.load(tmp_path, env={})) as srv:
        token = srv.services.config.admin_token
        with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {token}"}) as c:
            yield c


ITEM = {"id": "boots-1", "title": "Hiking boots", "category": "hiking", "brand": "acme",
        "price": 129.5, "tags": ["waterproof"], "url": "/products/boots-1"}


def test_items_are_versioned(admin: httpx.Client) -> None:
    r = admin.post("/admin/items", json=[ITEM, dict(ITEM, id="tent-1", title="Tent")])
    assert r.status_code == 201
    assert r.json()["stored"] == [{"id": "boots-1", "version": 1}, {"id": "tent-1", "version": 1}]
    r = admin.put("/admin/items/boots-1", json=dict(ITEM, price=99))
    assert r.json()["version"] == 2
    doc = admin.get("/admin/items/boots-1").json()
    assert doc["price_cents"] == 9900 and doc["version"] == 2 and doc["in_stock"] is True
    assert admin.get("/admin/items/boots-1", params={"version": 1}).json()["price_cents"] == 12950
    assert admin.delete("/admin/items/tent-1").json()["deleted"] is True
    assert admin.get("/admin/items/tent-1").status_code == 404
    listed = admin.get("/admin/items").json()["docs"]
    assert [d["id"] for d in listed] == ["boots-1"]
    versions = admin.get("/admin/items/tent-1/versions").json()["versions"]
    assert [(v["version"], v["deleted"]) for v in versions] == [(1, False), (2, True)]


def test_bad_documents_list_every_problem(admin: httpx.Client) -> None:
    r = admin.post("/admin/items", json=[ITEM, {"id": "x", "price": -1, "colour": "red"}])
    assert r.status_code == 400
    body = r.json()
    assert body["index"] == 1
    assert any(p.startswith("title") for p in body["problems"])
    assert any(p.startswith("price") for p in body["problems"])
    assert any("colour" in p for p in body["problems"])
    assert admin.get("/admin/items").json()["docs"] == []


def test_conditions_are_checked_with_core(admin: httpx.Client) -> None:
    good = {"id": "hikers", "when": {"$interest": {"key": "category:hiking", "gte": 2.5}}}
    assert admin.post("/admin/segments", json=good).status_code == 201
    bad = {"id": "broken", "when": {"$frobnicate": 1}}
    r = admin.post("/admin/segments", json=bad)
    assert r.status_code == 400
    assert any("$frobnicate" in p and p.startswith("when") for p in r.json()["problems"])
    rule = {"id": "r1", "slot": "hero", "priority": 10, "block": "b1",
            "when": {"device": {"$in": ["mobile"]}}, "cap": {"max": 3, "per_hours": 24}}
    assert admin.post("/admin/rules", json=rule).status_code == 201
    r = admin.post("/admin/rules", json=dict(rule, id="r2", when={"$and": 5}))
    assert r.status_code == 400 and r.json()["problems"]


def test_blocks_experiments_slots_and_config(admin: httpx.Client) -> None:
    block = {"id": "recs", "kind": "recs", "template": "<ul>{{ items }}</ul>",
             "recs": {"source": "segment:hikers", "count": 4,
                      "item_template": "<li>{{ title }}</li>"}}
    assert admin.post("/admin/blocks", json=block).status_code == 201
    assert admin.get("/admin/blocks/recs").json()["recs"]["in_stock_only"] is True
    r = admin.post("/admin/blocks", json=dict(block, id="b2", recs={"source": "nowhere"}))
    assert r.status_code == 400 and any("recs.source" in p for p in r.json()["problems"])
    exp = {"id": "hero-test", "variations": [{"id": "a", "weight": 1, "blocks": {"hero": "x"}},
                                             {"id": "b", "weight": 1, "blocks": {"hero": "y"}}]}
    assert admin.post("/admin/experiments", json=exp).status_code == 201
    r = admin.post("/admin/experiments", json=dict(exp, id="e2", range=[0.5, 0.2]))
    assert r.status_code == 400
    assert admin.post("/admin/slots", json={"id": "hero"}).status_code == 201
    holdout = {"id": "holdout", "value": {"percent": 5, "seed": "h"}}
    assert admin.post("/admin/config", json=holdout).status_code == 201
    assert admin.post("/admin/config", json={"id": "other", "value": 1}).status_code == 400
    r = admin.put("/admin/slots/hero", json={"id": "not-hero"})
    assert r.status_code == 400 and r.json()["field"] == "id"
