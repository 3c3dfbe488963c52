"""A bounded fuzz of every operation from the API's own OpenAPI document (#12, "kept as tests").

schemathesis generates requests from the generated description (bodies from the processes'
schemas, path parameters from the route patterns) and sends them to a real server on
127.0.0.1, once anonymously and once with a unit's token. Every operation is tried with
generated path parameters and pinned to a real application, process and transition so the
handlers get past their lookups; both with valid requests and with requests that break the
schema on purpose. Each answer must be one the document declares: its status, its content
type and its body's schema (a 4xx is problem+json), and never a 5xx. An operation the
document calls public must not ask for a token, and one that asks for a token must refuse a
request without one. A failure names the operation, who sent it, the status and the curl.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kernel import openapi
from kernel.app import create_app
from kernel.keys import KERNEL

from .factories import CHANGE_DOCUMENT as DOCUMENT
from .factories import make_unit, qr_login

#: Examples per mode for each identity: enough to find crashes and lies, bounded in time.
#: ``GOVFLOW_FUZZ_SCALE=10`` multiplies them for a deeper run by hand.
SCALE = float(os.environ.get("GOVFLOW_FUZZ_SCALE", "1"))
EXAMPLES = {
    "anonymous": {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2},
    "unit": {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3},
}
#: Anonymous requests to an operation that needs a token are turned away at the door: a few
#: suffice, sent to the real application (a 401 must come before any lookup).
TURNED_AWAY = {GenerationMode.POSITIVE: 1, GenerationMode.NEGATIVE: 1}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Public operations whose 401 means wrong credentials, not a token they did not declare.
LOGINS = {
    "/api/auth/login",
    "/api/codeassign/qr-login",
    "/api/foreignwork/login",
    "/api/foreignwork/qr-login",
    "/api/foreignwork/legacy-accounts/migrate",
    "/api/websites/login",
}
#: Operations on the pinned draft that must answer 2xx at least once, or the fuzz has lost
#: its way (the success schemas would go unchecked).
REACHED = {
    "GET /api/applications",
    "GET /api/applications/{id}",
    "PUT /api/applications/{id}",
    "GET /api/applications/{id}/history",
    "GET /api/applications/{id}/attachments",
    "GET /api/applications/{id}/forms",
    "POST /api/applications/{id}/validate",
    "GET /api/applications/{id}/correction-notice.pdf",
    "GET /api/agreements/{text_id}",
    "GET /api/auth/me",
}
#: Logging out revokes the token it is sent with: it gets a session of its own.
OWN_SESSION = {("POST", "/api/auth/logout")}


@dataclass
class Report:
    """What the fuzz sent and what it found, one line per distinct failure."""

    operations: int = 0
    cases: int = 0
    failures: dict[tuple[str, ...], str] = field(default_factory=dict)
    #: Operations that answered 2xx at least once: their success schema was checked.
    succeeded: set[str] = field(default_factory=set)
    #: Anonymous answers per operation: (status, curl).
    anonymous: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def add(self, key: tuple[str, ...], line: str) -> None:
        self.failures.setdefault(key, line)


def fuzz(
    spec: dict, base_url: str, identities: dict[str, dict], pinned: dict, spare: dict | None = None
) -> Report:
    """Send generated cases to every operation as every identity; the failures found.

    ``spare``: the headers of a second session of the unit, for the operations that end one.
    """
    report = Report()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deleting the pinned draft, or ending the session, last: every other operation needs them.
    operations.sort(key=lambda op: op.method.upper() == "DELETE" or _ends_session(op))
    for operation in operations:
        report.operations += 1
        own = _ends_session(operation)
        versioned = any(p.name == "If-Match" for p in operation.headers)
        security = _security(operation)
        names = {p.name for p in operation.path_parameters}
        real = {k: v for k, v in pinned.items() if k in names}
        for who, headers in identities.items():
            examples, variants = EXAMPLES[who], ({}, real) if real else ({},)
            if who == "anonymous" and security == "required":
                examples, variants = TURNED_AWAY, variants[-1:]
            if own and headers:
                headers = spare or {}
            for path_parameters in variants:
                live = versioned and headers and "id" in path_parameters
                version = _version(base_url, pinned["id"], headers) if live else None
                send = _sender(base_url, who, headers, report, version)
                for mode, count in examples.items():
                    strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)
                    _run(strategy, max(1, round(count * SCALE)), send)
        _check_access(report, operation, security)
    return report


def _ends_session(operation) -> bool:
    return (operation.method.upper(), operation.path) in OWN_SESSION


def _version(base_url: str, application: int, headers: dict) -> Callable[[], str | None]:
    """The pinned application's ETag, read afresh (None once it is gone)."""

    def read() -> str | None:
        url = f"{base_url}/api/applications/{application}"
        return requests.get(url, headers=headers, timeout=10).headers.get("ETag")

    return read


def _security(operation) -> str:
    """``required``, ``optional`` or ``none``, as the document declares the operation."""
    requirements = operation.definition.raw.get("security", [])
    if not requirements:
        return "none"
    return "optional" if {} in requirements else "required"


def _check_access(report: Report, operation, security: str) -> None:
    """Anonymous answers against the declared security: a token-needing operation refuses
    them all, a public one asks for none (a login refuses wrong credentials with 401), and an
    optional one answers at least one of them with something other than 401."""
    label = f"{operation.method.upper()} {operation.path} [anonymous]"
    answers = report.anonymous.get(label, [])
    for status, curl in answers:
        if security == "required" and status < 400:
            report.add((label, "open"), f"{label} {status}: answers without a token\n    {curl}")
        if security == "none" and status == 401 and operation.path not in LOGINS:
            line = f"{label} 401: needs a token it does not declare\n    {curl}"
            report.add((label, "401"), line)
    if security == "optional" and answers and all(status == 401 for status, _ in answers):
        line = f"{label} 401: needs a token it does not declare\n    {answers[0][1]}"
        report.add((label, "401"), line)


def _sender(
    base_url: str, who: str, headers: dict, report: Report, version: Callable | None = None
) -> Callable:
    """Send one case as ``who`` and note every way its answer breaks the document.

    ``version``: the pinned application's ETag now, sent as If-Match so a step gets past it.
    """

    def send(case) -> None:
        report.cases += 1
        sent = {**headers, **({"If-Match": etag} if version and (etag := version()) else {})}
        response = case.call(base_url=base_url, headers=sent, timeout=10)
        status, where = (
            response.status_code,
            f"{case.operation.method.upper()} {case.operation.path}",
        )
        label = f"{where} [{who}] {status}"
        curl = case.as_curl_command(headers=sent)
        if status < 300:
            report.succeeded.add(where)
        if who == "anonymous":
            report.anonymous.setdefault(f"{where} [anonymous]", []).append((status, curl))
        try:
            case.validate_response(response, checks=CHECKS, headers=sent)
        except FailureGroup as group:
            for failure in group.exceptions:
                line = f"{label}: {failure.title}\n    {_first(failure)}\n    {curl}"
                report.add((label, failure.title), line)

    return send


def _first(failure) -> str:
    message = (failure.message or "").strip().replace("\n", " ")
    return message[:300]


def _run(strategy, examples: int, send: Callable) -> None:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case) -> None:
        send(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: nothing to send
        run()


@pytest.fixture
async def served(aiohttp_server, aiohttp_client, config):
    """A real server with a unit, two sessions of it and a draft: (document, base URL,
    sessions, pins)."""
    app = create_app(config)
    server = await aiohttp_server(app)
    client = await aiohttp_client(server)
    await make_unit("unit-fuzz", "110108")
    headers, spare = await qr_login("unit-fuzz"), await qr_login("unit-fuzz")
    created = await client.post(
        "/api/applications",
        headers=headers,
        json={"process": "codeassign", "matter": "change", "data": DOCUMENT},
    )
    assert created.status == 201
    pinned = {
        "id": (await created.json())["id"],
        "process": "codeassign",
        "name": "submit",
        "text_id": next(iter(app[KERNEL].processes["codeassign"].agreements)),
    }
    base_url = str(server.make_url("")).rstrip("/")
    return openapi.document(app), base_url, {"unit": headers, "spare": spare}, pinned


async def test_every_operation_answers_as_its_document_says(served):
    spec, base_url, sessions, pinned = served
    identities = {"anonymous": {}, "unit": sessions["unit"]}
    started, cpu = time.monotonic(), time.process_time()
    report = await asyncio.to_thread(fuzz, spec, base_url, identities, pinned, sessions["spare"])
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    sent = f"{report.operations} operations ({len(report.succeeded)} answered 2xx), "
    sent += f"{report.cases} cases"
    print(f"fuzz: {sent}, {seconds:.0f} s ({cpu:.0f} s CPU)")
    assert report.operations == sum(len(item) for item in spec["paths"].values())
    lines = sorted(report.failures.values())
    assert lines == [], f"{len(lines)} failures:\n" + "\n".join(lines[:40])
    # The pinned draft got the unit past the lookups: these success bodies were validated.
    assert report.succeeded >= REACHED, sorted(REACHED - report.succeeded)


async def test_the_fuzz_reports_every_answer_the_document_does_not_declare(served):
    """The checks bite: a copy of the document that lies six ways, each lie reported."""
    spec, base_url, _, pinned = served
    lying = copy.deepcopy(spec)
    paths = lying["paths"]
    health = paths["/healthz"]["get"]["responses"]
    health["201"] = health.pop("200")
    paths["/api/processes"]["get"]["responses"]["200"]["content"]["application/json"] = {
        "schema": {"type": "array"}
    }
    openapi_json = paths["/api/openapi.json"]["get"]["responses"]["200"]
    openapi_json["content"] = {"text/html": {"schema": {}}}
    paths["/api/auth/me"]["get"]["security"] = []
    paths["/api/processes/{process}"]["get"]["security"] = [{"bearer": []}]
    paths["/api/rules"]["get"]["security"] = [{"bearer": []}, {}]
    kept = ("/healthz", "/api/processes", "/api/openapi.json", "/api/auth/me", "/api/rules")
    lying["paths"] = {path: paths[path] for path in (*kept, "/api/processes/{process}")}
    report = await asyncio.to_thread(fuzz, lying, base_url, {"anonymous": {}}, pinned)
    found = "\n".join(report.failures.values())
    assert "GET /healthz [anonymous] 200: Undocumented status code" in found, found
    assert "GET /api/processes [anonymous] 200: Response violates schema" in found, found
    assert "GET /api/openapi.json [anonymous] 200: Undocumented Content-Type" in found, found
    assert "GET /api/auth/me [anonymous] 401: needs a token it does not declare" in found
    assert "GET /api/processes/{process} [anonymous] 200: answers without a token" in found
    assert "GET /api/rules [anonymous] 401: needs a token it does not declare" in found
    assert "curl -X GET http://127.0.0.1:" in found
