"""The counts kept as plain numbers scrape exactly as prometheus-client's own metrics would."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.parser import text_string_to_metric_families

from kernel.decision import Decision, Outcome
from kernel.metrics import Metrics
from kernel.rules.model import Text

ROUTE = "/api/processes/{process}/validate"
#: Below, on and above bucket bounds, and past the last one (the +Inf bucket).
SECONDS = [0.0004, 0.005, 0.0051, 0.1, 0.75, 9.99, 10.0, 42.0]


def samples(registry) -> set[tuple]:
    from prometheus_client.exposition import generate_latest

    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")  # the client's own creation times
    }


def blocked(*kinds: str) -> Decision:
    outcomes = tuple(Outcome(f"r{n}", kind, Text("规则", "rule")) for n, kind in enumerate(kinds))
    return Decision(dt.date(2026, 12, 4), (), outcomes)


def test_requests_latency_and_decisions_scrape_as_the_client_s_metrics_would():
    ours = Metrics()
    theirs = CollectorRegistry()
    requests = Counter("govflow_http_requests", "", ["method", "route", "status"], registry=theirs)
    latency = Histogram(
        "govflow_http_request_duration_seconds", "", ["method", "route"], registry=theirs
    )
    decisions = Counter("govflow_decisions", "", ["process", "outcome"], registry=theirs)
    outcomes = Counter("govflow_decision_outcomes", "", ["process", "kind"], registry=theirs)
    for n, seconds in enumerate(SECONDS):
        status = 200 if n % 3 else 422
        ours.request("POST", ROUTE, status, seconds)
        requests.labels("POST", ROUTE, str(status)).inc()
        latency.labels("POST", ROUTE).observe(seconds)
    ours.request("GET", "unmatched", 404, 0.001)
    requests.labels("GET", "unmatched", "404").inc()
    latency.labels("GET", "unmatched").observe(0.001)
    for decision in (blocked("violation", "violation", "notice"), blocked(), blocked("notice")):
        ours.decision("codeassign", decision)
        decisions.labels("codeassign", "ok" if decision.ok else "blocked").inc()
        for outcome in decision.outcomes:
            outcomes.labels("codeassign", outcome.kind).inc()
    transitions = {s for s in samples(ours.registry) if s[0].startswith("govflow_transitions")}
    assert samples(ours.registry) - transitions == samples(theirs)
