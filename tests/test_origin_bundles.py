"""Bundle upload, listing and download through the admin API; store_bundle numbering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import msgpack  # type: ignore[import-untyped]
import pytest

from origin.app import ServerThread, running
from origin.bundles import store_bundle
from origin.config import Config
from origin.signing import Signer, verify_bundle


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with running(Config.load(tmp_path, env={})) as srv:
        yield srv


def admin(server: ServerThread) -> httpx.Client:
    token = server.services.config.admin_token
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def test_store_bundle_numbers_signs_and_sets_payload_header_fields(server: ServerThread) -> None:
    svc = server.services
    payload = {"catalog": {"ids": ["a"]}, "version": 999}
    v1 = store_bundle(svc.store, svc.signer, payload, now=1700000000)
    v2 = store_bundle(svc.store, svc.signer, payload, now=1700000001)
    assert (v1, v2) == (1, 2) and payload["version"] == 999
    data = svc.store.get_bundle(2)
    assert data is not None
    header, body = verify_bundle(data, svc.signer.public_raw_b64())
    assert header == {"schema": 1, "version": 2, "created_at": 1700000001,
                      "key_id": svc.signer.key_id}
    assert body["version"] == 2 and body["schema"] == 1 and body["catalog"] == {"ids": ["a"]}


def test_upload_payload_and_signed_bundle(server: ServerThread, tmp_path: Path) -> None:
    svc = server.services
    with admin(server) as c:
        r = c.post("/admin/bundles", content=msgpack.packb({"blob": b"\x01" * 10}),
                   headers={"Content-Type": "application/msgpack"})
        assert r.status_code == 201 and r.json() == {"version": 1}
        signed = svc.signer.sign_bundle(5, 1700000000, msgpack.packb({"version": 5}))
        r = c.post("/admin/bundles", content=signed,
                   headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 201 and r.json() == {"version": 5}
        r = c.post("/admin/bundles", content=signed,
                   headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 409
        rogue = Signer.load_or_create(tmp_path / "rogue").sign_bundle(6, 0, msgpack.packb({}))
        r = c.post("/admin/bundles", content=rogue,
                   headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 400 and "signature" in r.json()["error"]
        r = c.post("/admin/bundles", content=b"\xc1garbage",
                   headers={"Content-Type": "application/msgpack"})
        assert r.status_code == 400
        assert c.post("/admin/bundles", json={"a": 1}).status_code == 415
        listed = c.get("/admin/bundles").json()["bundles"]
        assert [b["version"] for b in listed] == [1, 5]
        assert listed[1]["size"] == len(signed)
        got = c.get("/admin/bundles/5")
        assert got.status_code == 200 and got.content == signed
        assert c.get("/admin/bundles/4").status_code == 404
        assert c.get("/admin/bundles/abc").status_code == 400
    # The next stored bundle continues after the highest version.
    assert store_bundle(svc.store, svc.signer, {}) == 6


def test_public_key_is_served(server: ServerThread) -> None:
    key = httpx.get(server.url + "/v1/bundle-key").json()
    assert key["raw_base64"] == server.services.signer.public_raw_b64()
    assert key["key_id"] == server.services.signer.key_id
    pem = httpx.get(server.url + "/v1/bundle-key", params={"format": "pem"}).text
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
