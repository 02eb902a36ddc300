"""Shared HTTP plumbing: the services a route reaches, JSON errors, bounded body reading.

Every error leaves the origin as JSON {"error": ...} with a 4xx status for bad input; a 500
means a bug in the origin, never bad input.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from origin.config import Config
from origin.signing import Signer
from origin.storage import Store

if TYPE_CHECKING:
    from origin.metrics import Metrics

log = logging.getLogger("tailor.origin")


@dataclass
class Services:
    """What route handlers need, reachable as `request.app.state.services`."""

    config: Config
    store: Store
    signer: Signer
    metrics: Metrics


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


class ApiError(Exception):
    """An error answer: status, message, and extra JSON fields (e.g. index, field)."""

    def __init__(
        self,
        status: int,
        error: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, **self.extra}, status_code=self.status, headers=self.headers
        )


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing with 413 as soon as it exceeds `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError as exc:
            raise ApiError(400, "invalid Content-Length") from exc
        if size > limit:
            raise ApiError(413, f"body too large: {size} bytes > {limit}", limit=limit)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise ApiError(413, f"body too large: more than {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


_HIGH = rb"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
LONE_SURROGATE = re.compile(rb"(?:" + _HIGH + rb"(?!" + _LOW + rb"))|(?<!" + _HIGH + rb")" + _LOW)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(body: bytes) -> Any:
    """Strict JSON: no NaN/Infinity, no lone surrogates (neither can be stored and served
    back as JSON), bounded nesting. Raises ApiError(400)."""
    if not body:
        raise ApiError(400, "empty body: JSON expected")
    if b"\\u" in body and LONE_SURROGATE.search(body):
        raise ApiError(400, "body is not valid JSON: lone surrogate escape")
    try:
        return json.loads(body, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ApiError(400, "body is not valid JSON: nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"body is not valid JSON: {exc}") from exc


async def read_json(request: Request, limit: int) -> Any:
    """The parsed JSON body (400 when it is not JSON, 413 when too large)."""
    return parse_json(await read_body(request, limit))


def json_object(value: Any, what: str = "body") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, f"{what} must be a JSON object", field=what)
    return value


def int_param(request: Request, name: str) -> int:
    raw = request.path_params.get(name, request.query_params.get(name))
    try:
        value = int(str(raw))
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"{name} must be an integer", field=name) from exc
    if not 0 <= value < 2**62:
        raise ApiError(400, f"{name} is out of range", field=name)
    return value


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"error": "internal error"}, status_code=500)


EXCEPTION_HANDLERS = {
    ApiError: api_error_handler,
    HTTPException: http_error_handler,
    Exception: server_error_handler,
}
