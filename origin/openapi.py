"""The OpenAPI 3.1 document served at /openapi.json, written by hand from one table so it
stays short; a test checks that every mounted route appears in it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from origin import __version__
from origin.documents import KINDS

ERROR = {"$ref": "#/components/schemas/Error"}
EVENT = {
    "type": "object",
    "required": ["id", "type", "ts", "visitor"],
    "properties": {
        "id": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_.:-]+$"},
        "type": {"type": "string", "enum": [
            "view", "click", "hover", "dwell", "scroll", "add_to_cart", "remove_from_cart",
            "purchase", "search", "exposure"]},
        "ts": {"type": "number", "description": "Unix seconds or milliseconds"},
        "visitor": {"type": "string", "maxLength": 128},
        "item": {"type": ["string", "null"], "maxLength": 128},
        "value": {"type": ["number", "null"]},
        "query": {"type": ["string", "null"], "maxLength": 256},
        "path": {"type": ["string", "null"], "maxLength": 2048},
        "category": {"type": ["string", "null"], "maxLength": 128},
        "props": {"type": "object", "maxProperties": 16},
        "consent": {"$ref": "#/components/schemas/Consent"},
    },
    "additionalProperties": False,
}

# (method, path, summary, auth: "admin" | "edge" | None)
ROUTES: list[tuple[str, str, str, str | None]] = [
    ("get", "/health", "Liveness and store counters", None),
    ("get", "/metrics", "Prometheus metrics", None),
    ("get", "/openapi.json", "This document", None),
    ("get", "/v1/bundle-key", "The Ed25519 public key that signs bundles", None),
    ("post", "/v1/events", "Store a batch of consented events (202 after commit)", "edge"),
    ("post", "/v1/consent", "Record consent decisions", "edge"),
    ("get", "/v1/profiles/{visitor}", "A known visitor's profile for edges", "edge"),
    ("get", "/v1/subjects/{visitor}", "Access request: export everything held", "edge"),
    ("delete", "/v1/subjects/{visitor}", "Erasure request: delete, answer counts", "edge"),
    ("put", "/admin/profiles/{visitor}", "Set a visitor's profile", "admin"),
    ("post", "/admin/bundles", "Upload a signed bundle or a payload to sign", "admin"),
    ("get", "/admin/bundles", "List bundle versions", "admin"),
    ("get", "/admin/bundles/{version}", "A bundle file", "admin"),
    ("post", "/admin/bundles/{version}/push", "Push to every edge concurrently", "admin"),
    ("post", "/admin/bundles/{version}/rollback", "Push an older version (rollback)", "admin"),
    ("post", "/admin/edges", "Register an edge {url, token}", "admin"),
    ("get", "/admin/edges", "Edges and the version each serves (?live=1 asks them)", "admin"),
    ("delete", "/admin/edges", "Unregister an edge (?url=)", "admin"),
    ("get", "/admin/pushes", "Recent push answers", "admin"),
    ("get", "/admin/reports/experiments",
     "Per experiment and variation: visitors, conversions, Wilson 95% CI, lift, p-value", "admin"),
    ("get", "/admin/reports/blocks", "Per block and rule: exposures, click-through, conversions",
     "admin"),
    ("get", "/admin/reports/roi", "Personalization lift against the global holdout", "admin"),
    ("get", "/admin/dashboard", "HTML dashboard (bearer header or ?token=)", "admin"),
]
for _kind in KINDS:
    ROUTES += [
        ("get", f"/admin/{_kind}", f"List live {_kind}", "admin"),
        ("post", f"/admin/{_kind}", f"Create or update {_kind} (object, list or docs)", "admin"),
        ("get", f"/admin/{_kind}/{{doc_id}}", f"One of {_kind} (?version=)", "admin"),
        ("put", f"/admin/{_kind}/{{doc_id}}", f"New version of one of {_kind}", "admin"),
        ("delete", f"/admin/{_kind}/{{doc_id}}", f"Delete one of {_kind} (a new version)", "admin"),
        ("get", f"/admin/{_kind}/{{doc_id}}/versions", f"Version history of one of {_kind}",
         "admin"),
    ]

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/events"): {"content": {"application/json": {"schema": {"oneOf": [
        {"type": "object", "required": ["events"], "properties": {
            "events": {"type": "array", "maxItems": 500, "items": EVENT},
            "consent": {"$ref": "#/components/schemas/Consent"}}},
        {"type": "array", "maxItems": 500, "items": EVENT}]}}}},
    ("post", "/admin/bundles"): {"content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "application/msgpack": {"schema": {"type": "string", "format": "binary"}}}},
    ("post", "/admin/edges"): {"content": {"application/json": {"schema": {
        "type": "object", "required": ["url", "token"],
        "properties": {"url": {"type": "string"}, "token": {"type": "string"}}}}}},
}


def _operation(method: str, path: str, summary: str, auth: str | None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200": {"description": "OK"},
            "400": {"description": "Bad input", "content": {"application/json": {"schema": ERROR}}},
        },
    }
    params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
    if params:
        op["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ]
    if auth:
        op["security"] = [{"adminToken" if auth == "admin" else "edgeToken": []}]
        op["responses"]["401"] = {"description": "Missing or invalid bearer token"}
    if (method, path) in BODIES:
        op["requestBody"] = BODIES[(method, path)]
    if path == "/v1/events":
        op["responses"]["202"] = {"description": "Committed: {accepted, duplicates}"}
        op["responses"]["413"] = {"description": "Too many events or bytes"}
    return op


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, auth in ROUTES:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, auth)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tailor origin", "version": __version__},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer"},
                "edgeToken": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "index": {"type": "integer"},
                    "field": {"type": "string"},
                    "problems": {"type": "array", "items": {"type": "string"}}}},
                "Consent": {"type": "object", "required": ["profile"],
                            "properties": {"profile": {"type": "boolean"}}},
            },
        },
    }


async def openapi_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(document())
