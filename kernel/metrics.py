"""Prometheus metrics, one registry per kernel (so per app): nothing shared between apps.

Tests build many apps in one process; prometheus-client's default registry is a module global
that would refuse the second app's collectors (and mix their counts), so every ``Metrics``
owns a fresh ``CollectorRegistry``. The kernel calls ``decision`` and ``transition`` where they
happen; the HTTP middleware counts requests by the route's pattern, never the raw path (which
would make one time series per application id and could carry personal numbers).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics import MetricWrapperBase

from .decision import Decision

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

        # ``labels()`` builds its key and takes a lock on every call: a served dry run looked
        # up four children. Each is looked up once here and kept (the label sets are few:
        # route patterns, processes, outcome kinds).
        self._children: dict[tuple, Any] = {}

    def _child(self, metric: MetricWrapperBase, *labels: str) -> Any:
        key = (id(metric), *labels)
        try:
            return self._children[key]
        except KeyError:
            child = self._children[key] = metric.labels(*labels)
            return child

    def decision(self, process: str, decision: Decision) -> None:
        """Count one decision and each outcome in it."""
        self._child(self.decisions, process, "ok" if decision.ok else "blocked").inc()
        kinds: dict[str, int] = {}
        for outcome in decision.outcomes:
            kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
        for kind, count in kinds.items():  # one locked increment per kind, not per outcome
            self._child(self.outcomes, process, kind).inc(count)

    def transition(self, process: str, name: str) -> None:
        """Count a transition that was taken (its state change committed)."""
        self._child(self.transitions, process, name).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._child(self.requests, method, route, str(status)).inc()
        self._child(self.latency, method, route).observe(seconds)

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
