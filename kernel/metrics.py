"""Prometheus metrics, one registry per kernel (so per app): nothing shared between apps.

Tests build many apps in one process; prometheus-client's default registry is a module global
that would refuse the second app's collectors (and mix their counts), so every ``Metrics``
owns a fresh ``CollectorRegistry``. The kernel calls ``decision`` and ``transition`` where they
happen; the HTTP middleware counts requests by the route's pattern, never the raw path (which
would make one time series per application id and could carry personal numbers).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import threading
from collections.abc import Iterator, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from prometheus_client.utils import INF, floatToGoString

from .decision import Decision

UNMATCHED = "unmatched"
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The service's counters and histograms, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.tally = Tally()
        self.registry.register(self.tally)
        self.transitions = Counter(
            "govflow_transitions",
            "Transitions taken, by process and transition name",
            ["process", "transition"],
            registry=self.registry,
        )

    def decision(self, process: str, decision: Decision) -> None:
        """Count one decision and each outcome in it."""
        self.tally.decision(process, decision)

    def transition(self, process: str, name: str) -> None:
        """Count a transition that was taken (its state change committed)."""
        self.transitions.labels(process, name).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.tally.request(method, route, status, seconds)

    def exposition(self) -> bytes:
        """Everything, in the Prometheus text format."""
        return generate_latest(self.registry)


class Tally(Collector):
    """What every request and every decision counts, kept as plain numbers and handed to
    Prometheus when it scrapes.

    prometheus-client's counters and histograms take a lock and several calls per increment:
    a served dry run spent 15-20 µs counting itself (a request, its time, a decision and its
    outcome kinds). Here an increment is a dictionary update under one lock, and the families
    are built at scrape time, with the names, labels and buckets the client's own
    ``Counter``/``Histogram`` would expose.
    """

    def __init__(self, buckets: Sequence[float] = Histogram.DEFAULT_BUCKETS) -> None:
        self.bounds = tuple(float(b) for b in buckets if b != INF)
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[tuple[str, str], list[float]] = {}  # count per bucket, then sum
        self._decisions: dict[tuple[str, str], int] = {}
        self._outcomes: dict[tuple[str, str], int] = {}

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        key, bucket = (method, route), bisect.bisect_left(self.bounds, seconds)
        with self._lock:
            counted = (method, route, str(status))
            self._requests[counted] = self._requests.get(counted, 0) + 1
            latency = self._latency.get(key)
            if latency is None:
                latency = self._latency[key] = [0.0] * (len(self.bounds) + 2)
            latency[bucket] += 1
            latency[-1] += seconds

    def decision(self, process: str, decision: Decision) -> None:
        verdict = (process, "ok" if decision.ok else "blocked")
        with self._lock:
            self._decisions[verdict] = self._decisions.get(verdict, 0) + 1
            for outcome in decision.outcomes:
                kind = (process, outcome.kind)
                self._outcomes[kind] = self._outcomes.get(kind, 0) + 1

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            requests, decisions = dict(self._requests), dict(self._decisions)
            outcomes = dict(self._outcomes)
            latency = {key: list(counts) for key, counts in self._latency.items()}
        yield _counter(
            "govflow_http_requests",
            "HTTP requests answered, by method, route pattern and status",
            ["method", "route", "status"],
            requests,
        )
        histogram = HistogramMetricFamily(
            "govflow_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route pattern",
            labels=["method", "route"],
        )
        les = [floatToGoString(b) for b in self.bounds] + ["+Inf"]
        for labels, counts in latency.items():
            cumulative = list(itertools.accumulate(counts[:-1]))
            histogram.add_metric(labels, list(zip(les, cumulative, strict=True)), counts[-1])
        yield histogram
        yield _counter(
            "govflow_decisions",
            "Decisions made (validate and transitions), by process and outcome ok/blocked",
            ["process", "outcome"],
            decisions,
        )
        yield _counter(
            "govflow_decision_outcomes",
            "Outcomes in decisions, by process and kind (violation, requirement, notice)",
            ["process", "kind"],
            outcomes,
        )


def _counter(
    name: str, documentation: str, labels: list[str], counts: dict[tuple[str, ...], int]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for values, count in counts.items():
        family.add_metric(values, count)
    return family


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
