"""Prometheus metrics, one registry per kernel (so per app): nothing shared between apps.

Tests build many apps in one process; prometheus-client's default registry is a module global
that would refuse the second app's collectors (and mix their counts), so every ``Metrics``
owns a fresh ``CollectorRegistry``. The kernel calls ``decision`` and ``transition`` where they
happen; the HTTP middleware counts requests by the route's pattern, never the raw path (which
would make one time series per application id and could carry personal numbers).
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from .decision import Decision
from .errors import Handler

UNMATCHED = "unmatched"
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The service's counters and histograms, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "govflow_http_requests",
            "HTTP requests answered, by method, route pattern and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "govflow_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route pattern",
            ["method", "route"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "govflow_decisions",
            "Decisions made (validate and transitions), by process and outcome ok/blocked",
            ["process", "outcome"],
            registry=self.registry,
        )
        self.outcomes = Counter(
            "govflow_decision_outcomes",
            "Outcomes in decisions, by process and kind (violation, requirement, notice)",
            ["process", "kind"],
            registry=self.registry,
        )
        self.transitions = Counter(
            "govflow_transitions",
            "Transitions taken, by process and transition name",
            ["process", "transition"],
            registry=self.registry,
        )

    def decision(self, process: str, decision: Decision) -> None:
        """Count one decision and each outcome in it."""
        self.decisions.labels(process, "ok" if decision.ok else "blocked").inc()
        for outcome in decision.outcomes:
            self.outcomes.labels(process, outcome.kind).inc()

    def transition(self, process: str, name: str) -> None:
        """Count a transition that was taken (its state change committed)."""
        self.transitions.labels(process, name).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self) -> bytes:
        """Everything, in the Prometheus text format."""
        return generate_latest(self.registry)


def route_pattern(request: web.Request) -> str:
    """The canonical pattern of the matched route (``/api/applications/{id}``)."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else UNMATCHED


def status_of(exc: BaseException) -> int:
    """The status an exception ends a request with (499: the client went away)."""
    if isinstance(exc, asyncio.CancelledError):
        return 499
    return exc.status if isinstance(exc, web.HTTPException) else 500


def of(request: web.Request) -> Metrics | None:
    """The app's metrics, held by its kernel (``None`` before the kernel is built)."""
    from .keys import KERNEL  # keys imports core, which imports this module

    kernel = request.app.get(KERNEL)
    return kernel.metrics if kernel is not None else None


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request and time it, errors included, by the route's pattern."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except BaseException as exc:
        status = status_of(exc)
        raise
    finally:
        metrics = of(request)
        if metrics is not None:
            elapsed = time.perf_counter() - started
            metrics.request(request.method, route_pattern(request), status, elapsed)
