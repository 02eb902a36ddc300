"""The report routes and dashboard over real HTTP and real SQLite: a seeded event set with
known conversions gives exactly the counts, rates, intervals and p-values scipy gives."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from scipy.stats import binomtest, chi2_contingency  # type: ignore[import-untyped]

from core.experiments import Holdout, in_holdout
from origin.app import ServerThread, running
from origin.config import Config

DAY = 86400
NOW = int(time.time())
T0 = NOW - 20 * DAY

EXPERIMENT = {"id": "hero-test", "layer": "hero", "seed": "hero-test", "kind": "ab",
              "variations": [{"id": "a", "weight": 1, "blocks": {"hero": "hero_a"}},
                             {"id": "b", "weight": 1, "blocks": {"hero": "hero_b"}}]}
HOLDOUT: dict[str, Any] = {"percent": 40, "seed": "roi-seed"}
CHROMIUM = "/usr/bin/chromium"


def ev(n: list[int], visitor: str, kind: str, ts: int, **extra: Any) -> dict[str, Any]:
    n[0] += 1
    return {"id": f"e{n[0]}", "type": kind, "ts": ts, "visitor": visitor, **extra}


def seeded_events() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Variation a: 40 exposed, 6 convert in the window (plus decoys that must not count);
    variation b: 50 exposed, 15 convert. Purchases carry a value of 20."""
    n = [0]
    out: list[dict[str, Any]] = []
    known: dict[str, Any] = {"a": [], "b": [], "a_conv": [], "b_conv": [], "early": []}
    for var, size, conv in (("a", 40, 6), ("b", 50, 15)):
        for i in range(size):
            v = f"{var}-visitor-{i}"
            t = T0 + i * 60
            out.append(ev(n, v, "view", t - 10, path="/"))
            out.append(ev(n, v, "exposure", t, item=f"hero_{var}", path="/", props={
                "slot": "hero", "rule": "hero-rule", "experiment": "hero-test", "variation": var}))
            known[var].append(v)
            if i < conv:
                out.append(ev(n, v, "purchase", t + 3 * DAY, item="sku-1", value=20.0,
                              path="/checkout"))
                known[f"{var}_conv"].append(v)
            elif i == conv:  # bought before the exposure only: not a conversion
                out.append(ev(n, v, "purchase", t - 5, item="sku-1", value=20.0))
                known["early"].append(v)
            elif i == conv + 1:  # bought after the 7-day window: not a conversion
                out.append(ev(n, v, "purchase", t + 7 * DAY + 1, item="sku-1", value=20.0))
            elif i == conv + 2:  # re-exposed to the other arm later: stays in its first one
                other = "b" if var == "a" else "a"
                out.append(ev(n, v, "exposure", t + DAY, item=f"hero_{other}", path="/",
                              props={"slot": "hero", "experiment": "hero-test",
                                     "variation": other}))
            elif i == conv + 3:  # clicked on the page within 30 minutes
                out.append(ev(n, v, "click", t + 120, item="sku-9", path="/"))
    return out, known


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Any]]:
    with running(Config.load(tmp_path_factory.mktemp("reports"), env={})) as srv:
        cfg = srv.services.config
        events, known = seeded_events()
        with httpx.Client(base_url=srv.url) as c:
            for start in range(0, len(events), 400):
                r = c.post("/v1/events", headers={"Authorization": f"Bearer {cfg.edge_token}"},
                           json={"consent": {"profile": True}, "events": events[start:start + 400]})
                assert r.status_code == 202, r.text
            admin = {"Authorization": f"Bearer {cfg.admin_token}"}
            assert c.post("/admin/experiments", headers=admin, json=EXPERIMENT).status_code == 201
            assert c.post("/admin/config", headers=admin,
                          json={"id": "holdout", "value": HOLDOUT}).status_code == 201
            # erase one converted visitor of b: they must vanish from every report
            erased = known["b_conv"][0]
            r = c.delete(f"/v1/subjects/{erased}", headers=admin)
            assert r.status_code == 200, r.text
        known["erased"] = erased
        yield srv, known


def admin(srv: ServerThread) -> httpx.Client:
    token = srv.services.config.admin_token
    return httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {token}"})


def expected(converted: int, visitors: int) -> dict[str, Any]:
    ci = binomtest(converted, visitors).proportion_ci(confidence_level=0.95, method="wilson")
    return {"visitors": visitors, "converted": converted, "rate": converted / visitors,
            "ci": [ci.low, ci.high]}


def test_experiment_report_exact_numbers(seeded: tuple[ServerThread, Any]) -> None:
    srv, _known = seeded
    with admin(srv) as c:
        r = c.get("/admin/reports/experiments")
    assert r.status_code == 200
    body = r.json()
    assert (body["window_days"], body["goal"], body["bundle_version"]) == (7, "purchase", None)
    [exp] = body["experiments"]
    assert (exp["id"], exp["kind"], exp["layer"], exp["defined"]) == (
        "hero-test", "ab", "hero", True)
    a, b = exp["variations"]
    # b lost its erased converter: 49 visitors, 14 conversions
    for got, (conv, n) in ((a, (6, 40)), (b, (14, 49))):
        want = expected(conv, n)
        assert (got["visitors"], got["converted"]) == (want["visitors"], want["converted"])
        assert got["rate"] == pytest.approx(want["rate"], rel=1e-12)
        assert got["ci"] == pytest.approx(want["ci"], rel=1e-9)
        assert got["revenue"] == pytest.approx(20.0 * conv)
        assert got["revenue_per_visitor"] == pytest.approx(20.0 * conv / n)
    assert a["control"] and not b["control"]
    assert b["lift"] == pytest.approx((14 / 49 - 6 / 40) / (6 / 40), rel=1e-12)
    p = chi2_contingency([[6, 34], [14, 35]], correction=False)[1]
    assert b["p_value"] == pytest.approx(p, rel=1e-9)


def test_attribution_window_and_goal_parameters(seeded: tuple[ServerThread, Any]) -> None:
    srv, _known = seeded
    with admin(srv) as c:
        short = c.get("/admin/reports/experiments", params={"window_days": 1}).json()
        longer = c.get("/admin/reports/experiments", params={"window_days": 8}).json()
        carts = c.get("/admin/reports/experiments", params={"goal": "add_to_cart"}).json()
        late = c.get("/admin/reports/experiments", params={"since": NOW - DAY}).json()
        assert c.get("/admin/reports/experiments", params={"goal": "x"}).status_code == 400
        assert c.get("/admin/reports/roi", params={"window_days": "0"}).status_code == 400
        assert c.get("/admin/reports/blocks", params={"since": "soon"}).status_code == 400
    assert [v["converted"] for v in short["experiments"][0]["variations"]] == [0, 0]
    # 8 days also counts the purchase made 7 days + 1 s after exposure, once per arm
    assert [v["converted"] for v in longer["experiments"][0]["variations"]] == [7, 15]
    assert [v["converted"] for v in carts["experiments"][0]["variations"]] == [0, 0]
    assert [v["visitors"] for v in late["experiments"][0]["variations"]] == [0, 0]


def test_blocks_report(seeded: tuple[ServerThread, Any]) -> None:
    srv, _known = seeded
    with admin(srv) as c:
        body = c.get("/admin/reports/blocks").json()
    blocks = {b["id"]: b for b in body["blocks"]}
    # hero_a: 40 a visitors + 1 b visitor re-exposed later; hero_b: 49 + 1 the other way
    assert (blocks["hero_a"]["exposures"], blocks["hero_a"]["visitors"]) == (41, 41)
    assert (blocks["hero_b"]["exposures"], blocks["hero_b"]["visitors"]) == (50, 50)
    assert (blocks["hero_a"]["clicks"], blocks["hero_b"]["clicks"]) == (1, 1)
    assert blocks["hero_a"]["ctr"] == pytest.approx(1 / 41)
    assert (blocks["hero_a"]["converted"], blocks["hero_b"]["converted"]) == (6, 14)
    rules = {r["id"]: r for r in body["rules"]}
    assert rules["hero-rule"]["exposures"] == 89 and rules["hero-rule"]["clicks"] == 2
    assert body["click_window_minutes"] == 30


def test_roi_report_against_the_holdout_hash(seeded: tuple[ServerThread, Any]) -> None:
    srv, known = seeded
    with admin(srv) as c:
        body = c.get("/admin/reports/roi").json()
    spec = Holdout(HOLDOUT["percent"], HOLDOUT["seed"])
    everyone = [v for v in known["a"] + known["b"] if v != known["erased"]]
    # converters bought 3 days after their first exposure; the "early" buyers bought 5 s
    # before it, after their first view: a conversion from the first event, not from exposure
    exposed_buyers = set(known["a_conv"] + known["b_conv"]) - {known["erased"]}
    buyers = exposed_buyers | set(known["early"])
    held = [v for v in everyone if in_holdout(spec, v)]
    rest = [v for v in everyone if not in_holdout(spec, v)]
    assert held and rest
    groups = body["groups"]
    for name, members in (("holdout", held), ("personalized", rest)):
        conv = len(set(members) & buyers)
        want = expected(conv, len(members))
        assert (groups[name]["visitors"], groups[name]["converted"]) == (len(members), conv)
        assert groups[name]["ci"] == pytest.approx(want["ci"], rel=1e-9)
    assert groups["exposed"]["visitors"] == len(rest)  # all seeded visitors were exposed
    assert groups["exposed"]["converted"] == len(set(rest) & exposed_buyers)
    hc, pc = len(set(held) & buyers), len(set(rest) & buyers)
    lift = body["personalization_lift"]
    assert lift["lift"] == pytest.approx((pc / len(rest) - hc / len(held)) / (hc / len(held)))
    p = chi2_contingency([[hc, len(held) - hc], [pc, len(rest) - pc]], correction=False)[1]
    assert lift["p_value"] == pytest.approx(p, rel=1e-9)
    assert body["holdout"] == {"percent": 40.0, "seed": "roi-seed"}


def test_erased_visitor_appears_nowhere(seeded: tuple[ServerThread, Any]) -> None:
    srv, known = seeded
    with admin(srv) as c:
        texts = [c.get(p).text for p in ("/admin/reports/experiments", "/admin/reports/blocks",
                                         "/admin/reports/roi", "/admin/dashboard")]
    assert all(known["erased"] not in t for t in texts)
    assert srv.services.store.report_first_seen().get(known["erased"]) is None
    assert known["b"][1] in srv.services.store.report_first_seen()


@pytest.mark.parametrize("path", ["/admin/reports/experiments", "/admin/reports/blocks",
                                  "/admin/reports/roi", "/admin/dashboard"])
def test_routes_need_the_admin_token(seeded: tuple[ServerThread, Any], path: str) -> None:
    srv, _known = seeded
    cfg = srv.services.config
    for headers in ({}, {"Authorization": "Bearer wrong-token"},
                    {"Authorization": f"Bearer {cfg.edge_token}"}):
        r = httpx.get(srv.url + path, headers=headers)
        assert r.status_code == 401 and r.json()["error"]
    assert httpx.get(srv.url + path, params={"token": cfg.edge_token}).status_code == 401


def test_dashboard_renders_with_token_in_query(seeded: tuple[ServerThread, Any]) -> None:
    srv, _known = seeded
    token = srv.services.config.admin_token
    r = httpx.get(srv.url + "/admin/dashboard", params={"token": token})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert "hero-test" in html and "<script" in html
    assert "http://" not in html and "https://" not in html  # no external assets
    start = html.index('id="initial">') + len('id="initial">')
    data = json.loads(html[start:html.index("</script>", start)])
    assert [e["id"] for e in data["experiments"]["experiments"]] == ["hero-test"]
    assert data["roi"]["holdout"]["seed"] == "roi-seed" and data["edges"] == []
    with admin(srv) as c:
        assert c.get("/admin/dashboard").status_code == 200


def test_openapi_lists_the_report_routes(tmp_path: Path) -> None:
    with running(Config.load(tmp_path, env={})) as srv:
        doc = httpx.get(srv.url + "/openapi.json").json()
    for path in ("/admin/reports/experiments", "/admin/reports/blocks", "/admin/reports/roi",
                 "/admin/dashboard"):
        assert doc["paths"][path]["get"]["security"] == [{"adminToken": []}]


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="no Debian chromium")
def test_dashboard_draws_and_refreshes_in_chromium(seeded: tuple[ServerThread, Any]) -> None:
    from origin.store.browser import chromium

    srv, _known = seeded
    token = srv.services.config.admin_token
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{srv.url}/admin/dashboard?token={token}&window_days=7")
        assert "token=" not in page.url and "window_days=7" in page.url
        assert page.inner_text("#experiments h3") == "hero-test (ab, layer hero)"
        assert "b | 49 | 14 | 28.6%" in page.inner_text("#experiments").replace("\t", " | ")
        # a stale token: the refresh asks for one with a prompt, then draws fresh data
        page.evaluate("sessionStorage.setItem('tailor_admin_token', 'stale')")
        page.on("dialog", lambda dialog: dialog.accept(token))
        page.evaluate("document.getElementById('experiments').textContent = ''")
        with page.expect_response(lambda r: "/admin/bundles" in r.url and r.status == 200):
            page.click("#refresh")
        page.wait_for_selector("#experiments h3")
        assert page.inner_text("#meta").startswith("latest bundle none")
        assert "hero_a" in page.inner_text("#blocks")
        page.close()
