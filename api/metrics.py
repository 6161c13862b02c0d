"""Prometheus metrics of one API instance: requests, latency, accepted changes, plan time, throttling.

Each app has its own registry, so several servers in one process (tests) do not mix figures.
Routes are labelled by their template (`/v1/tenants/{tenant_id}`), never by raw path, and methods by
their name only when HTTP defines it: any other method, and any path no route matched, is `other`.
A client chooses both freely (h11 accepts any token as a method), so a label taken from either would
let every request add a series (issue 22: 300 unauthenticated requests added 470 kB).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ApiMetrics", "MetricsMiddleware", "CONTENT_TYPE_LATEST"]

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
"""The methods the API can route (RFC 9110 section 9 less CONNECT and TRACE, plus RFC 5789's PATCH)."""
OTHER = "other"


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("dbaas_api_requests", "HTTP requests answered.", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("dbaas_api_request_duration_seconds", "Time to answer a request.", ["method", "route"],
                                 registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.changes = Counter("dbaas_api_changes", "Accepted changes committed on a branch.", ["operation"],
                               registry=self.registry)
        self.plan_seconds = Histogram("dbaas_api_plan_diff_duration_seconds", "Time to compute a change's plan diff.",
                                      registry=self.registry, buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
        self.throttled = Counter("dbaas_api_rate_limited", "Requests refused by the per-org rate limit.", ["org"],
                                 registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", OTHER)
            method = scope["method"] if scope["method"] in KNOWN_METHODS else OTHER
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
