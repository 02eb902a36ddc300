"""Consent records, access export and erasure against the real service and real SQLite."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from origin.app import ServerThread, running
from origin.config import Config
from origin.storage.schema import TABLES


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(Config.load(tmp_path, env={})) as srv:
        yield srv


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rows_mentioning(db: Path, needle: str) -> dict[str, int]:
    """Rows in every table whose any column contains `needle`, counted directly in SQLite."""
    conn = sqlite3.connect(db)
    try:
        out = {}
        for table in TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            where = " OR ".join(f"CAST({c} AS TEXT) LIKE ?" for c in cols)
            out[table] = conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {where}", [f"%{needle}%"] * len(cols)
            ).fetchone()[0]
        return out
    finally:
        conn.close()


def test_consent_export_and_erasure_leave_zero_rows(server: ServerThread) -> None:
    cfg = server.services.config
    edge, admin = headers(cfg.edge_token), headers(cfg.admin_token)
    now = int(time.time())
    with httpx.Client(base_url=server.url) as c:
        r = c.post("/v1/consent", headers=edge, json={
            "visitor": "alice-42", "profile": True, "purposes": [1, 5, 6], "tcf": "CPxyz"})
        assert r.status_code == 201 and r.json() == {"recorded": 1}
        events = [{"id": f"a{i}", "type": "view", "ts": now, "visitor": "alice-42",
                   "item": "boots"} for i in range(5)]
        events.append({"id": "b0", "type": "view", "ts": now, "visitor": "bob-7"})
        assert c.post("/v1/events", headers=edge,
                      json={"consent": {"profile": True}, "events": events}).status_code == 202
        r = c.put("/admin/profiles/alice-42", headers=admin, json={
            "segments": ["hikers"], "propensities": {"buy": 0.4}, "candidates": ["boots"],
            "expires_at": now + 3600})
        assert r.status_code == 200

        export = c.get("/v1/subjects/alice-42", headers=admin).json()
        assert len(export["events"]) == 5 and export["consents"][0]["purposes"] == [1, 5, 6]
        assert export["profile"]["segments"] == ["hikers"] and export["erased"] is False

        assert sum(rows_mentioning(cfg.db_path, "alice-42").values()) > 0
        models = cfg.data_dir / "models"
        models.mkdir()
        (models / "profiles.json").write_text(json.dumps({
            "alice-42": {"segments": ["hikers"], "candidates": ["boots"]},
            "bob-7": {"segments": [], "candidates": []}}))
        held = c.get("/v1/subjects/alice-42", headers=admin).json()["model_profile"]
        assert held["candidates"] == ["boots"]
        r = c.delete("/v1/subjects/alice-42", headers=admin)
        assert r.status_code == 200
        assert r.json()["deleted"] == {"events": 5, "consents": 1, "profiles": 1,
                                       "model_profiles": 1}
        assert "alice-42" not in (models / "profiles.json").read_text()
        assert "bob-7" in json.loads((models / "profiles.json").read_text())

        assert rows_mentioning(cfg.db_path, "alice-42") == dict.fromkeys(TABLES, 0)
        assert rows_mentioning(cfg.db_path, "bob-7")["events"] == 1
        after = c.get("/v1/subjects/alice-42", headers=admin).json()
        assert after["events"] == [] and after["profile"] is None and after["erased"] is True
        assert c.get("/v1/profiles/alice-42", headers=edge).status_code == 404

        # An event still in flight from an edge, dated before the erasure, is dropped.
        late = [{"id": "a99", "type": "view", "ts": now - 5, "visitor": "alice-42"}]
        r = c.post("/v1/events", headers=edge, json={"consent": {"profile": True},
                                                     "events": late})
        assert r.status_code == 202 and r.json()["accepted"] == 0 and r.json()["dropped"] == 1
        assert rows_mentioning(cfg.db_path, "alice-42") == dict.fromkeys(TABLES, 0)
        assert c.put("/admin/profiles/alice-42", headers=admin, json={
            "expires_at": now + 60}).status_code == 409


def test_subject_requests_need_the_admin_or_the_edge_token(server: ServerThread) -> None:
    cfg = server.services.config
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/v1/subjects/x").status_code == 401
        assert c.get("/v1/subjects/x", headers=headers("not-a-token")).status_code == 401
        assert c.delete("/v1/subjects/x", headers=headers("not-a-token")).status_code == 401
        assert c.get("/v1/subjects/bad%20id", headers=headers(cfg.admin_token)).status_code == 400
        # the edge asks on behalf of the visitor whose signed cookie it verified
        assert c.get("/v1/subjects/x", headers=headers(cfg.edge_token)).status_code == 200
        erased = c.delete("/v1/subjects/x", headers=headers(cfg.edge_token))
        assert erased.status_code == 200 and erased.json()["erased"] is True


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"profile": True}, "visitor"),
        ({"visitor": "v", "profile": "yes"}, "profile"),
        ({"visitor": "v", "profile": True, "purposes": [0]}, "purposes"),
        ({"visitor": "v", "profile": True, "gpc": 1}, "gpc"),
        ({"visitor": "v", "profile": True, "extra": 1}, "extra"),
    ],
)
def test_bad_consent_records_are_named(
    server: ServerThread, record: dict[str, object], field: str
) -> None:
    cfg = server.services.config
    r = httpx.post(server.url + "/v1/consent", headers=headers(cfg.edge_token),
                   json={"records": [{"visitor": "ok", "profile": False}, record]})
    assert r.status_code == 400 and r.json()["field"] == field and r.json()["index"] == 1
    assert server.services.store.table_counts()["consents"] == 0
