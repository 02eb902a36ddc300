"""PUT /_tailor/admin/bundle end to end: what is rejected (and why), swaps, persistence.

Covers edge/lib/bundle.mjs, edge/lib/msgpack.mjs, the swap in edge/lib/primary.mjs and the
bundle side of edge/glue.py, with real Ed25519 signatures and real Pyodide workers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgpack  # type: ignore[import-untyped]
import pytest

from tests.edge_support import (
    EdgeProcess,
    OriginServer,
    Signer,
    running,
    store_payload,
    wait_for,
)

GRANTED = {"tailor_consent": "granted"}


@pytest.fixture(scope="module")
def edge(origin: OriginServer, signer: Signer, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[EdgeProcess]:
    with running(origin.url, tmp_path_factory.mktemp("edge"), signer.public_b64) as e:
        assert e.push(signer.bundle(5)).status_code == 200
        yield e


def live_version(edge: EdgeProcess) -> str:
    r = httpx.get(edge.url + "/products/boot-1", cookies=GRANTED)
    assert r.status_code == 200 and "x-tailor-fallback" not in r.headers
    return r.headers["x-tailor-version"]


def rejected(edge: EdgeProcess, r: httpx.Response, status: int, words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["ok"] is False and words in body["error"]
    assert live_version(edge) == "5"  # the old bundle keeps serving


def test_needs_the_bearer_token(edge: EdgeProcess, signer: Signer) -> None:
    rejected(edge, edge.push(signer.bundle(6), token="wrong"), 401, "token")
    r = httpx.put(edge.url + "/_tailor/admin/bundle", content=signer.bundle(6))
    rejected(edge, r, 401, "token")


def test_garbage_is_rejected(edge: EdgeProcess) -> None:
    rejected(edge, edge.push(b"\x00\x01 not msgpack"), 400, "msgpack")
    rejected(edge, edge.push(msgpack.packb({"payload": b"x"})), 400, "header_raw")


def test_unsigned_or_foreign_signature_is_rejected(edge: EdgeProcess, signer: Signer) -> None:
    good = msgpack.unpackb(signer.bundle(6))
    unsigned = msgpack.packb({**good, "signature": b"\x00" * 64})
    rejected(edge, edge.push(unsigned), 403, "bad signature")
    rejected(edge, edge.push(Signer().bundle(6)), 403, "bad signature")
    tampered = msgpack.packb({**good, "payload": good["payload"][:-1] + b"\x00"})
    rejected(edge, edge.push(tampered), 403, "bad signature")


def test_replayed_and_older_versions_are_rejected(edge: EdgeProcess, signer: Signer) -> None:
    rejected(edge, edge.push(signer.bundle(5)), 409, "already live")
    rejected(edge, edge.push(signer.bundle(4)), 409, "older")


def test_wrong_schema_and_invalid_payload_are_rejected(edge: EdgeProcess, signer: Signer) -> None:
    rejected(edge, edge.push(signer.bundle(6, schema=2)), 400, "schema")
    bad_rules = store_payload(version=6, rules=[
        {"id": "r", "slot": "hero", "priority": 1, "block": "no_such_block"}])
    rejected(edge, edge.push(signer.bundle(6, bad_rules)), 422, "invalid bundle")
    rejected(edge, edge.push(signer.bundle(6, store_payload(version=7))), 422, "version")
    rejected(edge, edge.push(signer.bundle(6, payload_bytes=b"\xc1")), 422, "undecodable")
    assert edge.health()["counters"]["bundle_rejections"] >= 4


def test_rollback_needs_to_be_explicit(origin: OriginServer, signer: Signer,
                                       tmp_path: Path) -> None:
    with running(origin.url, tmp_path, signer.public_b64) as e:
        assert e.push(signer.bundle(3)).json() == {
            "ok": True, "version": 3, "error": None, "previous": 0, "workers": 1,
            "rollback": False}
        assert e.push(signer.bundle(4)).status_code == 200
        assert e.push(signer.bundle(3)).status_code == 409
        r = e.push(signer.bundle(3), rollback=True)
        assert r.status_code == 200 and r.json()["version"] == 3
        assert live_version(e) == "3"


def test_swap_under_load_on_all_workers_then_persisted(origin: OriginServer, signer: Signer,
                                                       tmp_path: Path) -> None:
    failures: list[str] = []
    versions: set[str] = set()
    stop = threading.Event()

    def hammer(url: str) -> None:
        with httpx.Client(base_url=url, cookies=GRANTED, timeout=30) as c:
            while not stop.is_set():
                try:
                    r = c.get("/products/boot-2")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if r.status_code != 200 or "x-tailor-fallback" in r.headers:
                    failures.append(f"{r.status_code} {r.headers.get('x-tailor-fallback')}")
                versions.add(r.headers.get("x-tailor-version", "?"))

    with running(origin.url, tmp_path, signer.public_b64, workers=2) as e:
        assert e.push(signer.bundle(1)).status_code == 200
        threads = [threading.Thread(target=hammer, args=(e.url,)) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            assert wait_for(lambda: "1" in versions, timeout=30)  # load runs before the swaps
            for v in range(2, 6):
                r = e.push(signer.bundle(v))
                assert r.status_code == 200 and r.json()["workers"] == 2, r.text
                health = e.health()
                assert [w["bundle_version"] for w in health["workers"]] == [v, v]
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert failures == []
        assert {"1", "5"} <= versions
    with running(origin.url, tmp_path, signer.public_b64, workers=2) as e:
        health = e.health()
        assert health["bundle_version"] == 5
        assert [w["bundle_version"] for w in health["workers"]] == [5, 5]
        assert live_version(e) == "5"


def test_stored_bundle_signed_by_another_key_is_not_loaded(origin: OriginServer, signer: Signer,
                                                           tmp_path: Path) -> None:
    with running(origin.url, tmp_path, signer.public_b64) as e:
        assert e.push(signer.bundle(2)).status_code == 200
    with running(origin.url, tmp_path, Signer().public_b64) as e:
        assert e.health()["bundle_version"] is None
        r = httpx.get(e.url + "/products/boot-1", cookies=GRANTED)
        assert r.status_code == 200 and r.headers["x-tailor-fallback"] == "1"
        assert "Popular picks" in r.text
