"""The edge while it starts: the first worker takes connections before its Python is up.

Covers `Worker.start` / `untilServing` (edge/lib/worker.mjs) and the primary's choice of which
worker listens early (edge/lib/primary.mjs): a request that arrives during the snapshot
restore fetches its page meanwhile and is answered personalized once the worker serves, or
with the page's defaults when `--start-wait-ms` runs out first.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.edge_support import EdgeProcess, OriginServer, Signer, wait_for

GRANTED = {"tailor_consent": "granted"}
ANNOUNCED = b"tailor edge listening"


def first_answer(edge: EdgeProcess, timeout: float = 60.0) -> tuple[httpx.Response, bool]:
    """Start the edge and, as soon as its port accepts, ask its health and then one page;
    returns the page and whether health said no worker was serving yet."""
    edge.launch()
    assert edge.proc is not None
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=edge.url, cookies=GRANTED, timeout=30) as c:
        while time.monotonic() < deadline:
            assert edge.proc.poll() is None, edge.log.read_text()[-2000:]
            try:
                health = c.get("/_tailor/health").json()
            except httpx.ConnectError:
                time.sleep(0.005)
                continue
            early = not health["serving"] and not any(w["serving"] for w in health["workers"])
            return c.get("/products/boot-1"), early
    raise AssertionError("the edge never accepted a connection")


def edge_with_stored_bundle(origin: OriginServer, signer: Signer, data: Path,
                            extra: list[str] | None = None) -> EdgeProcess:
    data.mkdir(parents=True, exist_ok=True)
    (data / "bundle.msgpack").write_bytes(signer.bundle(1))
    return EdgeProcess(origin.url, data, signer.public_b64, workers=2, extra=extra)


def test_a_request_during_start_waits_and_is_personalized(
    origin: OriginServer, signer: Signer, tmp_path: Path
) -> None:
    edge = edge_with_stored_bundle(origin, signer, tmp_path)
    try:
        r, early = first_answer(edge)
        assert early, "the port should accept before any worker serves"
        assert r.status_code == 200
        assert r.headers.get("x-tailor-mode") == "profile"
        assert r.headers.get("x-tailor-version") == "1"
        assert "x-tailor-fallback" not in r.headers
        assert "Popular picks" not in r.text  # the recommendation slot was filled
        # the second worker joins only after the first serves, and never listens early
        assert wait_for(lambda: ANNOUNCED in edge.log.read_bytes(), timeout=60)
        health = edge.health()
        assert health["serving"]
        workers = health["workers"]
        assert len(workers) == 2 and [w["bundle_version"] for w in workers] == [1, 1]
    finally:
        edge.stop()


def test_past_the_start_wait_the_page_gets_its_defaults(
    origin: OriginServer, signer: Signer, tmp_path: Path
) -> None:
    edge = edge_with_stored_bundle(origin, signer, tmp_path, ["--start-wait-ms", "0"])
    try:
        r, early = first_answer(edge)
        assert early
        assert r.status_code == 200
        assert r.headers["x-tailor-fallback"] == "1"
        assert "Popular picks" in r.text and "Free returns" in r.text
        assert "set-cookie" not in r.headers
        assert wait_for(lambda: ANNOUNCED in edge.log.read_bytes(), timeout=60)
        with httpx.Client(base_url=edge.url, cookies=GRANTED, timeout=30) as c:
            later = c.get("/products/boot-1")
        assert later.headers.get("x-tailor-mode") == "profile"
        health = edge.health()
        assert health["fallback_reasons"].get("starting", 0) >= 1
    finally:
        edge.stop()
