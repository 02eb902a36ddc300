"""Bearer-token checks: the admin token guards /admin/*; the edge token (or the admin token)
guards what edges call: profiles, event and consent ingest, and the data-subject routes the
edge calls on a visitor's behalf (export and erasure from the privacy page)."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from origin.web import ApiError, services

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tailor"'}


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _matches(token: str | None, expected: str) -> bool:
    return token is not None and hmac.compare_digest(token.encode(), expected.encode())


def require_admin(request: Request) -> None:
    """401 unless the request carries the admin token."""
    token = bearer_token(request)
    if not _matches(token, services(request).config.admin_token):
        raise ApiError(
            401,
            "admin token required" if token is None else "invalid admin token",
            headers=CHALLENGE,
        )


def require_edge(request: Request) -> None:
    """401 unless the request carries the edge token (the admin token is accepted too)."""
    token = bearer_token(request)
    config = services(request).config
    if not (_matches(token, config.edge_token) or _matches(token, config.admin_token)):
        raise ApiError(
            401,
            "edge token required" if token is None else "invalid edge token",
            headers=CHALLENGE,
        )
