"""edge/static/t.js in Debian's Chromium (Playwright): the snippet's beacons reach the edge,
fold into the visitor's state at once, and are forwarded to the origin with consent."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.edge_support import OriginServer, Signer, running, wait_for

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="no Debian chromium")


def test_snippet_beacons_fold_and_forward(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    origin = OriginServer()
    origin.start()
    signer = Signer()
    try:
        with running(origin.url, tmp_path, signer.public_b64) as edge, sync_playwright() as p:
            assert edge.push(signer.bundle(1)).status_code == 200
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"])
            try:
                context = browser.new_context()
                context.add_cookies([{"name": "tailor_consent", "value": "granted",
                                      "url": edge.url}])
                page = context.new_page()
                page.goto(edge.url + "/products/boot-1")
                page.wait_for_function("!!(window.tailor && window.tailor.track)")
                page.click("#add")
                page.click("#other")
                page.click("#go")  # a search submit flushes the queue with sendBeacon
                names = {c["name"]: c for c in context.cookies()}
                assert "tailor_tz" in names and "tailor_s" in names
                assert names["tailor_s"]["httpOnly"]

                def sent(kind: str, item: str | None) -> bool:
                    return any(e["type"] == kind and e.get("item") == item
                               for e in origin.state.events)

                assert wait_for(lambda: sent("add_to_cart", "boot-1"), timeout=15)
                assert sent("click", "boot-2")
                assert any(e["type"] == "search" and e["query"] == "rain jacket"
                           for e in origin.state.events)
                assert origin.state.refused == []
                page.goto(edge.url + "/products/snk-1")  # the cart now drives the promo slot
                assert "cart-offer" in page.content()
            finally:
                browser.close()
    finally:
        origin.stop()


@pytest.mark.parametrize("case", ["denied", "gpc", "denied-mid-page"])
def test_snippet_sends_nothing_after_opt_out_or_under_gpc(tmp_path: Path, case: str) -> None:
    from playwright.sync_api import sync_playwright

    origin = OriginServer()
    origin.start()
    signer = Signer()
    try:
        with running(origin.url, tmp_path, signer.public_b64) as edge, sync_playwright() as p:
            assert edge.push(signer.bundle(1)).status_code == 200
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"])
            try:
                context = browser.new_context()
                if case == "denied":
                    context.add_cookies([{"name": "tailor_consent", "value": "denied",
                                          "url": edge.url}])
                if case == "gpc":
                    context.add_init_script(
                        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl',"
                        " {get: () => true})")
                sent: list[str] = []
                context.on("request", lambda r: sent.append(r.url)
                           if "/_tailor/events" in r.url else None)
                page = context.new_page()
                page.goto(edge.url + "/products/boot-1")
                page.wait_for_function("!!(window.tailor && window.tailor.track)")
                if case == "denied-mid-page":
                    page.click("#add")  # queued while no choice was made
                    page.evaluate("document.cookie = 'tailor_consent=denied;path=/'")
                page.click("#add")
                page.click("#other")
                page.evaluate("window.tailor.track('purchase', {item: 'boot-1'})")
                page.click("#go")  # a search submit flushes the queue
                page.evaluate("window.tailor.flush()")
                page.goto(edge.url + "/products/snk-1")  # pagehide flushes too
                time.sleep(1.0)
                assert sent == []
            finally:
                browser.close()
    finally:
        origin.stop()
