"""A bounded fuzz of the whole API from its own OpenAPI document: nothing may answer 5xx.

schemathesis generates requests from the generated description (bodies from the processes'
schemas, path parameters from the route patterns) and sends them to a real server on
127.0.0.1 with a demo applicant's token. Every operation is tried twice: with generated path
parameters, and pinned to a real application, process and transition so the handlers get past
their lookups; both with valid requests and with requests that break the schema on purpose.
A 5xx is a bug in a handler, whatever the input.
"""

from __future__ import annotations

import asyncio
import contextlib

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from kernel import openapi
from kernel.app import create_app

from .factories import CHANGE_DOCUMENT as DOCUMENT
from .factories import make_unit, qr_login

#: Examples per operation, path variant and mode: enough to find crashes, bounded in time.
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}
# Logging out would revoke the token every later request uses.
SKIP = {("POST", "/api/auth/logout")}


def fuzz(spec: dict, base_url: str, headers: dict[str, str], pinned: dict) -> list[str]:
    """Run every operation with generated cases; the requests that got a 5xx."""
    failures: list[str] = []
    schema = schemathesis.openapi.from_dict(spec)
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        names = {p.name for p in operation.path_parameters}
        for path_parameters in ({}, {k: v for k, v in pinned.items() if k in names}):
            for mode, examples in EXAMPLES.items():
                strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)
                _run(strategy, examples, base_url, headers, failures)
    return failures


def _run(strategy, examples: int, base_url: str, headers: dict, failures: list[str]) -> None:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def send(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        if response.status_code >= 500:
            failures.append(f"{response.status_code}: {case.as_curl_command()}")

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: nothing to send
        send()


async def test_no_generated_request_makes_the_api_fail(aiohttp_server, aiohttp_client, config):
    app = create_app(config)
    server = await aiohttp_server(app)
    client = await aiohttp_client(server)
    await make_unit("unit-fuzz", "110108")
    headers = await qr_login("unit-fuzz")
    created = await client.post(
        "/api/applications",
        headers=headers,
        json={"process": "codeassign", "matter": "change", "data": DOCUMENT},
    )
    assert created.status == 201
    pinned = {"id": (await created.json())["id"], "process": "codeassign", "name": "submit"}
    spec = openapi.document(app)
    base_url = str(server.make_url("")).rstrip("/")
    failures = await asyncio.to_thread(fuzz, spec, base_url, headers, pinned)
    assert failures == [], "\n".join(failures[:10])
