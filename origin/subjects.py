"""Consent records and data-subject requests (access and erasure).

`POST /v1/consent` (edge token) records decisions; `GET /v1/subjects/{id}` exports everything
held about a visitor; `DELETE /v1/subjects/{id}` erases events, consent records and profile
and leaves only a hashed tombstone. Subject requests take the admin token (an operator who
verified who is asking) or the edge token: an edge asks only for the visitor id inside a
state cookie it verified itself, on that visitor's own request from the privacy page.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from origin.auth import require_edge
from origin.events import MS_THRESHOLD, VISITOR_RE
from origin.web import ApiError, Services, read_json, services

log = logging.getLogger("tailor.subjects")
MODEL_PROFILES = Path("models") / "profiles.json"
"""Per-visitor output of `tailor train` under the data directory: {visitor: profile}."""

CONSENT_FIELDS = frozenset({"visitor", "ts", "profile", "purposes", "tcf", "gpc", "source"})
MAX_RECORDS = 500


def parse_consent(index: int, record: Any, now: float) -> dict[str, Any]:
    """One validated consent record, ready for `Store.add_consents`."""

    def bad(field: str, message: str) -> ApiError:
        return ApiError(400, message, index=index, field=field)

    if not isinstance(record, dict):
        raise bad("record", "consent record must be an object")
    unknown = set(record) - CONSENT_FIELDS
    if unknown:
        raise bad(sorted(unknown)[0], "unknown field")
    visitor = record.get("visitor")
    if not isinstance(visitor, str) or not VISITOR_RE.match(visitor):
        raise bad("visitor", "visitor must be 1-128 characters of A-Z a-z 0-9 _ - . :")
    profile = record.get("profile")
    if not isinstance(profile, bool):
        raise bad("profile", "profile must be true or false")
    purposes = record.get("purposes", [])
    if not (
        isinstance(purposes, list) and len(purposes) <= 32
        and all(isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= 32 for p in purposes)
    ):
        raise bad("purposes", "purposes must be a list of TCF purpose numbers 1-32")
    tcf = record.get("tcf")
    if tcf is not None and (not isinstance(tcf, str) or len(tcf) > 4096):
        raise bad("tcf", "tcf must be a string of at most 4096 characters or null")
    gpc = record.get("gpc", False)
    if not isinstance(gpc, bool):
        raise bad("gpc", "gpc must be true or false")
    source = record.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > 64):
        raise bad("source", "source must be a string of at most 64 characters or null")
    ts = record.get("ts", now)
    if not (isinstance(ts, float) and math.isfinite(ts) or type(ts) is int and abs(ts) < 2**53):
        raise bad("ts", "ts must be a number (seconds or milliseconds)")
    if ts > MS_THRESHOLD:
        ts = ts / 1000.0
    if ts > now + 300:
        raise bad("ts", "ts is in the future")
    return {
        "visitor": visitor, "ts": int(ts), "profile": profile, "purposes": purposes,
        "tcf": tcf, "gpc": gpc, "source": source,
    }


async def post_consent(request: Request) -> JSONResponse:
    """Record one consent decision (an object) or several ({"records": [...]} or a list)."""
    require_edge(request)
    svc = services(request)
    body = await read_json(request, svc.config.limits.max_body_bytes)
    if isinstance(body, dict) and "records" in body:
        body = body["records"]
    records = body if isinstance(body, list) else [body]
    if len(records) > MAX_RECORDS:
        raise ApiError(413, f"at most {MAX_RECORDS} consent records per request")
    now = time.time()
    parsed = [parse_consent(i, r, now) for i, r in enumerate(records)]
    seqs = await run_in_threadpool(svc.store.add_consents, parsed)
    return JSONResponse({"recorded": len(seqs)}, status_code=201)


def _subject(request: Request) -> str:
    visitor: str = request.path_params["visitor"]
    if not VISITOR_RE.match(visitor):
        raise ApiError(400, "visitor id must be 1-128 characters of A-Z a-z 0-9 _ - . :",
                       field="visitor")
    return visitor


def _model_profiles(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / MODEL_PROFILES
    if not path.exists():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("unreadable model profiles file", extra={"path": str(path)})
        return None
    return loaded if isinstance(loaded, dict) else None


def model_profile(data_dir: Path, visitor: str) -> Any:
    """The visitor's entry in the trained models' per-visitor output, if any."""
    held = _model_profiles(data_dir)
    return None if held is None else held.get(visitor)


def scrub_model_profiles(data_dir: Path, visitor: str) -> int:
    """Remove the visitor from the trained models' per-visitor output (atomic rewrite)."""
    held = _model_profiles(data_dir)
    if held is None or visitor not in held:
        return 0
    del held[visitor]
    path = data_dir / MODEL_PROFILES
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(held), encoding="utf-8")
    os.replace(tmp, path)
    return 1


def export(svc: Services, visitor: str) -> dict[str, Any]:
    held = svc.store.export_subject(visitor)
    held["model_profile"] = model_profile(svc.config.data_dir, visitor)
    return dict(held)


def erase(svc: Services, visitor: str) -> dict[str, int]:
    counts = dict(svc.store.erase_subject(visitor))
    counts["model_profiles"] = scrub_model_profiles(svc.config.data_dir, visitor)
    return counts


async def get_subject(request: Request) -> JSONResponse:
    """Access request: everything held about the visitor."""
    require_edge(request)
    visitor = _subject(request)
    return JSONResponse(await run_in_threadpool(export, services(request), visitor))


async def delete_subject(request: Request) -> JSONResponse:
    """Erasure request: delete from the store and from the models' per-visitor output, and
    answer with the counts deleted. Bundles carry no per-visitor data, so the next one
    carries no trace either."""
    require_edge(request)
    svc = services(request)
    visitor = _subject(request)
    counts = await run_in_threadpool(erase, svc, visitor)
    svc.metrics.erasures.inc()
    return JSONResponse({"visitor": visitor, "deleted": counts, "erased": True})


def routes() -> list[Route]:
    return [
        Route("/v1/consent", post_consent, methods=["POST"]),
        Route("/v1/subjects/{visitor}", get_subject, methods=["GET"]),
        Route("/v1/subjects/{visitor}", delete_subject, methods=["DELETE"]),
    ]
