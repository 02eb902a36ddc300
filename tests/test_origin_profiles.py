"""GET /v1/profiles/{id} for edges, PUT /admin/profiles/{id}, and Store profile expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from origin.app import ServerThread, running
from origin.config import Config


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(Config.load(tmp_path, env={})) as srv:
        yield srv


def test_profile_round_trip_and_auth(server: ServerThread) -> None:
    cfg = server.services.config
    now = int(time.time())
    admin = {"Authorization": f"Bearer {cfg.admin_token}"}
    edge = {"Authorization": f"Bearer {cfg.edge_token}"}
    body = {"segments": ["hikers"], "propensities": {"buy": 0.25}, "candidates": ["a", "b"],
            "expires_at": now + 600}
    with httpx.Client(base_url=server.url) as c:
        assert c.put("/admin/profiles/v1", json=body).status_code == 401
        assert c.put("/admin/profiles/v1", headers=edge, json=body).status_code == 401
        assert c.put("/admin/profiles/v1", headers=admin, json=body).status_code == 200
        assert c.get("/v1/profiles/v1").status_code == 401
        r = c.get("/v1/profiles/v1", headers=edge)
        assert r.status_code == 200 and r.json() == body
        assert "private" in r.headers["cache-control"]
        assert c.get("/v1/profiles/nobody", headers=edge).status_code == 404
        bad = dict(body, propensities={"buy": "high"})
        r = c.put("/admin/profiles/v1", headers=admin, json=bad)
        assert r.status_code == 400 and r.json()["field"] == "propensities"
        r = c.put("/admin/profiles/v1", headers=admin, json=dict(body, expires_at=now - 1))
        assert r.status_code == 400 and r.json()["field"] == "expires_at"


def test_expired_profiles_are_not_served(server: ServerThread) -> None:
    store = server.services.store
    now = int(time.time())
    store.put_profiles([("old", {"segments": ["x"]}, now - 10),
                        ("new", {"segments": []}, now + 99)])
    assert store.get_profile("old") is None
    assert store.get_profile("new") == {"segments": [], "expires_at": now + 99}
    r = httpx.get(server.url + "/v1/profiles/old",
                  headers={"Authorization": f"Bearer {server.services.config.edge_token}"})
    assert r.status_code == 404 and r.json()["error"]
