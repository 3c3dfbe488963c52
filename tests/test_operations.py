"""What an operator sees: Prometheus metrics, JSON logs with request ids, masked, and health."""

from __future__ import annotations

import dataclasses
import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kernel import logs
from kernel.app import create_app
from kernel.db import database

from .factories import CHANGE_DOCUMENT as DOCUMENT
from .factories import make_unit, qr_login

INCOMPLETE = {"matter": "change", "uscc": "1110000000004JUR69"}


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(create_app(dataclasses.replace(config, public_operations=True)))


@pytest.fixture
def log_lines():
    """The JSON lines the kernel's loggers write during a test, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("govflow")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


async def samples(client) -> dict[tuple[str, frozenset], float]:
    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    found = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_a_validate_request_and_its_blocked_decision(client):
    response = await client.post(
        "/api/processes/codeassign/validate", json={"document": INCOMPLETE}
    )
    assert response.status == 200 and (await response.json())["ok"] is False
    found = await samples(client)
    route = "/api/processes/{process}/validate"  # the pattern, not the raw path
    assert (
        value(found, "govflow_http_requests_total", method="POST", route=route, status="200") == 1
    )
    assert value(found, "govflow_http_request_duration_seconds_count", method="POST", route=route)
    assert value(found, "govflow_decisions_total", process="codeassign", outcome="blocked") == 1
    assert value(found, "govflow_decisions_total", process="codeassign", outcome="ok") == 0
    assert value(found, "govflow_decision_outcomes_total", process="codeassign", kind="violation")


async def test_metrics_count_transitions_taken(client):
    await make_unit("unit-a", "110108", agreed=False)
    unit = await qr_login("unit-a")
    agreed = await client.post(
        "/api/auth/agreements",
        headers=unit,
        json={"text_id": "codeassign.login", "version": "2024-01"},
    )
    assert agreed.status == 201
    created = await client.post(
        "/api/applications",
        headers=unit,
        json={"process": "codeassign", "matter": "change", "data": DOCUMENT},
    )
    draft = await created.json()
    submitted = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit",
        headers={**unit, "If-Match": created.headers["ETag"]},
    )
    assert submitted.status == 200, await submitted.text()
    found = await samples(client)
    assert value(found, "govflow_transitions_total", process="codeassign", transition="submit") == 1
    # two decisions: whether the matter may be applied for online (create), then the submit
    assert value(found, "govflow_decisions_total", process="codeassign", outcome="ok") == 2


async def test_each_app_counts_in_its_own_registry(aiohttp_client, client, config):
    await client.post("/api/processes/codeassign/validate", json={"document": INCOMPLETE})
    other = await aiohttp_client(create_app(dataclasses.replace(config, public_operations=True)))
    found = await samples(other)
    assert value(found, "govflow_decisions_total", process="codeassign", outcome="blocked") == 0


async def test_unmatched_paths_are_counted_under_one_label(client):
    await client.get("/api/applications/130701199001010311/nothing-here")
    found = await samples(client)
    assert (
        value(found, "govflow_http_requests_total", method="GET", route="unmatched", status="404")
        == 1
    )


async def test_a_request_id_sent_in_is_echoed_and_in_the_access_log_line(client, log_lines):
    response = await client.get("/api/processes", headers={"X-Request-Id": "trace-42.a"})
    assert response.headers["X-Request-Id"] == "trace-42.a"
    [line] = [line for line in log_lines() if line["logger"] == "govflow.access"]
    assert line["request_id"] == "trace-42.a"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/processes", 200)
    assert line["level"] == "INFO" and line["time"] and isinstance(line["ms"], float)


async def test_a_request_without_a_usable_id_gets_a_new_one(client, log_lines):
    plain = await client.get("/api/processes")
    forged = await client.get("/api/processes", headers={"X-Request-Id": 'x" injected=1'})
    ids = [plain.headers["X-Request-Id"], forged.headers["X-Request-Id"]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]
    assert [line["request_id"] for line in log_lines()] == ids


async def test_problems_carry_the_request_id_too(client, log_lines):
    response = await client.get("/api/auth/me", headers={"X-Request-Id": "r-401"})
    assert response.status == 401 and response.headers["X-Request-Id"] == "r-401"
    assert log_lines()[-1]["status"] == 401


def test_id_numbers_and_mobiles_are_masked_in_log_lines(log_lines):
    logger = logging.getLogger("govflow.test")
    logger.info(
        "申请人13070119900101031X，手机13800138000，另 +86 139-1234-5678",
        extra={"id_number": "110101199003077777"},
    )
    [line] = log_lines()
    assert line["message"] == "申请人1307**********031X，手机138****8000，另 +86 139****5678"
    assert line["id_number"] == "1101**********7777"
    assert line["request_id"] is None  # outside a request


def test_log_lines_inside_a_request_context_carry_its_id(log_lines):
    token = logs.request_id.set("ctx-7")
    try:
        logging.getLogger("govflow.test").warning("something to see")
    finally:
        logs.request_id.reset(token)
    assert log_lines()[0]["request_id"] == "ctx-7"
    assert log_lines()[0]["level"] == "WARNING"


def test_serve_configures_json_lines_on_the_root_logger(served_logging):
    stream = io.StringIO()
    handler = logs.configure("INFO", stream)
    assert logging.getLogger().handlers == [handler]
    logging.getLogger("aiohttp.server").error("boom 13800138000")
    handler.flush()  # written by the handler's own thread
    line = json.loads(stream.getvalue())
    assert line["logger"] == "aiohttp.server" and line["message"] == "boom 138****8000"


async def test_healthz_reports_the_database(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"
    await database.close()
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 503
    assert body["status"] == "degraded" and body["database"] == "unreachable"
