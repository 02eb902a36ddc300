"""Errors are JSON everywhere: unknown routes, wrong methods, streamed oversize bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from origin.app import running
from origin.config import Config, Limits


def chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


def test_json_errors_for_routing_and_bodies(tmp_path: Path) -> None:
    config = Config.load(tmp_path, env={}, limits=Limits(max_body_bytes=100_000))
    with running(config) as srv:
        edge = {"Authorization": f"Bearer {config.edge_token}"}
        with httpx.Client(base_url=srv.url, headers=edge) as c:
            r = c.get("/nowhere")
            assert r.status_code == 404 and r.json() == {"error": "Not Found"}
            r = c.get("/v1/events")
            assert r.status_code == 405 and "error" in r.json()
            # No Content-Length (chunked): the cap still applies while streaming.
            r = c.post("/v1/events", content=chunks(300_000))
            assert r.status_code == 413 and r.json()["limit"] == 100_000
            r = c.post("/v1/events", content=b"")
            assert r.status_code == 400
            r = c.post("/v1/events", content=b"\xff\xfe")
            assert r.status_code == 400
            r = c.post("/v1/events", json="just a string")
            assert r.status_code == 400 and r.json()["field"] == "events"


NASTY: list[bytes] = [
    b"", b"null", b"0", b"-1e400", b"1e400", b'"x"', b"[]", b"{}", b"[[]]", b"[null]",
    b'{"events": null}', b'{"events": [null]}', b'{"events": [{"id": 1}]}',
    b'{"id": "x", "when": {"$and": [[[]]]}}', b'{"id": "x", "price": 1e308, "title": "t"}',
    b'{"id": "x", "price_cents": 123456789012345678901234567890}',
    b'{"events": [{"id": "a", "type": "view", "visitor": "v", "ts": 1' + b"0" * 400 + b"}]}",
    b'{"events": [{"id": "a", "type": "view", "visitor": "v", "ts": 1, "value": 1e999}]}',
    b'{"a": "\\ud800"}', b"[NaN]", b"[Infinity]", b"[" * 5000 + b"]" * 5000,
    b'{"url": "http://[::1", "token": "tttttttttt"}', b'{"expires_at": 99999999999999999999999}',
    b'{"visitor": "v", "profile": true, "ts": 1e999}', b"\xff\xfe\x00", b"{" * 3,
    b'{"segments": "x", "propensities": {"a": 1e400}}',
    b'{"id": "x", "variations": [{"id": "a", "weight": 1e400, "blocks": {}}]}',
]


def test_no_input_makes_a_500(tmp_path: Path) -> None:
    from starlette.routing import Route

    config = Config.load(tmp_path, env={})
    with running(config) as srv:
        calls = []
        for route in srv.app.routes:
            assert isinstance(route, Route)
            path = route.path.replace("{version}", "99999999999999999999")
            path = path.replace("{doc_id}", "x%00y").replace("{visitor}", "v%20%2F")
            calls += [(m, path) for m in sorted(route.methods or ()) if m != "HEAD"]
        admin = {"Authorization": f"Bearer {config.admin_token}"}
        with httpx.Client(base_url=srv.url, headers=admin, timeout=30) as c:
            for method, path in calls:
                for body in NASTY:
                    for ctype in ("application/json", "application/msgpack",
                                  "application/octet-stream"):
                        r = c.request(method, path, content=body,
                                      headers={"Content-Type": ctype})
                        assert r.status_code < 500 or r.status_code == 502, (
                            method, path, body[:60], r.status_code, r.text[:200])
                        if r.status_code >= 400:
                            assert "error" in r.json()
