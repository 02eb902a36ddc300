"""Known visitors' long-term profiles: `GET /v1/profiles/{id}` for edges (edge token) and
`PUT /admin/profiles/{id}` for operators. Per-visitor data lives here, never in a bundle."""

from __future__ import annotations

import math
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from origin.auth import require_admin, require_edge
from origin.events import VISITOR_RE
from origin.web import ApiError, read_json, services

PROFILE_FIELDS = frozenset({"segments", "propensities", "candidates", "expires_at"})
MAX_SEGMENTS = 100
MAX_CANDIDATES = 500


def validate_profile(body: Any, now: int) -> tuple[dict[str, Any], int]:
    """(profile without expiry, expires_at) or a 400 naming the field."""
    if not isinstance(body, dict):
        raise ApiError(400, "profile must be a JSON object")
    unknown = set(body) - PROFILE_FIELDS
    if unknown:
        raise ApiError(400, "unknown field", field=sorted(unknown)[0])
    segments = body.get("segments", [])
    if not (isinstance(segments, list) and len(segments) <= MAX_SEGMENTS
            and all(isinstance(s, str) and 0 < len(s) <= 128 for s in segments)):
        raise ApiError(400, f"segments: at most {MAX_SEGMENTS} ids", field="segments")
    props = body.get("propensities", {})
    if not (isinstance(props, dict) and len(props) <= MAX_SEGMENTS and all(
        isinstance(v, float) and math.isfinite(v) or type(v) is int and abs(v) < 2**53
        for v in props.values()
    )):
        raise ApiError(400, "propensities: {model id: finite number}", field="propensities")
    candidates = body.get("candidates", [])
    if not (isinstance(candidates, list) and len(candidates) <= MAX_CANDIDATES
            and all(isinstance(c, str) and 0 < len(c) <= 128 for c in candidates)):
        raise ApiError(400, f"candidates: at most {MAX_CANDIDATES} item ids", field="candidates")
    expires_at = body.get("expires_at")
    if type(expires_at) is not int or not now < expires_at < 2**62:
        raise ApiError(400, "expires_at: integer Unix seconds in the future", field="expires_at")
    return {"segments": segments, "propensities": props, "candidates": candidates}, expires_at


def _visitor(request: Request) -> str:
    visitor: str = request.path_params["visitor"]
    if not VISITOR_RE.match(visitor):
        raise ApiError(400, "invalid visitor id", field="visitor")
    return visitor


async def get_profile(request: Request) -> JSONResponse:
    """The visitor's profile {segments, propensities, candidates, expires_at}, or 404."""
    require_edge(request)
    visitor = _visitor(request)
    profile = await run_in_threadpool(services(request).store.get_profile, visitor)
    if profile is None:
        raise ApiError(404, "no profile for this visitor")
    expires_at = profile["expires_at"]
    max_age = max(0, min(3600, expires_at - int(time.time())))
    return JSONResponse(
        {
            "segments": profile.get("segments", []),
            "propensities": profile.get("propensities", {}),
            "candidates": profile.get("candidates", []),
            "expires_at": expires_at,
        },
        headers={"Cache-Control": f"private, max-age={max_age}"},
    )


async def put_profile(request: Request) -> JSONResponse:
    require_admin(request)
    svc = services(request)
    visitor = _visitor(request)
    body = await read_json(request, svc.config.limits.max_body_bytes)
    profile, expires_at = validate_profile(body, int(time.time()))
    if svc.store.is_erased(visitor):
        raise ApiError(409, "visitor was erased; its profile is not stored", field="visitor")
    await run_in_threadpool(svc.store.put_profile, visitor, profile, expires_at)
    return JSONResponse({"visitor": visitor, "expires_at": expires_at})


def routes() -> list[Route]:
    return [
        Route("/v1/profiles/{visitor}", get_profile, methods=["GET"]),
        Route("/admin/profiles/{visitor}", put_profile, methods=["PUT"]),
    ]
