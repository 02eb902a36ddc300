"""The app factory and ways to run it: `create_app(config)`, `serve(config)` (blocking) and
`ServerThread` (uvicorn on a free loopback port in a thread, for tests and the demo)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Route

from origin import __version__, bundles, catalog, events, profiles, report_routes, subjects
from origin import logging as jsonlog
from origin.config import Config
from origin.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from origin.openapi import openapi_endpoint
from origin.signing import Signer
from origin.storage import Store
from origin.web import EXCEPTION_HANDLERS, Services, services

STARTED = time.time()


async def health(request: Request) -> JSONResponse:
    svc = services(request)
    latest = await run_in_threadpool(svc.store.latest_bundle_version)
    return JSONResponse({
        "ok": True, "version": __version__, "uptime_s": round(time.time() - STARTED, 3),
        "latest_bundle": latest, "commits": svc.store.commits,
    })


async def bundle_key(request: Request) -> Any:
    signer = services(request).signer
    if request.query_params.get("format") == "pem":
        return PlainTextResponse(signer.public_pem(), media_type="application/x-pem-file")
    return JSONResponse({
        "key_id": signer.key_id, "alg": "Ed25519", "raw_base64": signer.public_raw_b64(),
        "pem": signer.public_pem(),
    })


def all_routes() -> list[BaseRoute]:
    return [
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/openapi.json", openapi_endpoint, methods=["GET"]),
        Route("/v1/bundle-key", bundle_key, methods=["GET"]),
        Route("/v1/events", events.post_events, methods=["POST"]),
        *subjects.routes(),
        *profiles.routes(),
        *bundles.routes(),
        *catalog.routes(),
        *report_routes.routes(),
    ]


def create_app(config: Config) -> Starlette:
    """The origin service; the store and key pair open now and close with the lifespan."""
    store = Store(config.db_path)
    signer = Signer.load_or_create(config.key_dir)
    metrics = Metrics()
    routes = all_routes()
    paths = {getattr(r, "endpoint", None): getattr(r, "path", "") for r in routes}

    def route_of(endpoint: Any) -> str:
        return paths.get(endpoint, "unmatched")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(MetricsMiddleware, metrics=metrics, route_of=route_of)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.services = Services(config=config, store=store, signer=signer, metrics=metrics)
    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve(config: Config) -> None:
    """Run the origin in the foreground until interrupted."""
    jsonlog.setup(config.log_level)
    uvicorn.run(
        create_app(config), host=config.host, port=config.port, access_log=False,
        log_config=jsonlog.uvicorn_log_config(config.log_level), timeout_graceful_shutdown=5,
    )


class ServerThread:
    """uvicorn serving `create_app(config)` on 127.0.0.1 in a background thread."""

    def __init__(self, config: Config, port: int | None = None) -> None:
        self.app = create_app(config)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, access_log=False, log_config=None,
            lifespan="on",
        ))
        self.thread = threading.Thread(target=self.server.run, name="tailor-origin", daemon=True)

    @property
    def services(self) -> Services:
        found: Services = self.app.state.services
        return found

    def start(self, timeout: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("origin server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(config: Config) -> Iterator[ServerThread]:
    """`with running(config) as server:` — a started ServerThread, stopped on exit."""
    server = ServerThread(config).start()
    try:
        yield server
    finally:
        server.stop()
