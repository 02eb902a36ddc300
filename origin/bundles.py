"""Bundle versions and edges: store signed bundles, list and fetch them, push and roll back.

Training calls `store_bundle(store, signer, payload_map)`; operators may also upload a
bundle file signed with the origin's key (application/octet-stream) or an unsigned
msgpack payload map (application/msgpack) for the origin to number and sign.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import msgpack  # type: ignore[import-untyped]
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from origin.auth import require_admin
from origin.push import PushError, edge_health, normalize_edge_url, push_bundle
from origin.signing import SCHEMA, BundleVerifyError, Signer, verify_bundle
from origin.storage import Store
from origin.web import ApiError, int_param, read_body, read_json, services

MSGPACK_TYPES = ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack")


def store_bundle(
    store: Store, signer: Signer, payload_map: dict[str, Any], now: int | None = None
) -> int:
    """Number, sign and store a payload map; returns the new (monotonic) version.

    The payload's `schema`, `version` and `created_at` are set to match the header.
    """
    created_at = int(time.time()) if now is None else now
    for _attempt in range(10):
        version = (store.latest_bundle_version() or 0) + 1
        payload = {**payload_map, "schema": SCHEMA, "version": version, "created_at": created_at}
        encoded = msgpack.packb(payload, use_bin_type=True)
        data = signer.sign_bundle(version, created_at, encoded)
        try:
            store.add_bundle(version, data, signer.key_id, created_at)
        except sqlite3.IntegrityError:
            continue  # another writer took this version; number again
        return version
    raise RuntimeError("could not allocate a bundle version")


def store_signed_bundle(store: Store, signer: Signer, data: bytes) -> int:
    """Verify an uploaded bundle against the origin's key and store it under its version."""
    header, _payload = verify_bundle(data, signer.public)
    version = int(header["version"])
    try:
        store.add_bundle(version, data, str(header.get("key_id", "")), int(header["created_at"]))
    except sqlite3.IntegrityError as exc:
        raise ApiError(409, f"bundle version {version} already exists", field="version") from exc
    return version


async def upload_bundle(request: Request) -> JSONResponse:
    require_admin(request)
    svc = services(request)
    body = await read_body(request, svc.config.limits.max_admin_body_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in MSGPACK_TYPES:
            try:
                payload = msgpack.unpackb(body, raw=False, strict_map_key=False)
            except Exception as exc:  # noqa: BLE001 - msgpack raises several types
                raise ApiError(400, f"body is not msgpack: {exc}") from exc
            if not isinstance(payload, dict):
                raise ApiError(400, "payload must be a msgpack map")
            version = await run_in_threadpool(store_bundle, svc.store, svc.signer, payload)
        elif content_type == "application/octet-stream":
            version = await run_in_threadpool(store_signed_bundle, svc.store, svc.signer, body)
        else:
            raise ApiError(
                415, "send a signed bundle (application/octet-stream) or a payload map"
                " (application/msgpack)",
            )
    except BundleVerifyError as exc:
        raise ApiError(400, f"bundle rejected: {exc}") from exc
    svc.metrics.bundles.inc()
    return JSONResponse({"version": version}, status_code=201)


async def list_bundles(request: Request) -> JSONResponse:
    require_admin(request)
    bundles = await run_in_threadpool(services(request).store.list_bundles)
    return JSONResponse({"bundles": bundles})


async def get_bundle(request: Request) -> Response:
    require_admin(request)
    version = int_param(request, "version")
    data = await run_in_threadpool(services(request).store.get_bundle, version)
    if data is None:
        raise ApiError(404, f"no bundle version {version}")
    return Response(data, media_type="application/octet-stream")


async def _push(request: Request, rollback: bool) -> JSONResponse:
    require_admin(request)
    svc = services(request)
    version = int_param(request, "version")
    try:
        result = await push_bundle(
            svc.store, version, rollback=rollback, timeout=svc.config.push_timeout
        )
    except PushError as exc:
        raise ApiError(404, str(exc)) from exc
    svc.metrics.push_seconds.observe(result["ms"] / 1000)
    for edge in result["edges"]:
        svc.metrics.pushes.labels(ok=str(edge["ok"]).lower()).inc()
    return JSONResponse(result, status_code=200 if result["ok"] else 502)


async def push_version(request: Request) -> JSONResponse:
    """Push a version to every edge; 502 when some edge did not take it (answers inside)."""
    return await _push(request, rollback=False)


async def rollback_version(request: Request) -> JSONResponse:
    """Explicit rollback: edges accept an older version only with ?rollback=1."""
    return await _push(request, rollback=True)


async def add_edge(request: Request) -> JSONResponse:
    require_admin(request)
    svc = services(request)
    body = await read_json(request, svc.config.limits.max_body_bytes)
    if not isinstance(body, dict):
        raise ApiError(400, "body must be {url, token}")
    url, token = body.get("url"), body.get("token")
    if not isinstance(url, str):
        raise ApiError(400, "url: required string", field="url")
    try:
        url = normalize_edge_url(url)
    except ValueError as exc:
        raise ApiError(400, str(exc), field="url") from exc
    if not isinstance(token, str) or not 8 <= len(token) <= 512:
        raise ApiError(400, "token: required string of 8-512 characters", field="token")
    await run_in_threadpool(svc.store.add_edge, url, token)
    return JSONResponse({"url": url}, status_code=201)


async def list_edges(request: Request) -> JSONResponse:
    """Registered edges with the version each confirmed; ?live=1 also asks each edge."""
    require_admin(request)
    edges = await run_in_threadpool(services(request).store.edges)
    if request.query_params.get("live") in ("1", "true"):
        for edge, health in zip(edges, await edge_health(edges), strict=True):
            edge["health"] = health
    return JSONResponse({"edges": edges})


async def delete_edge(request: Request) -> JSONResponse:
    require_admin(request)
    url = request.query_params.get("url")
    if not url:
        raise ApiError(400, "url query parameter required", field="url")
    removed = await run_in_threadpool(services(request).store.remove_edge, url.rstrip("/"))
    if not removed:
        raise ApiError(404, "no such edge")
    return JSONResponse({"url": url, "removed": True})


async def list_pushes(request: Request) -> JSONResponse:
    require_admin(request)
    return JSONResponse({"pushes": await run_in_threadpool(services(request).store.pushes)})


def routes() -> list[Route]:
    return [
        Route("/admin/bundles", upload_bundle, methods=["POST"]),
        Route("/admin/bundles", list_bundles, methods=["GET"]),
        Route("/admin/bundles/{version}", get_bundle, methods=["GET"]),
        Route("/admin/bundles/{version}/push", push_version, methods=["POST"]),
        Route("/admin/bundles/{version}/rollback", rollback_version, methods=["POST"]),
        Route("/admin/edges", add_edge, methods=["POST"]),
        Route("/admin/edges", list_edges, methods=["GET"]),
        Route("/admin/edges", delete_edge, methods=["DELETE"]),
        Route("/admin/pushes", list_pushes, methods=["GET"]),
    ]
