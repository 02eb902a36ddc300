"""POST /_tailor/events end to end: validation, folding, consent, forwarding, the journal.

Covers edge/lib/events.mjs, edge/lib/journal.mjs and the events path of the worker.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.edge_support import EdgeProcess, OriginServer, Signer, running, wait_for

GRANTED = {"tailor_consent": "granted", "tailor_tz": "0"}


@pytest.fixture(scope="module")
def edge(origin: OriginServer, signer: Signer, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[EdgeProcess]:
    with running(origin.url, tmp_path_factory.mktemp("edge"), signer.public_b64) as e:
        assert e.push(signer.bundle(1)).status_code == 200
        yield e


_n = 0


def event(type_: str = "view", **kw: Any) -> dict[str, Any]:
    global _n
    _n += 1
    return {"id": f"e{_n}", "type": type_, "ts": int(time.time() * 1000), **kw}


def post(c: httpx.Client, body: Any, content_type: str = "application/json") -> httpx.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return c.post("/_tailor/events", content=data, headers={"Content-Type": content_type})


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "body: not valid JSON"),
    ({"events": "x"}, "body: expected"),
    ({"events": []}, "events: empty batch"),
    ({"events": [{"id": "a", "type": "teleport", "ts": 1}]}, "events[0].type"),
    ({"events": [{"id": "a", "type": "view"}]}, "events[0].ts"),
    ({"events": [{"type": "view", "ts": 1}]}, "events[0].id"),
    ({"events": [{"id": "a" * 65, "type": "view", "ts": 1}]}, "events[0].id"),
    ({"events": [{"id": "a", "type": "view", "ts": 9e15}]}, "events[0].ts: in the future"),
    ({"events": [{"id": "a", "type": "view", "ts": 1, "colour": "red"}]}, "events[0].colour"),
    ({"events": [{"id": "a", "type": "view", "ts": 1, "value": "x"}]}, "events[0].value"),
    ({"events": [{"id": "a", "type": "view", "ts": 1, "item": 5}]}, "events[0].item"),
    ({"events": [{"id": "a", "type": "view", "ts": 1},
                 {"id": "a", "type": "view", "ts": 1}]}, "events[1].id: duplicate"),
])
def test_bad_batches_get_a_400_naming_the_problem(edge: EdgeProcess, body: Any,
                                                   problem: str) -> None:
    with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
        if isinstance(body, dict) and body.get("events") and "ts" in body["events"][0]:
            if body["events"][0]["ts"] == 1:
                for e in body["events"]:
                    e["ts"] = int(time.time())
        r = post(c, body)
    assert r.status_code == 400
    assert problem in r.json()["error"]


def test_limits(edge: EdgeProcess) -> None:
    with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
        many = post(c, {"events": [event() for _ in range(101)]})
        huge = post(c, {"events": [event(query="x" * 200) for _ in range(100)] * 4})
        form = post(c, {"events": [event()]}, "application/x-www-form-urlencoded")
    assert many.status_code == 400 and "at most 100" in many.json()["error"]
    assert huge.status_code == 413
    assert form.status_code == 415


def test_beacon_text_plain_folds_and_resegments_next_page(edge: EdgeProcess) -> None:
    with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
        first = c.get("/c/sale")
        assert 'class="hiking"' not in first.text
        views = [event("view", item=i) for i in ("boot-1", "boot-2", "boot-3")]
        r = post(c, {"events": views}, "text/plain;charset=UTF-8")
        assert r.status_code == 202
        assert r.json()["accepted"] == 3
        assert r.headers["set-cookie"].startswith("tailor_s=")
        after = c.get("/c/sale")
    assert "hikers" in after.headers["x-tailor-segments"].split(",")
    assert '<h1 class="hiking">' in after.text


def test_cart_events_drive_the_cart_rule(edge: EdgeProcess) -> None:
    with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
        c.get("/c/sale")
        assert post(c, [event("add_to_cart", item="shoe-1")]).status_code == 202
        c.get("/c/other")  # a new page in the same session
        r = c.get("/products/snk-1")
    assert "cart-offer" in r.text


def test_consented_events_reach_the_origin(edge: EdgeProcess, origin: OriginServer) -> None:
    with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
        ev = event("click", item="snk-2")
        assert post(c, [ev]).status_code == 202
    assert wait_for(lambda: any(e["id"] == ev["id"] for e in origin.state.events))
    got = next(e for e in origin.state.events if e["id"] == ev["id"])
    assert got["visitor"] and got["item"] == "snk-2" and got["ts"] == ev["ts"] // 1000
    assert origin.state.refused == []


def test_without_consent_nothing_is_forwarded(edge: EdgeProcess, origin: OriginServer) -> None:
    ids = []
    for cookies in ({}, {"tailor_consent": "denied"}):
        with httpx.Client(base_url=edge.url, cookies=cookies) as c:
            ev = event("purchase", item="boot-1")
            ids.append(ev["id"])
            r = post(c, [ev])
            assert r.status_code == 202
            assert r.json()["accepted"] == 0 and r.json()["forwarded"] == 0
            assert "set-cookie" not in r.headers
    marker = event("click", item="boot-2")
    with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
        post(c, [marker])
    # the forwarder is ordered: once the later consented event arrives, earlier ones would have
    assert wait_for(lambda: any(e["id"] == marker["id"] for e in origin.state.events))
    assert not any(e["id"] in ids for e in origin.state.events)


def test_journal_survives_origin_outage_and_edge_restart(signer: Signer, tmp_path: Path) -> None:
    origin = OriginServer()
    origin.start()
    edge = EdgeProcess(origin.url, tmp_path, signer.public_b64)
    sent: list[str] = []
    try:
        edge.start()
        pushed = edge.push(signer.bundle(1))
        assert pushed.status_code == 200, pushed.text
        origin.stop()
        with httpx.Client(base_url=edge.url, cookies=GRANTED) as c:
            for _ in range(3):
                batch = [event("click", item="boot-1"), event("hover", item="boot-2")]
                sent += [e["id"] for e in batch]
                assert post(c, batch).status_code == 202
        assert wait_for(lambda: edge.health()["forwarder"]["queue_depth"] >= 6)
        edge.stop()
        assert origin.state.events == []
        origin.start()
        edge.start()  # same data directory: the journal replays
        assert wait_for(lambda: {e["id"] for e in origin.state.events} >= set(sent), timeout=15)
        assert wait_for(lambda: edge.health()["forwarder"]["queue_depth"] == 0)
        assert edge.health()["bundle_version"] == 1  # the last good bundle was kept too
    finally:
        edge.stop()
        origin.stop()
    ids = [e["id"] for e in origin.state.events]
    assert len(ids) == len(set(ids))  # delivered once
