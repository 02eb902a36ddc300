"""Push a stored bundle to every registered edge at once and record each edge's answer.

Edge API: `PUT {edge}/_tailor/admin/bundle[?rollback=1]` with `Authorization: Bearer <edge
admin token>` and the bundle bytes; the edge answers {"ok": bool, "version": int, "error"}.
An edge counts as updated only when it answers 200, ok true and the pushed version.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from typing import Any

import httpx

from origin.storage import Store

BUNDLE_PATH = "/_tailor/admin/bundle"
HEALTH_PATH = "/_tailor/health"


class PushError(LookupError):
    """The bundle to push does not exist."""


def normalize_edge_url(url: str) -> str:
    """Validate an edge base URL (http or https, no query) and drop a trailing slash."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"edge url is not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("edge url must be http(s)://host[:port][/base]")
    if parsed.query or parsed.fragment:
        raise ValueError("edge url must not have a query or fragment")
    return str(parsed).rstrip("/")


async def push_one(
    client: httpx.AsyncClient, edge: dict[str, Any], data: bytes, version: int, rollback: bool
) -> dict[str, Any]:
    """Send the bundle to one edge; never raises, the answer says what happened."""
    start = time.perf_counter()
    result: dict[str, Any] = {
        "url": edge["url"], "version": version, "rollback": rollback, "ok": False,
        "status": None, "answer": None, "error": None, "edge_version": None,
    }
    try:
        response = await client.put(
            edge["url"] + BUNDLE_PATH,
            params={"rollback": "1"} if rollback else None,
            content=data,
            headers={
                "Authorization": f"Bearer {edge['token']}",
                "Content-Type": "application/octet-stream",
            },
        )
        result["status"] = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = None
        result["answer"] = answer
        if isinstance(answer, dict):
            result["edge_version"] = answer.get("version")
            result["error"] = answer.get("error")
            result["ok"] = (
                response.status_code == 200 and answer.get("ok") is True
                and answer.get("version") == version
            )
        if not result["ok"] and result["error"] is None:
            result["error"] = f"edge answered {response.status_code} without ok/version"
    except httpx.HTTPError as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["ms"] = round((time.perf_counter() - start) * 1000, 3)
    return result


async def push_bundle(
    store: Store, version: int, *, rollback: bool = False, timeout: float = 10.0
) -> dict[str, Any]:
    """Push `version` to every registered edge concurrently; record and return the answers."""
    data = await asyncio.to_thread(store.get_bundle, version)
    if data is None:
        raise PushError(f"no bundle version {version}")
    edges = await asyncio.to_thread(store.edges, True)
    start = time.perf_counter()
    limits = httpx.Limits(max_connections=max(10, len(edges)))
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        results = await asyncio.gather(
            *(push_one(client, edge, data, version, rollback) for edge in edges)
        )
    elapsed_ms = round((time.perf_counter() - start) * 1000, 3)
    await asyncio.to_thread(store.record_pushes, list(results))
    return {
        "version": version,
        "rollback": rollback,
        "ok": all(r["ok"] for r in results),
        "updated": sum(1 for r in results if r["ok"]),
        "edges": list(results),
        "ms": elapsed_ms,
    }


def push_bundle_sync(
    store: Store, version: int, *, rollback: bool = False, timeout: float = 10.0
) -> dict[str, Any]:
    """Blocking form for the CLI and training scripts. Called where an event loop already
    runs in this thread (a notebook, a host embedding the CLI), it runs the push on a
    thread of its own rather than failing."""
    def run() -> dict[str, Any]:
        return asyncio.run(push_bundle(store, version, rollback=rollback, timeout=timeout))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


async def edge_health(edges: list[dict[str, Any]], timeout: float = 2.0) -> list[Any]:
    """Each edge's `/_tailor/health` JSON (or {"error": ...}), concurrently."""

    async def one(client: httpx.AsyncClient, url: str) -> Any:
        try:
            response = await client.get(url + HEALTH_PATH)
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}

    async with httpx.AsyncClient(timeout=timeout) as client:
        return list(await asyncio.gather(*(one(client, e["url"]) for e in edges)))
