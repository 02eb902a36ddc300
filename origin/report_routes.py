"""Admin report routes: /admin/reports/{experiments,blocks,roi} (JSON) and /admin/dashboard
(one HTML page). Query parameters: `since`, `until` (Unix seconds), `window_days`
(attribution window, default 7), `goal` (purchase | add_to_cart), `limit` (blocks)."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from origin import dashboard
from origin.auth import CHALLENGE, require_admin
from origin.reporting import (
    GOALS,
    Period,
    blocks_report,
    definitions,
    experiments_report,
    roi_report,
)
from origin.reports import DAY
from origin.web import ApiError, services


def _int(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name} must be an integer", field=name) from exc
    if not 0 <= value < 2**53:
        raise ApiError(400, f"{name} is out of range", field=name)
    return value


def period(request: Request) -> Period:
    """The report period from the query string (400 on bad values)."""
    raw = request.query_params.get("window_days", "7")
    try:
        days = float(raw)
    except ValueError as exc:
        raise ApiError(400, "window_days must be a number", field="window_days") from exc
    if not 0 < days <= 90:
        raise ApiError(400, "window_days must be in (0, 90]", field="window_days")
    goal = request.query_params.get("goal", "purchase")
    if goal not in GOALS:
        raise ApiError(400, f"goal must be one of {', '.join(GOALS)}", field="goal")
    return Period(since=_int(request, "since", None), until=_int(request, "until", None),
                  window=int(round(days * DAY)), goal=goal)


async def experiments(request: Request) -> JSONResponse:
    require_admin(request)
    svc, p = services(request), period(request)

    def run() -> dict[str, Any]:
        return experiments_report(svc.store, definitions(svc.store, svc.signer.public), p)

    return JSONResponse(await run_in_threadpool(run))


async def blocks(request: Request) -> JSONResponse:
    require_admin(request)
    svc, p = services(request), period(request)
    limit = _int(request, "limit", 50) or 50
    return JSONResponse(await run_in_threadpool(blocks_report, svc.store, p, min(limit, 1000)))


async def roi(request: Request) -> JSONResponse:
    require_admin(request)
    svc, p = services(request), period(request)

    def run() -> dict[str, Any]:
        return roi_report(svc.store, definitions(svc.store, svc.signer.public), p)

    return JSONResponse(await run_in_threadpool(run))


def _dashboard_auth(request: Request) -> None:
    """A browser opens the page by link, so `?token=` is accepted beside the bearer header."""
    token = request.query_params.get("token")
    if token is None:
        require_admin(request)
        return
    expected = services(request).config.admin_token
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(401, "invalid admin token", headers=CHALLENGE)


async def dashboard_page(request: Request) -> HTMLResponse:
    _dashboard_auth(request)
    svc, p = services(request), period(request)

    def run() -> dict[str, Any]:
        defs = definitions(svc.store, svc.signer.public)
        return {
            "edges": svc.store.edges(),
            "latest_bundle": svc.store.latest_bundle_version(),
            "experiments": experiments_report(svc.store, defs, p),
            "roi": roi_report(svc.store, defs, p),
            "blocks": blocks_report(svc.store, p, 20),
        }

    data = await run_in_threadpool(run)
    return HTMLResponse(dashboard.render(data), headers={
        "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
                                   "style-src 'unsafe-inline'; connect-src 'self'",
    })


def routes() -> list[Route]:
    return [
        Route("/admin/reports/experiments", experiments, methods=["GET"]),
        Route("/admin/reports/blocks", blocks, methods=["GET"]),
        Route("/admin/reports/roi", roi, methods=["GET"]),
        Route("/admin/dashboard", dashboard_page, methods=["GET"]),
    ]
