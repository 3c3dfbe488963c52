"""#12 point 5: one bad body must not break the service: 400 problem+json before anything is
stored, for deep nesting, lone surrogates, NaN/Infinity, numbers out of range, long filters."""

from __future__ import annotations

import pytest

from kernel.app import create_app
from kernel.db.models import Application

from .factories import codeassign_people, login, qr_login


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


def _draft(data_text: str) -> str:
    return '{"process": "codeassign", "matter": "change", "data": {"handler": ' + data_text + "}}"


@pytest.mark.parametrize(
    "value",
    [
        "[" * 500 + "]" * 500,
        "[" * 1500 + "]" * 1500,
        "[" * 100_000 + "]" * 100_000,
        '"\\udc00"',
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
    ],
    ids=["500-deep", "1500-deep", "100k-deep", "lone-surrogate", "nan", "inf", "-inf", "1e400"],
)
async def test_unstorable_bodies_are_refused_before_anything_is_stored(client, value):
    unit = await qr_login("unit-a")
    response = await client.post(
        "/api/applications",
        data=_draft(value),
        headers={**unit, "Content-Type": "application/json"},
    )
    assert response.status == 400, await response.text()
    assert response.content_type == "application/problem+json"
    assert "X-Request-Id" in response.headers
    assert await Application.all().count() == 0
    # … and the lists of everyone stay readable.
    for headers in (unit, await login(client, "reviewer-bj")):
        assert (await client.get("/api/applications", headers=headers)).status == 200


async def test_a_deep_body_on_the_dry_run_endpoint_is_a_400(client):
    body = '{"document": {"a": ' + "[" * 5000 + "]" * 5000 + "}}"
    response = await client.post(
        "/api/processes/codeassign/validate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400


@pytest.mark.parametrize("key", ["process", "state", "workflow", "matter"])
async def test_a_list_filter_longer_than_its_column_is_a_400(client, key):
    reviewer = await login(client, "reviewer-bj")
    response = await client.get("/api/applications", params={key: "x" * 65}, headers=reviewer)
    assert response.status == 400
    assert (await response.json())["violations"][0]["fields"] == [f"/query/{key}"]
