"""edge/lib/warmup.mjs in the real edge: once a worker serves, it runs the configured number
of warm-up decisions in the background, after the first page, without touching visitors'
figures or the pages served meanwhile."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.edge_support import OriginServer, Signer, running, wait_for


def test_workers_warm_up_after_the_first_page(tmp_path: Path) -> None:
    origin = OriginServer()
    origin.start()
    signer = Signer()
    try:
        with running(origin.url, tmp_path, signer.public_b64, extra=["--warmup", "40"]) as e:
            assert e.push(signer.bundle(1)).status_code == 200
            r = httpx.get(e.url + "/products/boot-1", cookies={"tailor_consent": "granted"})
            assert r.status_code == 200 and r.headers["x-tailor-mode"] == "profile"

            def warmed() -> bool:
                return all(w["warmup"] and w["warmup"]["decisions"] == 40
                           for w in e.health()["workers"])

            assert wait_for(warmed, timeout=30)
            health = e.health()
            assert "error" not in health["workers"][0]["warmup"]
            assert health["counters"]["requests_personalized"] == 1
            assert health["counters"]["fallbacks"] == 0
            assert wait_for(lambda: e.health()["forwarder"]["queue_depth"] == 0, timeout=10)
            # only the one real visitor's page reached the origin: warm-up forwards nothing
            assert len({ev["visitor"] for ev in origin.state.events}) == 1
    finally:
        origin.stop()


def test_no_warm_up_when_disabled(tmp_path: Path) -> None:
    origin = OriginServer()
    origin.start()
    signer = Signer()
    try:
        with running(origin.url, tmp_path, signer.public_b64, extra=["--warmup", "0"]) as e:
            assert e.push(signer.bundle(1)).status_code == 200
            assert httpx.get(e.url + "/products/boot-1").status_code == 200
            assert e.health()["workers"][0]["warmup"] is None
    finally:
        origin.stop()
