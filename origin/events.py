"""`POST /v1/events`: validate a batch of behaviour events and store it whole or not at all.

Validation is strict and names the first bad event's index and field, because a silently
dropped field is a training bug found weeks later. Events are stored only with profile
consent: the edge forwards only consented events, and the origin checks again.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from core.state import EVENT_TYPES
from origin.auth import require_edge
from origin.config import Limits
from origin.storage import EventRow, WriterClosed
from origin.web import ApiError, read_json, services

TYPES = frozenset(EVENT_TYPES)
ID_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}\Z")
VISITOR_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,128}\Z")
ID_MATCH = ID_RE.match
VISITOR_MATCH = VISITOR_RE.match
FIELDS = frozenset(
    {"id", "type", "ts", "visitor", "item", "value", "query", "path", "category", "props",
     "consent"}
)
MS_THRESHOLD = 100_000_000_000
"""A timestamp above this is in milliseconds (1e11 s is the year 5138)."""
MAX_SAFE = 2**53
TEXT_LIMITS = {"item": 128, "query": 256, "path": 2048, "category": 128}
PROP_KEY_MAX = 64
PROP_TEXT_MAX = 256
CONSENT_HINT = 'consent with "profile": true is required to store events'


class EventError(ValueError):
    """The first problem found in a batch: which event, which field, what is wrong."""

    def __init__(self, index: int | None, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.index = index
        self.field = field
        self.message = message
        self.status = status


def has_profile_consent(consent: Any) -> bool:
    """True for a consent map that grants profile-based storage ({"profile": true})."""
    return isinstance(consent, dict) and consent.get("profile") is True


def _number(value: Any) -> float | None:
    """A finite float from a JSON number, else None (bools and huge integers included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _props(index: int, value: Any, limits: Limits) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise EventError(index, "props", "props must be an object")
    if len(value) > limits.max_props:
        raise EventError(index, "props", f"at most {limits.max_props} props")
    for key, item in value.items():
        if len(key) > PROP_KEY_MAX:
            raise EventError(index, f"props.{key[:PROP_KEY_MAX]}", "prop name too long")
        if isinstance(item, str):
            if len(item) > PROP_TEXT_MAX:
                raise EventError(index, f"props.{key}", f"at most {PROP_TEXT_MAX} characters")
        elif item is not None and not isinstance(item, bool) and _number(item) is None:
            raise EventError(index, f"props.{key}", "prop values: string, finite number, bool")
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def parse_event(
    index: int, event: Any, batch_consent: Any, now: float, limits: Limits
) -> EventRow:
    """One validated event as a storage row (ts in integer seconds)."""
    if type(event) is not dict:
        raise EventError(index, "event", "event must be an object")
    if not event.keys() <= FIELDS:
        unknown = sorted(set(event) - FIELDS)[0]
        raise EventError(index, unknown, "unknown field")
    get = event.get
    event_id = get("id")
    if type(event_id) is not str or not ID_MATCH(event_id):
        raise EventError(index, "id", "id must be 1-64 characters of A-Z a-z 0-9 _ - . :")
    event_type = get("type")
    if event_type not in TYPES:
        raise EventError(index, "type", f"type must be one of {', '.join(EVENT_TYPES)}")
    visitor = get("visitor")
    if type(visitor) is not str or not VISITOR_MATCH(visitor):
        raise EventError(
            index, "visitor", "visitor must be 1-128 characters of A-Z a-z 0-9 _ - . :"
        )
    ts = get("ts")
    if type(ts) is not int or not -MAX_SAFE < ts < MAX_SAFE:
        ts = _number(ts)
        if ts is None:
            raise EventError(index, "ts", "ts must be a finite number (seconds or milliseconds)")
    if ts > MS_THRESHOLD:
        ts /= 1000.0
    if ts > now + limits.max_future_seconds:
        raise EventError(index, "ts", "ts is in the future")
    if ts < now - limits.max_age_seconds:
        raise EventError(index, "ts", "ts is too old")
    item = get("item")
    query = get("query")
    path = get("path")
    category = get("category")
    for name, text in (("item", item), ("query", query), ("path", path), ("category", category)):
        if text is not None and (type(text) is not str or len(text) > TEXT_LIMITS[name]):
            limit = TEXT_LIMITS[name]
            raise EventError(index, name, f"{name} must be a string of at most {limit} characters")
    value = get("value")
    if value is not None:
        value = _number(value)
        if value is None:
            raise EventError(index, "value", "value must be a finite number")
    consent = get("consent", batch_consent)
    if type(consent) is not dict or consent.get("profile") is not True:
        raise EventError(index, "consent", CONSENT_HINT)
    props = get("props")
    props_json = None if props is None else _props(index, props, limits)
    return (event_id, visitor, event_type, int(ts), item, value, query, path, category, props_json)


def parse_batch(body: Any, now: float, limits: Limits) -> list[EventRow]:
    """Validate a batch ({"events": [...], "consent": {...}} or a bare list) into rows."""
    batch_consent = None
    if isinstance(body, dict):
        events = body.get("events")
        batch_consent = body.get("consent")
        if batch_consent is not None and not isinstance(batch_consent, dict):
            raise EventError(None, "consent", "consent must be an object")
    else:
        events = body
    if not isinstance(events, list):
        raise EventError(None, "events", "body must be {\"events\": [...]} or a list of events")
    if len(events) > limits.max_events:
        raise EventError(None, "events", f"at most {limits.max_events} events per batch", 413)
    return [parse_event(i, event, batch_consent, now, limits) for i, event in enumerate(events)]


async def post_events(request: Request) -> JSONResponse:
    """Store a batch; 202 only after the transaction holding it has committed."""
    require_edge(request)
    svc = services(request)
    limits = svc.config.limits
    body = await read_json(request, limits.max_body_bytes)
    now = time.time()
    try:
        rows = parse_batch(body, now, limits)
    except EventError as exc:
        svc.metrics.events_rejected.labels(field=exc.field.split(".")[0]).inc()
        extra: dict[str, Any] = {"field": exc.field}
        if exc.index is not None:
            extra["index"] = exc.index
        raise ApiError(exc.status, exc.message, **extra) from exc
    try:
        future = svc.store.submit_events(rows, int(now))
    except WriterClosed as exc:
        raise ApiError(503, "store is shutting down") from exc
    accepted, duplicates, dropped = await asyncio.wrap_future(future)
    svc.metrics.events_accepted.inc(accepted)
    svc.metrics.events_duplicate.inc(duplicates)
    answer = {"accepted": accepted, "duplicates": duplicates}
    if dropped:
        svc.metrics.events_dropped.inc(dropped)
        answer["dropped"] = dropped
    return JSONResponse(answer, status_code=202)
