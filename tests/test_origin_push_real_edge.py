"""The origin against real edge processes (node + Pyodide): the edge verifies bundles signed by
the origin's key, takes a push and a rollback, and forwards consented events that the origin
stores. Needs the edge artifact (`make artifact`); skipped without it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from origin.app import ServerThread, running
from origin.bundles import store_bundle
from origin.config import Config

edge_support = pytest.importorskip("tests.edge_support")
if not (edge_support.ARTIFACT / "manifest.json").exists():
    pytest.skip("no edge artifact in dist/edge (run `make artifact`)", allow_module_level=True)


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[ServerThread]:
    env = {"TAILOR_EDGE_TOKEN": "edge-to-origin-token"}
    with running(Config.load(tmp_path / "origin", env=env)) as srv:
        yield srv


def test_push_and_rollback_to_real_edges(origin: ServerThread, tmp_path: Path) -> None:
    svc = origin.services
    v1 = store_bundle(svc.store, svc.signer, edge_support.store_payload())
    v2 = store_bundle(svc.store, svc.signer, edge_support.store_payload())
    key = svc.signer.public_raw_b64()
    extra = ["--origin-token", "edge-to-origin-token"]
    with edge_support.running(origin.url, tmp_path / "e0", key, extra=extra) as e0, \
            edge_support.running(origin.url, tmp_path / "e1", key, extra=extra) as e1:
        for edge in (e0, e1):
            svc.store.add_edge(edge.url, edge_support.ADMIN_TOKEN)
        admin = {"Authorization": f"Bearer {svc.config.admin_token}"}
        with httpx.Client(base_url=origin.url, headers=admin, timeout=120) as c:
            r = c.post(f"/admin/bundles/{v2}/push")
            assert r.status_code == 200, r.text
            assert [e["edge_version"] for e in r.json()["edges"]] == [v2, v2]
            assert e0.health()["bundle_version"] == v2 == e1.health()["bundle_version"]
            r = c.post(f"/admin/bundles/{v1}/push")
            assert r.status_code == 502 and not any(e["ok"] for e in r.json()["edges"])
            r = c.post(f"/admin/bundles/{v1}/rollback")
            assert r.status_code == 200, r.text
            live = c.get("/admin/edges", params={"live": "1"}).json()["edges"]
            assert [e["version"] for e in live] == [v1, v1]
            assert [e["health"]["bundle_version"] for e in live] == [v1, v1]

        # A visitor with consent browses; the edge forwards the events to this origin.
        with httpx.Client(base_url=e0.url, timeout=30) as browser:
            browser.cookies.set("tailor_consent", edge_support.CONSENT_ALL)
            browser.cookies.set("tailor_tz", "0")
            events = [{"id": f"real-edge-{i}", "type": "view", "item": "p1",
                       "ts": int(time.time() * 1000)} for i in range(3)]
            r = browser.post("/_tailor/events", json={"events": events})
            assert r.status_code == 202, r.text

        def forwarded() -> bool:
            return svc.store.count_events() >= 3

        assert edge_support.wait_for(forwarded, timeout=30), e0.log.read_text()[-3000:]
        stored = list(svc.store.iter_events())
        assert sorted(e["id"] for e in stored) == [f"real-edge-{i}" for i in range(3)]
        assert len({e["visitor"] for e in stored}) == 1 and stored[0]["item"] == "p1"
