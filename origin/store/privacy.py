"""The visitor privacy page: what the site holds about this visitor, in words, and buttons
to reset personalization, opt out, and request export or erasure at the origin.

The page itself is cacheable like every page. Its script then POSTs to `/privacy/*`, which
the edge passes through with the visitor's cookies. The origin verifies the state cookie
with the key it shares with its edges (`sha256(secret)`, exactly as the edge derives it),
decodes it with `core.cookie`, and computes the visitor's segments with `core.decide` on the
latest stored bundle, so the words describe what the edge actually uses. Export and erasure
act on the visitor id inside the verified cookie only, so nobody can ask for someone else's.
"""

from __future__ import annotations

import hashlib
import html
import time
import uuid
from collections.abc import Mapping
from typing import Any

import msgpack  # type: ignore[import-untyped]
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core import bundle as bundle_mod
from core import cookie as cookie_mod
from core.decide import decide
from core.state import VisitorState
from origin.store.content import SEGMENT_WORDS
from origin.store.pages import page, render, site_of
from origin.web import services

STATE_COOKIE = "tailor_s"
CONSENT_COOKIE = "tailor_consent"
NO_STORE = {"Cache-Control": "no-store"}


def cookie_key(secret: str) -> bytes:
    """The state cookie's HMAC key as the edge derives it from `--cookie-key`."""
    return hashlib.sha256(secret.encode("utf-8")).digest()


class BundleCache:
    """The latest stored bundle, decoded once per version (for segment words)."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.bundle: bundle_mod.Bundle | None = None

    def get(self, store: Any) -> bundle_mod.Bundle | None:
        version = store.latest_bundle_version()
        if version is None:
            return None
        if version != self.version:
            signed = msgpack.unpackb(store.get_bundle(version), raw=False)
            payload = msgpack.unpackb(signed["payload"], raw=False, strict_map_key=False)
            self.bundle, self.version = bundle_mod.load(payload), version
        return self.bundle


def read_state(request: Request, key: bytes | None, now: int) -> VisitorState | None:
    """The visitor's verified state, or None (no cookie, bad signature, no shared key)."""
    raw = request.cookies.get(STATE_COOKIE)
    if not raw or key is None or cookie_mod.unpack(raw, key) is None:
        return None
    state = cookie_mod.decode(raw, key, now, "-", _settings())
    return None if state.visitor_id == "-" else state


def _settings() -> Any:
    from core.settings import Settings

    return Settings()


def segments_of(bundle: bundle_mod.Bundle | None, state: VisitorState, consent: str | None,
                now: int) -> list[str]:
    """The segments the edge would compute for this visitor on a plain page."""
    if bundle is None:
        return []
    request: dict[str, Any] = {
        "path": "/privacy", "query": {}, "page_slots": [], "device": "desktop",
        "country": None, "language": None, "referrer": None, "local_hour": 12,
        "weekday": 0, "consent": {"tcf": None, "gpc": False, "cookie": consent},
        "profile": None, "attributes": {}}
    decision = decide(bundle, request, state, now)
    return list(decision.segments)


def _li(text: str) -> str:
    return f"<li>{html.escape(text)}</li>"


def describe(state: VisitorState | None, segments: list[str], consent: str | None,
             titles: Mapping[str, str], now: int) -> str:
    """The summary in words (HTML)."""
    consent_text = {None: "You have not chosen yet: the shop is tailored only to the page, "
                          "your device and the time of day.",
                    "granted": "You allowed personalization.",
                    "denied": "You opted out: nothing about your visits is kept or sent."}
    parts = [f'<p class="consent-state">{html.escape(consent_text.get(consent, consent or ""))}'
             "</p>"]
    if state is None:
        parts.append('<p class="no-state">This browser holds no personalization cookie from us, '
                     "and nothing about this browser is stored at our origin.</p>")
        return "".join(parts)
    lines = [f"Visitor id (random, set by us): {state.visitor_id}",
             f"Visits: {state.visit_count}; pages in this visit: {state.session_pages}"]
    interests = sorted(((k.partition(":")[2], c.value) for k, c in state.interests.items()
                        if k.startswith("category:")), key=lambda p: -p[1])
    if interests:
        lines.append("Interests (fading over days): " + ", ".join(
            f"{name} ({value:.1f})" for name, value in interests[:6]))
    if state.recent_items:
        lines.append("Recently viewed: " + ", ".join(
            titles.get(i, i) for i in reversed(state.recent_items[-6:])))
    if state.cart:
        lines.append("In your cart: " + ", ".join(titles.get(i, i) for i in state.cart))
    if state.purchases:
        lines.append(f"Purchases remembered: {len(state.purchases)}")
    for exp, variation in sorted(state.assignments.items()):
        lines.append(f"Experiment {exp}: you see variation {variation.partition('@')[0]}")
    day = now - 86400
    for block, shown in sorted(state.exposures.items()):
        recent = sum(1 for ts in shown if ts >= day)
        if recent:
            lines.append(f"Shown {block.replace('_', ' ')} {recent} time(s) in the last day")
    seg = [SEGMENT_WORDS.get(s, f"{s}: a group found by clustering past visits.")
           for s in segments]
    parts.append('<ul class="facts">' + "".join(_li(t) for t in lines) + "</ul>")
    parts.append("<h3>Segments</h3>" + ('<ul class="segments">' + "".join(_li(t) for t in seg)
                 + "</ul>" if seg else "<p>You are in no segment.</p>"))
    return "".join(parts)


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(STATE_COOKIE, path="/", httponly=True, samesite="lax")


async def privacy_page(request: Request) -> Response:
    main = (
        '<div class="privacy"><h1>Your privacy</h1>'
        '<p>Your consent choice: <b id="privacy-consent">…</b></p>'
        '<section><h2>What we hold about you</h2><div id="privacy-summary" data-state="loading">'
        "Loading…</div></section>"
        "<section><h2>Your choices</h2>"
        '<button type="button" data-privacy="reset" id="privacy-reset">Reset personalization'
        '</button><button type="button" data-privacy="optout" id="privacy-optout">Opt out'
        '</button><button type="button" data-privacy="export" id="privacy-export-button">'
        'Export my data</button><button type="button" data-privacy="erase" id="privacy-erase">'
        'Erase my data</button><p id="privacy-result" role="status" hidden></p>'
        '<pre id="privacy-export" hidden></pre></section></div>'
    )
    return page(render(title="Your privacy", page_type="privacy", main=main), request=request)


def _store_of(request: Request) -> Any:
    return services(request).store


async def summary(request: Request) -> Response:
    site = site_of(request)
    now = int(time.time())
    state = read_state(request, site.cookie_key, now)
    consent = request.cookies.get(CONSENT_COOKIE)
    segments: list[str] = []
    if state is not None:
        bundle = await run_in_threadpool(site.bundles.get, _store_of(request))
        segments = segments_of(bundle, state, consent, now)
    titles = {i: str(it["title"]) for i, it in site.by_id.items()}
    return JSONResponse({
        "has_state": state is not None, "visitor": state.visitor_id if state else None,
        "consent": consent, "segments": segments,
        "html": describe(state, segments, consent, titles, now),
    }, headers=NO_STORE)


async def reset(request: Request) -> Response:
    response = JSONResponse({"reset": True}, headers=NO_STORE)
    _clear_cookie(response)
    return response


async def export(request: Request) -> Response:
    state = read_state(request, site_of(request).cookie_key, int(time.time()))
    if state is None:
        return JSONResponse({"error": "no personalization cookie: nothing is held", "events": []},
                            status_code=404, headers=NO_STORE)
    held = await run_in_threadpool(_store_of(request).export_subject, state.visitor_id)
    return JSONResponse(held, headers={**NO_STORE, "Content-Disposition":
                                       'attachment; filename="my-data.json"'})


async def erase(request: Request) -> Response:
    state = read_state(request, site_of(request).cookie_key, int(time.time()))
    if state is None:
        return JSONResponse({"erased": False, "error": "no personalization cookie to erase"},
                            status_code=404, headers=NO_STORE)
    counts = await run_in_threadpool(_store_of(request).erase_subject, state.visitor_id)
    response = JSONResponse({"erased": True, "visitor": state.visitor_id, "deleted": counts},
                            headers=NO_STORE)
    _clear_cookie(response)
    return response


def new_secret() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex


def routes() -> list[Route]:
    return [
        Route("/privacy", privacy_page, methods=["GET", "HEAD"]),
        Route("/privacy/summary", summary, methods=["POST"]),
        Route("/privacy/reset", reset, methods=["POST"]),
        Route("/privacy/export", export, methods=["POST"]),
        Route("/privacy/erase", erase, methods=["POST"]),
    ]
