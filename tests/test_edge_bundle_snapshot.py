"""The live bundle's memory snapshot (edge/lib/bundle_snapshot.mjs), end to end.

A real edge makes the snapshot in the background after a bundle goes live; a restart then
restores it and serves that bundle without installing it. A snapshot of another bundle, or
one that does not restore, must never be served: the worker falls back to the artifact's
snapshot and installs the live bundle as before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from tests.edge_support import OriginServer, Signer, running, wait_for

GRANTED = {"tailor_consent": "granted"}
NOW = ["--bundle-snapshot-delay-ms", "0"]
NEVER = ["--bundle-snapshot-delay-ms", "-1"]


def page(url: str) -> httpx.Response:
    r = httpx.get(url + "/products/boot-1", cookies=GRANTED, headers={"x-country": "DE"})
    assert r.status_code == 200, r.text
    assert "x-tailor-fallback" not in r.headers, r.headers
    return r


def ready(health: dict[str, object], version: int) -> bool:
    status = health["bundle_snapshot"]
    assert isinstance(status, dict)
    assert status["state"] != "failed", status
    return bool(status["state"] == "ready" and status["version"] == version)


def sources(health: dict[str, object]) -> list[str]:
    return [w["pyodide"]["source"] for w in health["workers"]]  # type: ignore[index]


@pytest.fixture(scope="module")
def made(origin: OriginServer, signer: Signer, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[Path, str]:
    """A data directory whose live bundle (version 3) has its snapshot, and a page's body
    as the edge that made it served it."""
    data = tmp_path_factory.mktemp("made")
    with running(origin.url, data, signer.public_b64, extra=NOW) as e:
        assert e.health()["bundle_snapshot"]["state"] == "none"  # no bundle yet
        assert e.push(signer.bundle(3)).status_code == 200
        assert wait_for(lambda: ready(e.health(), 3), timeout=120, interval=0.25), \
            e.health()["bundle_snapshot"]
        body = page(e.url).text
    return data, body


def copy_of(made: tuple[Path, str], tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(made[0], data)
    return data


def snapshot_files(data: Path) -> list[str]:
    return sorted(p.name for p in data.iterdir() if p.name.startswith("bundle-snapshot"))


def test_the_snapshot_is_recorded_for_the_bundle_it_holds(made: tuple[Path, str]) -> None:
    data = made[0]
    record = json.loads((data / "bundle-snapshot.json").read_text())
    assert record["version"] == 3
    assert snapshot_files(data) == sorted(["bundle-snapshot.json", record["file"]])
    assert (data / record["file"]).stat().st_size == record["size"]


def test_a_restart_restores_the_bundle_and_decides_as_before(
        origin: OriginServer, signer: Signer, made: tuple[Path, str], tmp_path: Path) -> None:
    data = copy_of(made, tmp_path)
    with running(origin.url, data, signer.public_b64, workers=2, extra=NEVER) as e:
        health = e.health()
        assert sources(health) == ["preferred", "preferred"]
        assert [w["bundle_version"] for w in health["workers"]] == [3, 3]
        r = page(e.url)
        assert r.headers["x-tailor-version"] == "3"
        assert r.text == made[1]
        # the restored bundle swaps like any other
        assert e.push(signer.bundle(4)).status_code == 200
        assert page(e.url).headers["x-tailor-version"] == "4"


def test_a_newer_live_bundle_is_never_served_from_an_older_snapshot(
        origin: OriginServer, signer: Signer, made: tuple[Path, str], tmp_path: Path) -> None:
    data = copy_of(made, tmp_path)
    with running(origin.url, data, signer.public_b64, extra=NEVER) as e:
        assert e.push(signer.bundle(4)).status_code == 200
        assert e.health()["bundle_snapshot"]["state"] == "off"
    with running(origin.url, data, signer.public_b64, extra=NEVER) as e:
        health = e.health()
        assert sources(health) == ["artifact"]
        assert health["workers"][0]["bundle_version"] == 4
        assert page(e.url).headers["x-tailor-version"] == "4"


def test_a_snapshot_that_does_not_restore_falls_back_to_the_artifact(
        origin: OriginServer, signer: Signer, made: tuple[Path, str], tmp_path: Path) -> None:
    data = copy_of(made, tmp_path)
    record = json.loads((data / "bundle-snapshot.json").read_text())
    (data / record["file"]).write_bytes(b"\x00" * record["size"])  # same size, no snapshot
    with running(origin.url, data, signer.public_b64, extra=NEVER) as e:
        health = e.health()
        start = health["workers"][0]["pyodide"]
        assert start["source"] == "artifact"
        assert "preferred snapshot failed" in start["reason"]
        assert health["workers"][0]["bundle_version"] == 3
        r = page(e.url)
        assert r.headers["x-tailor-version"] == "3"
        assert r.text == made[1]


def test_a_new_bundle_replaces_the_snapshot(
        origin: OriginServer, signer: Signer, made: tuple[Path, str], tmp_path: Path) -> None:
    data = copy_of(made, tmp_path)
    before = json.loads((data / "bundle-snapshot.json").read_text())
    with running(origin.url, data, signer.public_b64, extra=NOW) as e:
        assert sources(e.health()) == ["preferred"]
        assert e.push(signer.bundle(5)).status_code == 200
        assert wait_for(lambda: ready(e.health(), 5), timeout=120, interval=0.25)
    record = json.loads((data / "bundle-snapshot.json").read_text())
    assert record["version"] == 5 and record["sha"] != before["sha"]
    assert snapshot_files(data) == sorted(["bundle-snapshot.json", record["file"]])
    with running(origin.url, data, signer.public_b64, extra=NEVER) as e:
        assert sources(e.health()) == ["preferred"]
        assert page(e.url).headers["x-tailor-version"] == "5"
