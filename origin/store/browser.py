"""Browser plumbing for the journeys: Debian's Chromium through Playwright, visitor contexts
(device, time zone, consent), reading the visitor's verified state, waiting, screenshots."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import cookie as cookie_mod
from core.settings import Settings
from core.state import VisitorState

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from origin.demo import DemoStack


def latest_bundle(store: Any) -> Any:
    """The latest bundle stored at the origin, decoded with the core (None when none)."""
    import msgpack  # type: ignore[import-untyped]

    from core import bundle as bundle_mod

    version = store.latest_bundle_version()
    if version is None:
        return None
    signed = msgpack.unpackb(store.get_bundle(version), raw=False)
    payload = msgpack.unpackb(signed["payload"], raw=False, strict_map_key=False)
    return bundle_mod.load(payload)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
DESKTOP_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36")
"""A real desktop Chrome UA: headless Chromium's own says HeadlessChrome, which the edge
rightly classifies as a bot."""
PHONE = {"user_agent": ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 "
                        "Safari/604.1"),
         "viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
RESULTS = Path("test-results")


class JourneyFailed(AssertionError):
    """A journey's expectation did not hold; the message says which."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise JourneyFailed(message)


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """The first truthy value of `predicate` within `timeout` seconds, else JourneyFailed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise JourneyFailed(f"timed out after {timeout} s waiting for {what or 'condition'}")
        time.sleep(0.1)


def tz_for_hour(target_hour: int, now: float | None = None) -> tuple[str, int]:
    """An IANA zone (Etc/GMT±h) where it is now `target_hour` o'clock, and its offset in
    minutes east of UTC (what the tracking snippet stores in `tailor_tz`)."""
    utc_hour = time.gmtime(now).tm_hour
    offset = (target_hour - utc_hour + 12) % 24 - 12
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    return name, offset * 60


class Session:
    """One Chromium for a run; contexts opened by a journey are closed (and screenshotted
    on failure) by `journey()`."""

    def __init__(self, browser: Browser, stack: DemoStack) -> None:
        self.browser = browser
        self.stack = stack
        self.contexts: list[BrowserContext] = []

    def context(self, *, consent: str | None = None, phone: bool = False,
                hour: int | None = None) -> BrowserContext:
        zone, offset = tz_for_hour(hour) if hour is not None else ("Etc/GMT", 0)
        options: dict[str, Any] = dict(PHONE) if phone else {"user_agent": DESKTOP_UA}
        ctx = self.browser.new_context(base_url=self.stack.edge_url, timezone_id=zone,
                                       locale="en-US", **options)
        host = "127.0.0.1"
        cookies: list[Any] = [{"name": "tailor_tz", "value": str(offset), "domain": host,
                               "path": "/"}]
        if consent is not None:
            cookies.append({"name": "tailor_consent", "value": consent, "domain": host,
                            "path": "/"})
        ctx.add_cookies(cookies)
        ctx.set_default_timeout(20_000)
        self.contexts.append(ctx)
        return ctx

    def page(self, **kw: Any) -> Page:
        return self.context(**kw).new_page()

    def state(self, ctx: BrowserContext) -> VisitorState | None:
        """The visitor's state cookie, verified with the edge's key and decoded."""
        raw = next((c["value"] for c in ctx.cookies() if c["name"] == "tailor_s"), None)
        key = bytes.fromhex(self.stack.cookie_key_hex())
        if not raw or cookie_mod.unpack(raw, key) is None:
            return None
        return cookie_mod.decode(raw, key, int(time.time()), "-", Settings())

    def last_seq(self) -> int:
        """The newest event row's sequence number (read straight from the SQLite file)."""
        path = self.stack.config.db_path
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])

    def events_after(self, seq: int) -> list[dict[str, Any]]:
        return list(self.stack.store.iter_events(after_seq=seq))

    def events(self, visitor: str, kind: str | None = None) -> list[dict[str, Any]]:
        held = self.stack.store.export_subject(visitor)["events"]
        return [e for e in held if kind is None or e["type"] == kind]

    @contextmanager
    def journey(self, name: str) -> Iterator[None]:
        try:
            yield
        except BaseException:
            RESULTS.mkdir(exist_ok=True)
            for i, ctx in enumerate(self.contexts):
                for j, pg in enumerate(ctx.pages):
                    try:
                        pg.screenshot(path=str(RESULTS / f"journey-{name}-{i}-{j}.png"),
                                      full_page=True)
                    except Exception:  # noqa: BLE001 - a screenshot must not hide the failure
                        pass
            raise
        finally:
            for ctx in self.contexts:
                try:
                    ctx.close()
                except Exception:  # noqa: BLE001
                    pass
            self.contexts = []


def attr(page: Page, selector: str, name: str) -> str | None:
    """An attribute of the first match, or None when nothing matches."""
    loc = page.locator(selector)
    return loc.first.get_attribute(name) if loc.count() else None


def hero(page: Page) -> str | None:
    return attr(page, "[data-tailor-slot=hero] [data-hero]", "data-hero")


def offers(page: Page) -> list[str]:
    return [str(v) for v in page.locator("[data-offer]").evaluate_all(
        "els => els.map(e => e.getAttribute('data-offer'))")]


def rec_categories(page: Page) -> list[str]:
    return [str(v) for v in page.locator("[data-tailor-slot=recs] [data-category]").evaluate_all(
        "els => els.map(e => e.getAttribute('data-category'))")]


SLOT_END = {"hero": '<div class="slot-promo"', "promo": '<div class="slot-cart-offer"',
            "cart_offer": '<main id="main">', "recs": '<footer class="bottom">'}


def slot_html(document: str, slot: str) -> str:
    """The children of one slot in a store page (the store's layout fixes what follows)."""
    start = re.search(rf'data-tailor-slot="{slot}">', document)
    if start is None:
        raise JourneyFailed(f"slot {slot} missing from the page")
    end = document.index(SLOT_END[slot], start.end())
    inner = document[start.end():end].rstrip()
    return re.sub(r"</(div|section)>$", "", inner)


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
