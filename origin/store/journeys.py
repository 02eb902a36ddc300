"""The eight journeys of the demo, driven in Chromium through the real edge and origin.

Each journey asserts what the visitor sees (DOM) and what the origin stored, and raises
`JourneyFailed` naming the first expectation that did not hold. `run_all` runs them once
(`tailor demo --check`); tests/test_journeys.py runs each as a test.
"""

from __future__ import annotations

import base64
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import msgpack  # type: ignore[import-untyped]

from core import experiments as experiments_mod
from origin.store.browser import (
    DESKTOP_UA,
    Session,
    check,
    chromium,
    hero,
    latest_bundle,
    offers,
    rec_categories,
    slot_html,
    wait_until,
)
from origin.store.content import CART_OFFER_CAP, EXPERIMENT_ID

if TYPE_CHECKING:
    from origin.demo import DemoStack

FORWARD_WAIT = 2.0
"""Long enough for the edge's forwarder (flushes every 200 ms) to deliver a batch."""


def _items(s: Session, kind: str, n: int) -> list[dict[str, Any]]:
    found = [it for it in s.stack.items if it.get("kind") == kind and it.get("in_stock")]
    check(len(found) >= n, f"the catalog has fewer than {n} {kind} items")
    return found[:n]


def _live_payload(s: Session) -> tuple[int, bytes]:
    """The edge's live bundle version and its payload bytes, from the origin's store."""
    version = s.stack.edge_version()
    check(version is not None, "the edge serves no bundle")
    assert version is not None
    signed = msgpack.unpackb(s.stack.store.get_bundle(version) or b"", raw=False)
    return version, bytes(signed["payload"])


def _mode(response: Any) -> str | None:
    return None if response is None else response.headers.get("x-tailor-mode")


def no_consent_is_contextual(s: Session) -> str:
    """1. Without consent: contextual content only; nothing reaches the origin's events."""
    since = s.last_seq()
    ctx = s.context()
    beacons: list[int] = []
    ctx.on("response", lambda r: beacons.append(r.status) if "/_tailor/events" in r.url else None)
    page = ctx.new_page()
    check(_mode(page.goto("/")) == "contextual", "home page was not decided contextually")
    check(page.locator("#consent-banner").is_visible(), "the consent banner is not shown")
    boots = _items(s, "Hiking Boot", 3)
    for boot in boots:
        check(_mode(page.goto(boot["url"])) == "contextual", "a product page used a profile")
        page.wait_for_function("!!(window.tailor && window.tailor.flush)")
        page.click("[data-add-to-cart]")  # the snippet beacons add_to_cart to the edge
    page.goto("/")
    check(hero(page) == "default", f"hero is {hero(page)!r}, not the default, without consent")
    check("hiking" not in (page.get_attribute("[data-tailor-slot=recs] [data-recs]", "data-recs")
                           or ""), "hiking recommendations without consent")
    check(s.state(ctx) is None, "a state cookie was set without consent")
    check(202 in beacons, f"no beacon reached the edge ({beacons}): the check would prove nothing")
    time.sleep(FORWARD_WAIT)
    mine = {b["id"] for b in boots} | {b["url"] for b in boots}
    leaked = [e for e in s.events_after(since) if e["item"] in mine or e["path"] in mine]
    check(not leaked, f"the origin stored {len(leaked)} events of a visitor without consent")
    return f"contextual on 5 pages; beacons answered {beacons}, 0 events stored"


def hiking_resegmentation(s: Session) -> str:
    """2. After consent, three hiking-boot pages ⇒ hiking hero and recs on the next page."""
    ctx = s.context()
    page = ctx.new_page()
    page.goto("/")
    page.click("#consent-accept")
    check(not page.locator("#consent-banner").is_visible(), "banner still visible after consent")
    boots = _items(s, "Hiking Boot", 3)
    for boot in boots[:2]:
        check(_mode(page.goto(boot["url"])) == "profile", "consent did not enable profile mode")
    page.goto("/c/sneakers")
    check(hero(page) != "hiking", "hiking hero after only two hiking views")
    page.goto(boots[2]["url"])
    page.goto("/")
    check(hero(page) == "hiking", f"hero is {hero(page)!r} after three hiking-boot pages")
    cats = rec_categories(page)
    hiking = sum(1 for c in cats if c == "hiking")
    check(len(cats) >= 4 and hiking * 4 >= len(cats) * 3,
          f"recommendations are not hiking-heavy: {cats}")
    state = s.state(ctx)
    check(state is not None, "no state cookie after consent")
    assert state is not None
    wanted = {b["id"] for b in boots}
    views = wait_until(lambda: {e["item"] for e in s.events(state.visitor_id, "view")} >= wanted
                       and s.events(state.visitor_id, "view"), what="the views at the origin")
    return f"visitor {state.visitor_id}: hero hiking, recs {hiking}/{len(cats)} hiking, " \
           f"{len(views)} views stored"


def cart_abandonment(s: Session) -> str:
    """3. Add to cart, leave ⇒ the offer on return, at most the capped number of times."""
    ctx = s.context(consent="granted")
    page = ctx.new_page()
    item = _items(s, "Headlamp", 1)[0]
    page.goto(item["url"])
    page.click("[data-add-to-cart]")
    check(page.locator("#added").is_visible(), "no 'added to cart' confirmation")
    state = wait_until(lambda: (st := s.state(ctx)) is not None and item["id"] in st.cart and st,
                       what="the add-to-cart event folded into the state cookie")
    page.goto("/cart")
    page.wait_for_selector(f"[data-cart-item='{item['id']}']")
    check("cart-abandon" not in offers(page), "the offer showed on the cart page itself")
    shown = []
    for path in ("/", "/c/hiking", "/search?q=tent", "/"):
        page.goto(path)
        shown.append("cart-abandon" in offers(page))
    cap = int(CART_OFFER_CAP["max"])
    check(shown[:cap] == [True] * cap, f"the offer did not show on return: {shown}")
    check(not any(shown[cap:]), f"the offer showed more than {cap} times: {shown}")
    visitor = state.visitor_id
    wait_until(lambda: s.events(visitor, "add_to_cart"), what="add_to_cart at the origin")
    exposures = wait_until(lambda: [e for e in s.events(visitor, "exposure")
                                    if e["item"] == "cart_offer"], what="offer exposures")
    time.sleep(FORWARD_WAIT / 2)
    exposures = [e for e in s.events(visitor, "exposure") if e["item"] == "cart_offer"]
    check(len(exposures) == cap, f"origin holds {len(exposures)} offer exposures, not {cap}")
    return f"offer shown {shown}, {len(exposures)} exposures stored"


def mobile_evening(s: Session) -> str:
    """4. A phone in the evening gets the mobile evening offer; a desktop at noon does not."""
    since = s.last_seq()
    item = _items(s, "Water Bottle", 1)[0]
    phone = s.page(phone=True, hour=20)
    check(phone.evaluate("new Date().getHours()") in (20, 21), "phone clock is not evening")
    phone.goto(item["url"])
    check("mobile-evening" in offers(phone), f"phone at 20:00 got offers {offers(phone)}")
    check(phone.locator("[data-offer=mobile-evening]").is_visible(), "offer not visible")
    desk = s.page(hour=12)
    desk.goto(item["url"])
    check("mobile-evening" not in offers(desk), "desktop at noon got the mobile evening offer")
    phone_noon = s.page(phone=True, hour=12)
    phone_noon.goto(item["url"])
    check("mobile-evening" not in offers(phone_noon), "phone at noon got the evening offer")
    time.sleep(FORWARD_WAIT / 2)
    leaked = [e for e in s.events_after(since) if item["id"] in (e["item"], e["path"])
              or e["path"] == item["url"]]
    check(not leaked, "events stored without consent")
    return f"phone 20:00 {offers(phone)}; desktop 12:00 {offers(desk)}"


def experiment_variations(s: Session) -> str:
    """5. Visitors land in variations deterministically, keep them, and exposures are logged."""
    bundle = latest_bundle(s.stack.store)
    check(bundle is not None, "no bundle at the origin")
    assert bundle is not None
    experiment = bundle.experiments[EXPERIMENT_ID]
    seen: dict[str, str] = {}
    for _ in range(12):
        ctx = s.context(consent="granted")
        page = ctx.new_page()
        page.goto("/")
        shown = hero(page)
        state = s.state(ctx)
        check(state is not None, "no state cookie for a consented visitor")
        assert state is not None
        expected = experiments_mod.assign(experiment, state.visitor_id, {}, {}, int(time.time()))
        check(shown == f"home-{expected}",
              f"visitor {state.visitor_id} sees {shown!r}; the core assigns {expected!r}")
        for _again in range(2):
            page.goto("/c/running")
            page.goto("/")
            check(hero(page) == shown, f"variation changed on a later visit: {hero(page)}")
        if expected not in seen.values():
            seen[state.visitor_id] = str(expected)
        if len(seen) == 2:
            break
    check(len(seen) == 2, f"12 visitors all landed in one variation: {seen}")
    for visitor, variation in seen.items():

        def exposures(v: str = visitor) -> list[dict[str, Any]]:
            return [e for e in s.events(v, "exposure")
                    if (e.get("props") or {}).get("experiment") == EXPERIMENT_ID]

        logged = wait_until(exposures, what="exposures")
        variations = {(e.get("props") or {}).get("variation") for e in logged}
        check(variations == {variation}, f"exposures of {visitor} name {variations}")
    return "variations " + ", ".join(f"{v}→{var}" for v, var in seen.items())


def privacy_controls(s: Session) -> str:
    """6. Privacy page: export, erasure (zero rows at the origin), then opt out."""
    ctx = s.context(consent="granted")
    page = ctx.new_page()
    for item in _items(s, "Backpacking Tent", 2):
        page.goto(item["url"])
    state = s.state(ctx)
    check(state is not None, "no state cookie after consent")
    assert state is not None
    visitor = state.visitor_id
    wait_until(lambda: len(s.events(visitor)) >= 2, what="the visit at the origin")
    page.goto("/privacy")
    page.wait_for_selector("#privacy-summary[data-state=present]")
    text = page.inner_text("#privacy-summary")
    check(visitor in text and "Recently viewed" in text, "the summary does not describe the state")
    page.click("#privacy-export-button")
    page.wait_for_selector("#privacy-export", state="visible")
    exported = json.loads(page.inner_text("#privacy-export"))
    check(len(exported["events"]) >= 2 and all(e["visitor"] == visitor
                                               for e in exported["events"]), "bad export")
    page.click("#privacy-erase")
    page.wait_for_selector("#privacy-result:has-text('Erased')")
    time.sleep(FORWARD_WAIT)
    held = s.stack.store.export_subject(visitor)
    rows = len(held["events"]) + len(held["consents"]) + (held["profile"] is not None)
    check(rows == 0, f"the origin still holds {rows} rows for {visitor}")
    page.click("#privacy-optout")
    page.wait_for_selector("#privacy-result:has-text('opted out')")
    tracked: list[str] = []
    ctx.on("request", lambda r: tracked.append(r.url) if "/_tailor/" in r.url else None)
    since = s.last_seq()
    boot = _items(s, "Hiking Boot", 1)[0]
    response = page.goto(boot["url"])
    check(_mode(response) == "contextual", "after opting out the page used a profile")
    check(s.state(ctx) is None, "a state cookie exists after opting out")
    page.goto("/c/hiking")
    page.click("main [data-tailor-item]")  # a click the snippet would track
    page.wait_for_load_state()
    page.goto("/")
    time.sleep(FORWARD_WAIT / 2)
    check(not tracked, f"the snippet still sent requests after opting out: {tracked}")
    leaked = [e for e in s.events_after(since)
              if e["item"] == boot["id"] or e["path"] in (boot["url"], "/c/hiking")]
    check(not leaked, f"{len(leaked)} events stored after opting out")
    return f"exported {len(exported['events'])} events, erased to 0 rows, opted out"


def origin_down(s: Session) -> str:
    """7. Origin stopped: cached pages still load; a forged bundle push is refused."""
    from origin.signing import Signer

    item = _items(s, "Rain Jacket", 1)[0]
    page = s.page(consent="granted")
    for path in ("/", item["url"]):
        page.goto(path)
    version, payload = _live_payload(s)
    s.stack.stop_origin()
    try:
        for path in ("/", item["url"]):
            response = page.goto(path)
            check(response is not None and response.status == 200, f"{path} failed")
            check(page.locator("[data-tailor-slot=recs] [data-recs]").count() == 1,
                  f"{path} lost its recommendations slot")
        check(page.inner_text("h1.product-title") == item["title"], "product page is wrong")
        with tempfile.TemporaryDirectory() as tmp:
            forger = Signer.load_or_create(Path(tmp))
            forged = forger.sign_bundle(version + 1, int(time.time()), payload)
        answer = httpx.put(s.stack.edge_url + "/_tailor/admin/bundle", content=forged,
                           timeout=30, headers={"Authorization":
                                                f"Bearer {s.stack.edge_admin_token}"})
        check(400 <= answer.status_code < 500, f"forged bundle answered {answer.status_code}")
        check(s.stack.edge_version() == version, "the edge swapped to a forged bundle")
        response = page.goto("/")
        check(response is not None and response.status == 200, "store broke after the push")
    finally:
        s.stack.start_origin()
    check(httpx.get(s.stack.origin_url + "/health", timeout=10).json()["ok"], "origin unhealthy")
    return f"pages served with the origin down; forged push → {answer.status_code}"


def browser_build(s: Session) -> str:
    """8. The core in a browser Web Worker decides exactly as the edge for the same input."""
    stack = s.stack
    version, payload = _live_payload(s)
    client = httpx.Client(base_url=stack.edge_url, timeout=30, headers={"user-agent": DESKTOP_UA},
                          cookies={"tailor_consent": "granted", "tailor_tz": "0"})
    for item in _items(s, "Hiking Boot", 3):
        client.get(item["url"])
    target = _items(s, "Daypack", 1)[0]["url"]
    for _attempt in range(5):
        cookie = client.cookies.get("tailor_s")
        started = int(time.time())
        response = client.get(target)
        if int(time.time()) == started:
            break
    check(cookie and response.status_code == 200, "no visitor cookie from the edge")
    defaults = httpx.get(stack.origin_url + target, timeout=10).text
    moment = time.gmtime(started)
    page_slots = ["hero", "promo", "cart_offer", "recs"]
    message: dict[str, Any] = {
        "op": "page", "now": started, "fresh_id": "browser", "debug_raise": False,
        "request": {
            "path": target, "query": {}, "device": "desktop", "country": None,
            "language": None, "referrer": None, "local_hour": moment.tm_hour,
            "weekday": moment.tm_wday, "attributes": {}, "profile": None,
            "consent": {"tcf": None, "gpc": False, "cookie": "granted"},
            "cookies": {"tailor_s": cookie, "tailor_consent": "granted"},
            "page_slots": page_slots}}
    page = s.page()
    page.goto("/cart")
    result = page.evaluate(WORKER_CALL, {
        "b64": base64.b64encode(payload).decode(), "version": version, "message": message,
        "key": stack.cookie_key_hex()})
    check(result.get("ok"), f"the browser worker failed: {result.get('error')}")
    out = result["out"]
    check(not out.get("error"), f"the browser decision failed: {out.get('error')}")
    for slot in page_slots:
        browser_html = out["slots"].get(slot)
        expected = slot_html(defaults, slot) if browser_html is None else browser_html
        check(slot_html(response.text, slot) == expected, f"slot {slot} differs: browser "
              f"{expected[:120]!r} vs edge {slot_html(response.text, slot)[:120]!r}")
    edge_cookie = response.cookies.get("tailor_s")
    check(edge_cookie == out["set_cookie"], "the new state cookie differs between edge and browser")
    return f"4 slots and the state cookie identical (segments {out['segments']})"


WORKER_CALL = """async ({b64, version, key, message}) => {
  const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const worker = new Worker('/static/decide-worker.js', {type: 'module'});
  try {
    return await new Promise((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve({ok: false, error: e.message || 'worker error'});
      worker.postMessage({payload: bin, version, cookie_key_hex: key, message});
    });
  } finally { worker.terminate(); }
}"""

JOURNEYS: list[tuple[str, Callable[[Session], str]]] = [
    ("no_consent_is_contextual", no_consent_is_contextual),
    ("hiking_resegmentation", hiking_resegmentation),
    ("cart_abandonment", cart_abandonment),
    ("mobile_evening", mobile_evening),
    ("experiment_variations", experiment_variations),
    ("privacy_controls", privacy_controls),
    ("origin_down", origin_down),
    ("browser_build", browser_build),
]


def run_all(stack: DemoStack, only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Run the journeys once, printing one line each; returns their results."""
    results = []
    with chromium() as browser:
        session = Session(browser, stack)
        for number, (name, journey) in enumerate(JOURNEYS, start=1):
            if only and name not in only and str(number) not in only:
                continue
            started = time.monotonic()
            try:
                with session.journey(name):
                    detail = journey(session)
                ok = True
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none hidden
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            seconds = round(time.monotonic() - started, 1)
            print(f"  journey {number} {name:26} {'PASS' if ok else 'FAIL'} ({seconds} s) "
                  f"{detail}", flush=True)
            results.append({"journey": name, "ok": ok, "detail": detail, "seconds": seconds})
    return results
