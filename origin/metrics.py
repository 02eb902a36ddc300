"""Prometheus metrics: one registry per app (so tests can run several apps in a process) and
a pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot ingest path)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("tailor.access")
QUIET_ROUTES = frozenset({"/v1/events", "/metrics", "/health"})
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The origin's counters and histograms."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "tailor_http_requests", "HTTP requests", ("method", "route", "status"), registry=r
        )
        self.latency = Histogram(
            "tailor_http_request_seconds", "Request latency", ("route",),
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.events_accepted = Counter(
            "tailor_events_accepted", "Events stored", registry=r
        )
        self.events_duplicate = Counter(
            "tailor_events_duplicate", "Events already stored (same id)", registry=r
        )
        self.events_dropped = Counter(
            "tailor_events_dropped", "Events of erased visitors, dropped", registry=r
        )
        self.events_rejected = Counter(
            "tailor_events_rejected_batches", "Batches refused, by field", ("field",), registry=r
        )
        self.pushes = Counter(
            "tailor_bundle_pushes", "Bundle pushes to edges", ("ok",), registry=r
        )
        self.push_seconds = Histogram(
            "tailor_bundle_push_seconds", "Time to push one bundle to every edge",
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.bundles = Counter("tailor_bundles_stored", "Bundles stored", registry=r)
        self.erasures = Counter("tailor_erasures", "Data-subject erasures", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.services.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts requests and times them, labelled by route template (not by raw path)."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, route_of: Callable[[Any], str]
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.route_of = route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = self.route_of(scope.get("endpoint"))
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            elapsed = time.perf_counter() - start
            self.metrics.latency.labels(route).observe(elapsed)
            level = logging.DEBUG if status < 400 and route in QUIET_ROUTES else logging.INFO
            if access_log.isEnabledFor(level):
                access_log.log(
                    level, "request",
                    extra={"method": scope["method"], "path": scope["path"], "route": route,
                           "status": status, "ms": round(elapsed * 1000, 3)},
                )
