"""The edge's privacy endpoints end to end: the real edge (Node + Pyodide) in front of the real
origin (Starlette + SQLite), httpx as the browser. Only a cookie the edge verifies names a
visitor; export and erasure reach the origin with the edge token; consent choices are
recorded at the origin.

Covers edge/lib/privacy.mjs, edge/lib/consent.mjs, edge/glue_privacy.py and the erase path
of edge/lib/primary.mjs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from origin.app import ServerThread
from origin.config import Config
from tests.edge_support import EdgeProcess, Signer, node_json, product_page, running, wait_for

GRANTED = {"tailor_consent": "granted"}


async def _product(request: Request) -> HTMLResponse:
    return HTMLResponse(product_page(request.url.path),
                        headers={"Cache-Control": "public, max-age=60"})


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(Config.load(tmp_path_factory.mktemp("origin")))
    server.app.router.routes.append(Route("/products/{item}", _product, methods=["GET"]))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def edge(origin: ServerThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeProcess]:
    signer = Signer()
    token = origin.services.config.edge_token
    with running(origin.url, tmp_path_factory.mktemp("edge"), signer.public_b64,
                 extra=["--origin-token", token]) as e:
        assert e.push(signer.bundle(1)).status_code == 200
        yield e


def browser(edge: EdgeProcess, cookies: dict[str, str] | None = None) -> httpx.Client:
    """A client whose cookies the edge's Set-Cookie headers replace, like a browser's."""
    c = httpx.Client(base_url=edge.url, timeout=20)
    for name, value in (cookies or {}).items():
        c.cookies.set(name, value, domain="127.0.0.1")
    return c


def held(origin: ServerThread, visitor: str) -> dict[str, Any]:
    return dict(origin.services.store.export_subject(visitor))


def rows(origin: ServerThread, visitor: str) -> int:
    h = held(origin, visitor)
    return len(h["events"]) + len(h["consents"]) + (h["profile"] is not None)


def visit(c: httpx.Client, *paths: str) -> str:
    for path in paths:
        assert c.get(path).status_code == 200
    state = c.get("/_tailor/state").json()
    assert state["has_state"] is True
    return str(state["visitor"])


def events(c: httpx.Client, *items: str) -> None:
    now = int(time.time() * 1000)
    batch = [{"id": f"e{now}{n}", "type": "view", "ts": now, "item": item}
             for n, item in enumerate(items)]
    r = c.post("/_tailor/events", json={"events": batch})
    assert r.status_code == 202 and r.json()["accepted"] == len(items)


def test_state_without_a_cookie_says_so(edge: EdgeProcess) -> None:
    with browser(edge) as c:
        r = c.get("/_tailor/state")
    body = r.json()
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert body["has_state"] is False and "visitor" not in body
    assert "no valid personalization cookie" in body["note"]


def test_state_describes_the_verified_visitor(edge: EdgeProcess) -> None:
    with browser(edge, GRANTED) as c:
        visitor = visit(c, "/products/boot-1", "/products/boot-2")
        events(c, "boot-1", "boot-3")
        state = c.get("/_tailor/state").json()
    assert state["visitor"] == visitor and state["mode"] == "profile"
    assert state["consent"] == "granted" and state["visit_count"] >= 1
    recent = [i["id"] for i in state["recent_items"]]
    assert recent[0] == "boot-3" and set(recent) >= {"boot-1", "boot-2", "boot-3"}
    assert all(i["title"] for i in state["recent_items"])
    assert any(i["kind"] == "category" for i in state["interests"])
    assert isinstance(state["segments"], list) and isinstance(state["assignments"], dict)


def test_a_tampered_cookie_gets_no_data(edge: EdgeProcess, origin: ServerThread) -> None:
    with browser(edge, GRANTED) as c:
        visitor = visit(c, "/products/boot-1")
        cookie = c.cookies["tailor_s"]
    body, _, sig = cookie.partition(".")
    forged = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + sig
    with browser(edge, {**GRANTED, "tailor_s": forged}) as c:
        assert c.get("/_tailor/state").json()["has_state"] is False
        exported = c.post("/_tailor/privacy/export", json={})
        assert exported.status_code == 404 and exported.json()["events"] == []
        erased = c.post("/_tailor/privacy/erase", json={})
        assert erased.status_code == 404 and erased.json()["erased"] is False
    with browser(edge, {**GRANTED, "tailor_s": body + ".x"}) as c:
        assert c.get("/_tailor/state").json()["has_state"] is False
    assert held(origin, visitor)["erased"] is False


def test_export_then_erase_leaves_zero_rows(edge: EdgeProcess, origin: ServerThread) -> None:
    with browser(edge, GRANTED) as c:
        visitor = visit(c, "/products/boot-1", "/products/boot-2")
        events(c, "boot-1", "boot-2", "snk-1")
        assert wait_for(lambda: len(held(origin, visitor)["events"]) >= 3, timeout=15)
        assert wait_for(lambda: held(origin, visitor)["consents"], timeout=15)
        exported = c.post("/_tailor/privacy/export", json={})
        assert exported.status_code == 200
        got = exported.json()
        assert got["visitor"] == visitor and len(got["events"]) >= 3
        assert {e["visitor"] for e in got["events"]} == {visitor}
        erased = c.post("/_tailor/privacy/erase", json={})
        assert erased.status_code == 200 and erased.json()["erased"] is True
        assert "tailor_s=;" in erased.headers["set-cookie"]
        assert "Max-Age=0" in erased.headers["set-cookie"]
        assert "tailor_s" not in c.cookies
        assert c.get("/_tailor/state").json()["has_state"] is False
    time.sleep(0.5)  # anything still on its way would land now
    assert rows(origin, visitor) == 0
    assert held(origin, visitor)["erased"] is True


def test_reset_and_opt_out(edge: EdgeProcess, origin: ServerThread) -> None:
    with browser(edge, GRANTED) as c:
        visit(c, "/products/boot-1")
        reset = c.post("/_tailor/privacy/reset", json={})
        assert reset.status_code == 200 and "tailor_s" not in c.cookies
        visitor = visit(c, "/products/boot-2")
        out = c.post("/_tailor/privacy/optout", json={})
        assert out.status_code == 200 and out.json()["recorded"] is True
        assert c.cookies["tailor_consent"] == "denied" and "tailor_s" not in c.cookies
        assert "HttpOnly" not in [h for h in out.headers.get_list("set-cookie")
                                  if h.startswith("tailor_consent=")][0]
        page = c.get("/products/boot-3")
        assert page.headers["x-tailor-mode"] == "contextual" and "tailor_s" not in c.cookies
    assert wait_for(lambda: any(not r["profile"] for r in held(origin, visitor)["consents"]),
                    timeout=15)


def choose(c: httpx.Client, consent: str) -> str:
    """A visitor's first page, then their banner choice (recorded); returns the visitor id."""
    visitor = visit(c, "/products/boot-1")
    r = c.post("/_tailor/consent", json={"consent": consent})
    assert r.status_code == 200 and r.json()["recorded"] is True
    return visitor


def test_banner_choice_sets_the_cookie_and_is_recorded(
    edge: EdgeProcess, origin: ServerThread
) -> None:
    with browser(edge, GRANTED) as c:
        visitor = choose(c, "p1.5.6")
        assert c.cookies["tailor_consent"] == "p1.5.6"
        bad = c.post("/_tailor/consent", json={"consent": "<script>"})
        assert bad.status_code == 400 and "consent" in bad.json()["error"]
        huge = c.post("/_tailor/consent", json={"consent": "granted", "pad": "x" * 8000})
        assert huge.status_code == 413 and "larger than" in huge.json()["error"]
        assert c.cookies["tailor_consent"] == "p1.5.6"  # the refused choice changed nothing
    assert wait_for(lambda: any(r["purposes"] == [1, 5, 6] and r["profile"]
                                for r in held(origin, visitor)["consents"]), timeout=15)


def test_a_new_cookie_choice_is_recorded_once(edge: EdgeProcess, origin: ServerThread) -> None:
    with browser(edge, GRANTED) as c:
        first = c.get("/products/boot-1")
        assert "tailor_cr=granted" in ";".join(first.headers.get_list("set-cookie"))
        visitor = c.get("/_tailor/state").json()["visitor"]
        again = c.get("/products/boot-2")
        assert "tailor_cr" not in ";".join(again.headers.get_list("set-cookie"))
    assert wait_for(lambda: held(origin, visitor)["consents"], timeout=15)
    time.sleep(0.5)
    records = held(origin, visitor)["consents"]
    assert len(records) == 1
    # recorded as the core resolves it: "granted" is purposes 1..11, enough for a profile
    assert records[0]["purposes"] == list(range(1, 12)) and records[0]["profile"]


def test_a_choice_short_of_the_profile_purposes_is_recorded_as_such(
    edge: EdgeProcess, origin: ServerThread
) -> None:
    with browser(edge, GRANTED) as c:
        visitor = choose(c, "p1")
    assert wait_for(lambda: any(r["source"] == "banner:p1"
                                for r in held(origin, visitor)["consents"]), timeout=15)
    record = next(r for r in held(origin, visitor)["consents"] if r["source"] == "banner:p1")
    assert record["purposes"] == [1] and record["profile"] is False


def test_cross_site_posts_and_wrong_methods_are_refused(edge: EdgeProcess) -> None:
    with browser(edge, GRANTED) as c:
        visit(c, "/products/boot-1")
        for action in ("erase", "export", "optout", "reset"):
            r = c.post(f"/_tailor/privacy/{action}", json={},
                       headers={"origin": "http://evil.example"})
            assert r.status_code == 403, action
        r = c.post("/_tailor/privacy/erase", json={}, headers={"sec-fetch-site": "cross-site"})
        assert r.status_code == 403
        assert c.get("/_tailor/privacy/erase").status_code == 405
        assert c.post("/_tailor/state").status_code == 405
        assert c.post("/_tailor/privacy/nope", json={}).status_code == 404
        assert "tailor_s" in c.cookies


def test_a_client_dropping_cookies_does_not_flood_consent_records(
    edge: EdgeProcess, origin: ServerThread
) -> None:
    with browser(edge, GRANTED) as c:
        visitor = visit(c, "/products/boot-1")
        state = c.cookies["tailor_s"]
    assert wait_for(lambda: held(origin, visitor)["consents"], timeout=15)
    # the same visitor over and over, never keeping tailor_cr (like a load generator)
    for n in range(12):
        r = httpx.get(edge.url + f"/products/boot-{1 + n % 3}", timeout=20,
                      headers={"cookie": f"tailor_consent=granted; tailor_s={state}"})
        assert r.status_code == 200
    time.sleep(0.5)
    assert len(held(origin, visitor)["consents"]) == 1


def test_a_page_records_its_choice_from_the_decision_without_asking_python_again() -> None:
    """The page's own answer carries what its consent resolved to; a repeat is not re-asked."""
    out = node_json("privacy", """
        let crossings = 0;
        const worker = { cfg: {}, py: { handle: () => { crossings += 1; return { error: 'x' }; } },
                         ipc: { request: async () => ({ ok: true }) } };
        const p = new m.Privacy(worker, { batchMs: 100000 });
        const req = { socket: {}, headers: {} };
        const ctx = { cookies: { tailor_consent: 'v1;p=1,5,6' }, recorded: undefined,
                      consent: { tcf: null, gpc: false, cookie: 'v1;p=1,5,6' } };
        const page = { visitor: 'v-1', consent: { profile: true, purposes: [1, 5, 6] } };
        const headers = [{}, {}];
        p.seen(req, ctx, page, headers[0]);
        p.seen(req, ctx, page, headers[1]);
        return { crossings, pending: p.pending, cookies: headers.map((h) => h['set-cookie']) };""")
    assert out["crossings"] == 0
    assert len(out["pending"]) == 1  # the second page of the same visitor records nothing
    record = out["pending"][0]
    assert record["visitor"] == "v-1" and record["source"] == "cookie:v1;p=1,5,6"
    assert record["purposes"] == [1, 5, 6] and record["profile"] is True
    assert all(any(c.startswith("tailor_cr=") for c in cookies) for cookies in out["cookies"])
