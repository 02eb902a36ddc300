"""POST /v1/events against the real service on loopback with real SQLite."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from origin.app import ServerThread, running
from origin.config import Config, Limits
from origin.events import EventError, parse_batch


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(Config.load(tmp_path, env={})) as srv:
        yield srv


def client(server: ServerThread) -> httpx.Client:
    token = server.services.config.edge_token
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def event(i: int, **over: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {"id": f"e{i}", "type": "view", "ts": int(time.time()),
                          "visitor": "v1", "item": f"i{i % 7}"}
    ev.update(over)
    return ev


def stored(server: ServerThread) -> int:
    conn = sqlite3.connect(server.services.config.db_path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def test_batch_is_stored_and_acknowledged_after_commit(server: ServerThread) -> None:
    with client(server) as c:
        r = c.post("/v1/events", json={"consent": {"profile": True},
                                       "events": [event(i) for i in range(100)]})
    assert r.status_code == 202
    assert r.json() == {"accepted": 100, "duplicates": 0}
    assert stored(server) == 100


def test_duplicates_are_counted_not_stored_twice(server: ServerThread) -> None:
    events = [event(i) for i in range(10)]
    with client(server) as c:
        r = c.post("/v1/events", json={"consent": {"profile": True}, "events": events})
        assert r.json() == {"accepted": 10, "duplicates": 0}
        events += [event(10), event(10)]
        r = c.post("/v1/events", json={"consent": {"profile": True}, "events": events})
        assert r.json() == {"accepted": 1, "duplicates": 11}
    assert stored(server) == 11


def test_bare_list_with_per_event_consent_and_ms_timestamps(server: ServerThread) -> None:
    now_ms = int(time.time() * 1000)
    events = [event(i, ts=now_ms, consent={"profile": True}) for i in range(3)]
    with client(server) as c:
        r = c.post("/v1/events", json=events)
    assert r.status_code == 202 and r.json()["accepted"] == 3
    rows = server.services.store.export_subject("v1")["events"]
    assert all(abs(e["ts"] - now_ms // 1000) <= 1 for e in rows)


def test_one_bad_event_stores_nothing_and_names_index_and_field(server: ServerThread) -> None:
    events = [event(i) for i in range(5)]
    events[3]["type"] = "teleport"
    with client(server) as c:
        r = c.post("/v1/events", json={"consent": {"profile": True}, "events": events})
    assert r.status_code == 400
    assert r.json()["index"] == 3 and r.json()["field"] == "type"
    assert stored(server) == 0


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"id": "bad id!"}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"visitor": ""}, "visitor"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": int(time.time()) + 3600}, "ts"),
        ({"ts": int(time.time()) - 90 * 86400}, "ts"),
        ({"value": "NaN"}, "value"),
        ({"query": "q" * 300}, "query"),
        ({"color": "red"}, "color"),
        ({"props": {"k": [1, 2]}}, "props.k"),
    ],
)
def test_invalid_fields_are_named(server: ServerThread, over: dict[str, Any], field: str) -> None:
    with client(server) as c:
        r = c.post("/v1/events", json={"consent": {"profile": True},
                                       "events": [event(0), event(1, **over)]})
    assert r.status_code == 400
    assert r.json()["field"] == field and r.json()["index"] == 1
    assert stored(server) == 0


def test_events_without_consent_are_refused(server: ServerThread) -> None:
    with client(server) as c:
        r = c.post("/v1/events", json={"events": [event(0)]})
        assert r.status_code == 400 and r.json()["field"] == "consent"
        r = c.post("/v1/events", json={"consent": {"profile": False}, "events": [event(0)]})
        assert r.status_code == 400 and r.json()["field"] == "consent"
        r = c.post("/v1/events", json={"consent": {"profile": True},
                                       "events": [event(0, consent={"profile": False})]})
        assert r.status_code == 400 and r.json()["field"] == "consent"
    assert stored(server) == 0


def test_oversize_batches_get_413(server: ServerThread) -> None:
    with client(server) as c:
        many = {"consent": {"profile": True}, "events": [event(i) for i in range(501)]}
        assert c.post("/v1/events", json=many).status_code == 413
        big = b'{"events": [' + b" " * (1024 * 1024) + b"]}"
        r = c.post("/v1/events", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "error" in r.json()
    assert stored(server) == 0


def test_bad_json_and_missing_token(server: ServerThread) -> None:
    with client(server) as c:
        r = c.post("/v1/events", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "JSON" in r.json()["error"]
    r = httpx.post(server.url + "/v1/events", json={"events": []})
    assert r.status_code == 401


def test_parse_batch_limits_without_server() -> None:
    limits = Limits(max_events=2)
    with pytest.raises(EventError) as info:
        parse_batch({"events": [event(0)] * 3}, time.time(), limits)
    assert info.value.field == "events"
    rows = parse_batch([event(0, consent={"profile": True}, value=2)], time.time(), limits)
    assert rows[0][:3] == ("e0", "v1", "view") and rows[0][5] == 2.0
