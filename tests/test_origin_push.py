"""Push to four real HTTP edge stubs on loopback that verify the signature like the edge."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import msgpack  # type: ignore[import-untyped]
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from origin.app import ServerThread, running
from origin.bundles import store_bundle
from origin.config import Config
from origin.push import push_bundle_sync
from origin.signing import DOMAIN, Signer


class EdgeStub:
    """A tiny edge: verifies signature/schema/version like the real one and swaps bundles."""

    def __init__(self, public_key: Ed25519PublicKey, token: str, delay: float = 0.0) -> None:
        self.public_key = public_key
        self.token = token
        self.delay = delay
        self.version = 0
        self.received_at: list[float] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self.answer(200, {"bundle_version": stub.version})

            def do_PUT(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stub.received_at.append(time.perf_counter())
                time.sleep(stub.delay)
                if self.headers.get("Authorization") != f"Bearer {stub.token}":
                    self.answer(401, {"ok": False, "version": stub.version, "error": "auth"})
                    return
                self.answer(*stub.take(body, parse_qs(url.query).get("rollback") == ["1"]))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def take(self, body: bytes, rollback: bool) -> tuple[int, dict[str, Any]]:
        doc = msgpack.unpackb(body, raw=False)
        try:
            self.public_key.verify(doc["signature"], DOMAIN + doc["header_raw"] + doc["payload"])
        except InvalidSignature:
            return 400, {"ok": False, "version": self.version, "error": "bad signature"}
        header = msgpack.unpackb(doc["header_raw"], raw=False)
        if header["schema"] != 1 or (header["version"] <= self.version and not rollback):
            return 409, {"ok": False, "version": self.version, "error": "stale version"}
        self.version = header["version"]
        return 200, {"ok": True, "version": self.version, "error": None}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(Config.load(tmp_path, env={})) as srv:
        yield srv


@pytest.fixture
def edges(server: ServerThread) -> Iterator[list[EdgeStub]]:
    stubs = [EdgeStub(server.services.signer.public, f"edge-token-{i}", delay=0.2)
             for i in range(4)]
    yield stubs
    for stub in stubs:
        stub.close()


def admin(server: ServerThread) -> httpx.Client:
    token = server.services.config.admin_token
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def test_push_reaches_four_edges_concurrently_and_records_answers(
    server: ServerThread, edges: list[EdgeStub]
) -> None:
    svc = server.services
    with admin(server) as c:
        for stub in edges:
            assert c.post("/admin/edges", json={"url": stub.url + "/", "token": stub.token}
                          ).status_code == 201
        v1 = store_bundle(svc.store, svc.signer, {"catalog": {"ids": ["a"]}})
        v2 = store_bundle(svc.store, svc.signer, {"catalog": {"ids": ["a", "b"]}})
        assert (v1, v2) == (1, 2)
        r = c.post(f"/admin/bundles/{v2}/push")
        assert r.status_code == 200, r.text
        result = r.json()
        assert result["ok"] and result["updated"] == 4
        assert all(stub.version == 2 for stub in edges)
        # Each stub holds its request 0.2 s: one after another, the last would arrive
        # >= 0.6 s after the first; all four arriving together shows they were concurrent.
        starts = [stub.received_at[0] for stub in edges]
        assert max(starts) - min(starts) < 0.5
        listed = c.get("/admin/edges").json()["edges"]
        assert [e["version"] for e in listed] == [2, 2, 2, 2]
        assert all(e["ok"] for e in listed)
        live = c.get("/admin/edges", params={"live": "1"}).json()["edges"]
        assert [e["health"]["bundle_version"] for e in live] == [2, 2, 2, 2]

        # Pushing an older version is refused by the edges and recorded as such.
        r = c.post(f"/admin/bundles/{v1}/push")
        assert r.status_code == 502 and r.json()["updated"] == 0
        assert all(e["error"] == "stale version" for e in r.json()["edges"])
        # An explicit rollback is accepted.
        r = c.post(f"/admin/bundles/{v1}/rollback")
        assert r.status_code == 200 and all(stub.version == 1 for stub in edges)
        pushes = c.get("/admin/pushes").json()["pushes"]
        assert len(pushes) == 12 and sum(p["ok"] for p in pushes) == 8


def test_unreachable_and_unauthorized_edges_are_recorded(
    server: ServerThread, edges: list[EdgeStub], tmp_path: Path
) -> None:
    svc = server.services
    svc.store.add_edge(edges[0].url, edges[0].token)
    svc.store.add_edge(edges[1].url, "wrong-token")
    svc.store.add_edge("http://127.0.0.1:9", "edge-token-x")
    version = store_bundle(svc.store, svc.signer, {})
    result = push_bundle_sync(svc.store, version, timeout=5)
    by_url = {r["url"]: r for r in result["edges"]}
    assert by_url[edges[0].url]["ok"]
    assert not by_url[edges[1].url]["ok"] and by_url[edges[1].url]["status"] == 401
    assert not by_url["http://127.0.0.1:9"]["ok"] and by_url["http://127.0.0.1:9"]["error"]
    states = {e["url"]: e for e in svc.store.edges()}
    assert states[edges[0].url]["version"] == version
    assert states[edges[1].url]["ok"] is False and states[edges[1].url]["version"] is None


def test_edge_rejects_bundle_signed_by_another_key(
    server: ServerThread, edges: list[EdgeStub], tmp_path: Path
) -> None:
    store = server.services.store
    store.add_edge(edges[0].url, edges[0].token)
    rogue = Signer.load_or_create(tmp_path / "rogue")
    version = store_bundle(store, rogue, {})
    result = push_bundle_sync(store, version)
    assert not result["ok"] and result["edges"][0]["error"] == "bad signature"
    assert edges[0].version == 0


def test_blocking_push_works_inside_a_running_event_loop(
    server: ServerThread, edges: list[EdgeStub]
) -> None:
    store = server.services.store
    store.add_edge(edges[0].url, edges[0].token)
    version = store_bundle(store, server.services.signer, {})

    async def from_a_coroutine() -> dict[str, Any]:
        return push_bundle_sync(store, version, timeout=5)

    result = asyncio.run(from_a_coroutine())
    assert result["ok"] and result["updated"] == 1 and edges[0].version == version


def test_push_of_missing_version_is_404(server: ServerThread) -> None:
    with admin(server) as c:
        assert c.post("/admin/bundles/41/push").status_code == 404



def test_edge_urls_are_normalized_and_checked() -> None:
    from origin.push import normalize_edge_url

    assert normalize_edge_url("http://127.0.0.1:8787/") == "http://127.0.0.1:8787"
    for bad in ("ftp://x", "http://x/?a=1", "not a url"):
        with pytest.raises(ValueError):
            normalize_edge_url(bad)
