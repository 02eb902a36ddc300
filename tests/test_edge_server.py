"""The edge end to end: a real origin, the real edge (Node + Pyodide), httpx as the browser.

Covers edge/server.mjs and the request path in edge/lib (worker, pages, context, cookies,
profiles, static files, health and metrics).
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.edge_support import EdgeProcess, OriginServer, Signer, running, wait_for

GRANTED = {"tailor_consent": "granted"}
MOBILE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture(scope="module")
def edge(origin: OriginServer, signer: Signer, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[EdgeProcess]:
    # a 300 ms profile deadline (50 ms by default) keeps a busy test machine from failing open
    with running(origin.url, tmp_path_factory.mktemp("edge"), signer.public_b64,
                 extra=["--profile-timeout-ms", "300"]) as e:
        assert e.push(signer.bundle(1)).status_code == 200
        yield e


def client(edge: EdgeProcess, cookies: dict[str, str] | None = None, **kw: object) -> httpx.Client:
    return httpx.Client(base_url=edge.url, cookies=cookies or {}, timeout=20, **kw)  # type: ignore[arg-type]


def tz_for_local_hour(hour: int) -> str:
    """A tailor_tz offset (minutes east of UTC) that makes the local hour `hour` now."""
    now = datetime.now(UTC)
    offset = (hour - now.hour) * 60 - now.minute + 5
    if offset > 720:
        offset -= 1440
    if offset < -720:
        offset += 1440
    return str(offset)


def test_slots_filled_per_rules_and_response_marked_private(edge: EdgeProcess) -> None:
    with client(edge, GRANTED) as c:
        r = c.get("/products/boot-1")
    assert r.status_code == 200
    assert '<li data-item="boot-2">' in r.text  # recs rule: neighbours of boot-1
    assert "Popular picks" not in r.text
    assert '<div data-tailor-slot="hero"><h1>Default hero</h1></div>' in r.text  # no hero rule
    assert r.headers["cache-control"].startswith("private")
    assert "cookie" in r.headers["vary"].lower()
    assert r.headers["server-timing"].startswith("decide;dur=")
    assert r.headers["x-tailor-mode"] == "profile"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("tailor_s=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert r.text.endswith("</body></html>\n")


def test_cookie_secure_behind_tls_proxy(edge: EdgeProcess) -> None:
    with client(edge, GRANTED) as c:
        r = c.get("/products/boot-2", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in r.headers["set-cookie"]


def test_context_rule_uses_device_and_local_hour(edge: EdgeProcess) -> None:
    evening = {"tailor_tz": tz_for_local_hour(20)}
    morning = {"tailor_tz": tz_for_local_hour(9)}
    with client(edge, evening, headers={"User-Agent": MOBILE_UA}) as c:
        assert "Evening app deal" in c.get("/products/shoe-1").text
    with client(edge, morning, headers={"User-Agent": MOBILE_UA}) as c:
        assert "Evening app deal" not in c.get("/products/shoe-1").text
    with client(edge, evening, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}) as c:
        assert "Evening app deal" not in c.get("/products/shoe-1").text


def test_behaviour_resegments_on_the_next_page(edge: EdgeProcess) -> None:
    with client(edge, {**GRANTED, "tailor_tz": tz_for_local_hour(9)}) as c:
        first = c.get("/")
        assert 'class="hiking"' not in first.text
        for item in ("boot-1", "boot-2", "boot-3"):
            c.get(f"/products/{item}")
        after = c.get("/")
    assert "hikers" in after.headers["x-tailor-segments"].split(",")
    assert '<h1 class="hiking">' in after.text


def drained(edge: EdgeProcess) -> bool:
    return wait_for(lambda: edge.health()["forwarder"]["queue_depth"] == 0, timeout=10)


def test_consent_off_is_contextual_only(edge: EdgeProcess, origin: OriginServer) -> None:
    assert drained(edge)
    before = len(origin.state.events)
    for cookies in ({}, {"tailor_consent": "denied"}):
        with client(edge, {**cookies, "tailor_tz": tz_for_local_hour(9)}) as c:
            for item in ("boot-1", "boot-2", "boot-3", "boot-1"):
                r = c.get(f"/products/{item}")
                assert r.headers["x-tailor-mode"] == "contextual"
                assert "set-cookie" not in r.headers
            assert "hikers" not in r.headers["x-tailor-segments"].split(",")
            assert 'class="hiking"' not in c.get("/").text
    time.sleep(0.5)  # longer than the forwarder's flush interval
    assert drained(edge)
    assert len(origin.state.events) == before


def test_page_views_and_exposures_are_forwarded_in_the_origin_format(
        edge: EdgeProcess, origin: OriginServer) -> None:
    with client(edge, GRANTED) as c:
        c.get("/products/snk-3")
    assert drained(edge)
    assert origin.state.refused == []
    exposures = [e for e in origin.state.events if e["type"] == "exposure"]
    assert exposures and all(e["props"]["slot"] for e in exposures)
    assert any(e["type"] == "view" and e["item"] == "snk-3" for e in origin.state.events)


def test_gpc_still_gets_contextual_page(edge: EdgeProcess) -> None:
    with client(edge, headers={"Sec-GPC": "1"}) as c:
        r = c.get("/products/boot-3")
    assert r.status_code == 200 and r.headers["x-tailor-mode"] == "contextual"


def test_tampered_cookie_starts_a_fresh_visitor(edge: EdgeProcess) -> None:
    with client(edge, {**GRANTED, "tailor_tz": tz_for_local_hour(9)}) as c:
        for item in ("boot-1", "boot-2", "boot-3"):
            c.get(f"/products/{item}")
        good = c.cookies["tailor_s"]
    body, sig = good.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:] + "." + sig
    for value in (flipped, "garbage", good[:-3]):
        with client(edge, {**GRANTED, "tailor_s": value}) as c:
            r = c.get("/c/running")
        assert r.status_code == 200
        assert "hikers" not in r.headers["x-tailor-segments"].split(",")
        assert r.headers["set-cookie"].split(";")[0] != f"tailor_s={value}"
    with client(edge, {**GRANTED, "tailor_s": good}) as c:
        assert "hikers" in c.get("/c/running").headers["x-tailor-segments"].split(",")


def test_a_decision_that_raises_serves_defaults(edge: EdgeProcess) -> None:
    before = edge.health()["counters"]["fallbacks"]
    with client(edge, GRANTED) as c:
        r = c.get("/products/boot-1", headers={"X-Tailor-Debug": "raise"})
    assert r.status_code == 200
    assert r.headers["x-tailor-fallback"] == "1"
    assert "Popular picks" in r.text and "Free returns" in r.text
    assert "set-cookie" not in r.headers
    health = edge.health()
    assert health["counters"]["fallbacks"] == before + 1
    assert health["fallback_reasons"].get("DebugRaise", 0) >= 1


def test_cached_pages_are_not_refetched(edge: EdgeProcess, origin: OriginServer) -> None:
    with client(edge) as c:
        c.get("/c/cached-once")
        fetched = origin.state.page_fetches
        for _ in range(3):
            assert c.get("/c/cached-once").headers["x-tailor-cache"] == "hit"
    assert origin.state.page_fetches == fetched


def test_no_store_pages_are_fetched_every_time(edge: EdgeProcess) -> None:
    with client(edge) as c:
        states = [c.get("/nocache").headers["x-tailor-cache"] for _ in range(2)]
    assert states == ["miss", "miss"]


def test_pages_varying_on_cookies_are_per_visitor(edge: EdgeProcess) -> None:
    with client(edge, {**GRANTED, "who": "ann"}) as ann, client(edge, {"who": "bob"}) as bob:
        first, second = ann.get("/varies"), bob.get("/varies")
        again = ann.get("/varies")
    assert "who=ann" in first.text and "who=bob" in second.text
    assert again.headers["x-tailor-cache"] == "miss"
    cookies = first.headers.get_list("set-cookie")
    assert any(c.startswith("site=1") for c in cookies)
    assert any(c.startswith("tailor_s=") for c in cookies)


def test_authorized_requests_pass_through(edge: EdgeProcess) -> None:
    with client(edge, GRANTED) as c:
        r = c.get("/products/boot-1", headers={"Authorization": "Bearer x"})
    assert r.status_code == 200 and "x-tailor-mode" not in r.headers
    assert "Popular picks" in r.text


def test_non_html_and_non_get_pass_through(edge: EdgeProcess) -> None:
    with client(edge, GRANTED) as c:
        css = c.get("/style.css")
        post = c.post("/form", content=b"a=1")
    assert css.text == "body{color:#333}" and "set-cookie" not in css.headers
    assert css.headers["content-type"] == "text/css"
    assert post.json() == {"echo": "a=1"}


def test_known_visitor_profile_is_folded_in(edge: EdgeProcess, origin: OriginServer) -> None:
    origin.state.profiles["u-42"] = {"segments": ["vip"], "propensities": {},
                                     "candidates": ["snk-3"], "expires_at": 0}
    with client(edge, GRANTED, headers={"X-Tailor-Known-Id": "u-42"}) as c:
        r = c.get("/products/shoe-2")
    assert "vip" in r.headers["x-tailor-segments"].split(",")


def test_slow_profile_fails_open_quickly(edge: EdgeProcess, origin: OriginServer) -> None:
    origin.state.profiles["u-slow"] = {"segments": ["vip"], "propensities": {},
                                       "candidates": [], "expires_at": 0}
    origin.state.profile_delay = 1.5
    try:
        with client(edge, GRANTED, headers={"X-Tailor-Known-Id": "u-slow"}) as c:
            started = time.monotonic()
            r = c.get("/products/shoe-3")
            elapsed = time.monotonic() - started
    finally:
        origin.state.profile_delay = 0.0
    assert r.status_code == 200 and "x-tailor-fallback" not in r.headers
    assert "vip" not in r.headers["x-tailor-segments"].split(",")
    assert elapsed < 1.2  # the 300 ms deadline, not the origin's 1.5 s, bounds the wait


def test_tracking_snippet_is_small_and_served(edge: EdgeProcess) -> None:
    r = httpx.get(edge.url + "/_tailor/t.js", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "sendBeacon" in r.text and "/_tailor/events" in r.text
    assert len(gzip.compress(r.content, 9)) <= 2048


def test_browser_build_files_have_their_mime_types(edge: EdgeProcess) -> None:
    wasm = httpx.head(edge.url + "/_tailor/pyodide/pyodide.asm.wasm")
    mjs = httpx.head(edge.url + "/_tailor/pyodide/pyodide.mjs")
    lock = httpx.get(edge.url + "/_tailor/dist/pyodide-lock.json")
    assert wasm.headers["content-type"] == "application/wasm"
    assert mjs.headers["content-type"].startswith("text/javascript")
    assert lock.status_code == 200 and "packages" in lock.json()
    assert httpx.get(edge.url + "/_tailor/pyodide/..%2f..%2fpackage.json").status_code == 404


def test_health_and_metrics(edge: EdgeProcess) -> None:
    with client(edge) as c:
        c.get("/products/boot-1")
    health = edge.health()
    assert health["ok"] and health["bundle_version"] == 1
    assert [w["bundle_version"] for w in health["workers"]] == [1]
    assert health["counters"]["requests_personalized"] >= 1
    assert health["workers"][0]["cache"]["entries"] >= 1
    text = httpx.get(edge.url + "/_tailor/metrics").text
    for name in ("tailor_requests_page_total", "tailor_decision_seconds_bucket",
                 "tailor_fallbacks_total", "tailor_bundle_rejections_total",
                 "tailor_forward_queue_depth", 'tailor_bundle_version{pid="'):
        assert name in text


def test_a_metrics_token_guards_figures_but_not_the_probe(
    origin: OriginServer, signer: Signer, tmp_path: Path
) -> None:
    with running(origin.url, tmp_path, signer.public_b64,
                 extra=["--metrics-token", "scrape-secret"]) as e:
        assert e.push(signer.bundle(1)).status_code == 200
        public = httpx.get(e.url + "/_tailor/health", timeout=10)
        assert public.status_code == 200
        assert public.json() == {"ok": True, "serving": True, "bundle_version": 1,
                                 "workers": [{"bundle_version": 1, "serving": True}]}
        wrong = {"Authorization": "Bearer nope"}
        denied = httpx.get(e.url + "/_tailor/metrics", headers=wrong, timeout=10)
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"] == "Bearer"
        assert httpx.get(e.url + "/_tailor/metrics", timeout=10).status_code == 401
        auth = {"Authorization": "Bearer scrape-secret"}
        full = httpx.get(e.url + "/_tailor/health", headers=auth, timeout=10).json()
        assert "counters" in full and full["workers"][0]["pid"] > 0
        text = httpx.get(e.url + "/_tailor/metrics", headers=auth, timeout=10).text
        assert "tailor_requests_page_total" in text


def test_origin_down_serves_cached_pages(signer: Signer, tmp_path: Path) -> None:
    origin = OriginServer()
    origin.state.cache_control = "public, max-age=1, stale-if-error=600"
    origin.start()
    try:
        with running(origin.url, tmp_path, signer.public_b64) as e:
            assert e.push(signer.bundle(1)).status_code == 200
            with client(e, GRANTED) as c:
                assert c.get("/products/boot-1").status_code == 200
                origin.stop()
                time.sleep(1.2)  # the page is now stale; only stale-if-error allows it
                r = c.get("/products/boot-1")
                assert r.status_code == 200
                assert r.headers["x-tailor-cache"] == "stale-if-error"
                assert ">boot-1</h2>" in r.text
                assert "Free returns" in r.text
                missing = c.get("/products/never-cached")
                assert missing.status_code == 502
            assert wait_for(lambda: e.health()["counters"]["errors_origin"] >= 2)
    finally:
        origin.stop()


def test_contextual_decisions_are_reused_personal_ones_never(edge: EdgeProcess) -> None:
    def hits() -> int:
        return sum(w["decision_cache"]["hits"] for w in edge.health()["workers"])

    before = hits()
    with client(edge, {"tailor_tz": tz_for_local_hour(9)}) as c:
        pages = [c.get("/c/decision-cache").text for _ in range(3)]
    assert pages[0] == pages[1] == pages[2]
    assert hits() == before + 2
    with client(edge, {**GRANTED, "tailor_tz": tz_for_local_hour(9)}) as c:
        for _ in range(3):
            assert c.get("/c/decision-cache").headers["x-tailor-mode"] == "profile"
    assert hits() == before + 2


def test_revalidation_and_stale_while_revalidate(signer: Signer, tmp_path: Path) -> None:
    origin = OriginServer()
    origin.state.cache_control = "public, max-age=1"
    origin.start()
    try:
        with running(origin.url, tmp_path, signer.public_b64) as e, client(e) as c:
            assert e.push(signer.bundle(1)).status_code == 200
            assert c.get("/c/etag").headers["x-tailor-cache"] == "miss"
            time.sleep(1.2)
            r = c.get("/c/etag")  # stale: revalidated with If-None-Match, answered 304
            assert r.headers["x-tailor-cache"] == "revalidated" and ">etag</h2>" in r.text
            assert origin.state.not_modified == 1
            assert c.get("/c/etag").headers["x-tailor-cache"] == "hit"

            origin.state.cache_control = "public, max-age=1, stale-while-revalidate=30"
            c.get("/c/swr")
            fetches = origin.state.page_fetches
            time.sleep(1.2)
            r = c.get("/c/swr")  # served stale at once, refreshed in the background
            assert r.headers["x-tailor-cache"] == "stale" and r.status_code == 200
            assert wait_for(lambda: origin.state.page_fetches == fetches + 1)
            assert wait_for(lambda: c.get("/c/swr").headers["x-tailor-cache"] == "hit")
    finally:
        origin.stop()
