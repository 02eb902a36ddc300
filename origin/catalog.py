"""Admin routes for the versioned documents: /admin/{items,blocks,slots,segments,rules,
experiments,config}. Every write makes a new version; deletes are versions too, so the
history of what was live when stays answerable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from origin.auth import require_admin
from origin.documents import KINDS, ConditionsUnavailable, DocumentError, validate
from origin.web import ApiError, read_json, services

MAX_DOCS_PER_REQUEST = 20000

Endpoint = Callable[[Request], Awaitable[Response]]


def _validate_all(kind: str, docs: list[Any]) -> list[dict[str, Any]]:
    out = []
    for index, doc in enumerate(docs):
        try:
            out.append(validate(kind, doc))
        except DocumentError as exc:
            raise ApiError(
                400, f"invalid {kind} document", index=index, problems=exc.problems
            ) from exc
        except ConditionsUnavailable as exc:
            raise ApiError(503, str(exc)) from exc
    return out


def _doc_id(request: Request) -> str:
    doc_id: str = request.path_params["doc_id"]
    return doc_id


def _version_param(request: Request) -> int | None:
    raw = request.query_params.get("version")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, "version must be an integer", field="version") from exc


def handlers(kind: str) -> dict[str, Endpoint]:
    """The endpoints of one kind (distinct functions so metrics label them apart)."""

    async def list_docs(request: Request) -> JSONResponse:
        require_admin(request)
        docs = await run_in_threadpool(services(request).store.list_docs, kind)
        return JSONResponse({"kind": kind, "docs": docs})

    async def create_docs(request: Request) -> JSONResponse:
        require_admin(request)
        svc = services(request)
        body = await read_json(request, svc.config.limits.max_admin_body_bytes)
        if isinstance(body, dict) and isinstance(body.get("docs"), list):
            body = body["docs"]
        docs = body if isinstance(body, list) else [body]
        if len(docs) > MAX_DOCS_PER_REQUEST:
            raise ApiError(413, f"at most {MAX_DOCS_PER_REQUEST} documents per request")
        ids = [d.get("id") for d in docs if isinstance(d, dict)]
        if len(set(map(str, ids))) != len(ids):
            raise ApiError(400, "duplicate ids in one request", field="id")
        valid = _validate_all(kind, docs)
        versions = await run_in_threadpool(svc.store.put_docs, kind, valid)
        answer = [{"id": d["id"], "version": v} for d, v in zip(valid, versions, strict=True)]
        return JSONResponse({"kind": kind, "stored": answer}, status_code=201)

    async def get_doc(request: Request) -> JSONResponse:
        require_admin(request)
        doc_id, version = _doc_id(request), _version_param(request)
        doc = await run_in_threadpool(services(request).store.get_doc, kind, doc_id, version)
        if doc is None:
            raise ApiError(404, f"no {kind} document {doc_id!r}")
        return JSONResponse(doc)

    async def put_doc(request: Request) -> JSONResponse:
        require_admin(request)
        svc = services(request)
        doc_id = _doc_id(request)
        body = await read_json(request, svc.config.limits.max_admin_body_bytes)
        if not isinstance(body, dict):
            raise ApiError(400, "document must be a JSON object")
        if body.setdefault("id", doc_id) != doc_id:
            raise ApiError(400, "id in the body differs from the path", field="id")
        (valid,) = _validate_all(kind, [body])
        version = await run_in_threadpool(svc.store.put_doc, kind, valid)
        return JSONResponse({"kind": kind, "id": doc_id, "version": version})

    async def delete_doc(request: Request) -> JSONResponse:
        require_admin(request)
        doc_id = _doc_id(request)
        version = await run_in_threadpool(services(request).store.delete_doc, kind, doc_id)
        if version is None:
            raise ApiError(404, f"no {kind} document {doc_id!r}")
        return JSONResponse({"kind": kind, "id": doc_id, "version": version, "deleted": True})

    async def doc_versions(request: Request) -> JSONResponse:
        require_admin(request)
        doc_id = _doc_id(request)
        versions = await run_in_threadpool(
            services(request).store.doc_versions, kind, doc_id
        )
        if not versions:
            raise ApiError(404, f"no {kind} document {doc_id!r}")
        return JSONResponse({"kind": kind, "id": doc_id, "versions": versions})

    return {
        "list": list_docs, "create": create_docs, "get": get_doc, "put": put_doc,
        "delete": delete_doc, "versions": doc_versions,
    }


def routes() -> list[Route]:
    out = []
    for kind in KINDS:
        h = handlers(kind)
        base = f"/admin/{kind}"
        out += [
            Route(base, h["list"], methods=["GET"]),
            Route(base, h["create"], methods=["POST"]),
            Route(base + "/{doc_id}", h["get"], methods=["GET"]),
            Route(base + "/{doc_id}", h["put"], methods=["PUT"]),
            Route(base + "/{doc_id}", h["delete"], methods=["DELETE"]),
            Route(base + "/{doc_id}/versions", h["versions"], methods=["GET"]),
        ]
    return out
