"""Retrying a create with an Idempotency-Key: what a client and its user notice."""

from __future__ import annotations

import pytest

from kernel.app import create_app

from .factories import CHANGE_DOCUMENT, codeassign_people, create_draft, login


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


async def test_two_applicants_may_use_the_same_key_and_each_gets_its_own_draft(client):
    a, b = await login(client, "unit-a"), await login(client, "unit-b")
    key = {"Idempotency-Key": "draft-1"}
    first = await create_draft(client, {**a, **key}, data=CHANGE_DOCUMENT)
    other = await create_draft(client, {**b, **key}, data={"handler": "李四"})
    assert (first.status, other.status) == (201, 201)
    assert "Idempotent-Replayed" not in other.headers
    mine, theirs = await first.json(), await other.json()
    assert mine["id"] != theirs["id"] and theirs["data"]["handler"] == "李四"
    again = await create_draft(client, {**b, **key}, data={"handler": "李四"})
    assert (await again.json())["id"] == theirs["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    without_key = await create_draft(client, b)
    assert without_key.status == 201 and "Idempotent-Replayed" not in without_key.headers


async def test_a_key_reused_for_another_request_is_refused_naming_the_header(client):
    unit = await login(client, "unit-a")
    key = {"Idempotency-Key": "k"}  # one character is a key too
    assert (await create_draft(client, {**unit, **key})).status == 201
    reused = await create_draft(client, {**unit, **key}, data={"handler": "李四"})
    assert reused.status == 400
    [violation] = (await reused.json())["violations"]
    assert violation["rule"] == "request.idempotency-key-reused"
    assert violation["fields"] == ["/headers/Idempotency-Key"]
    assert violation["message"] == {
        "zh": "该Idempotency-Key已用于另一个请求",
        "en": "This Idempotency-Key was used for a different request",
    }


@pytest.mark.parametrize(("length", "status"), [(128, 201), (129, 400)])
async def test_a_key_is_at_most_128_characters(client, length, status):
    unit = await login(client, "unit-a")
    answer = await create_draft(client, {**unit, "Idempotency-Key": "k" * length})
    assert answer.status == status
    if status == 400:
        [violation] = (await answer.json())["violations"]
        assert violation["rule"] == "request.idempotency-key"


async def test_an_applicant_retrying_one_of_two_creates_gets_back_that_draft(client):
    """One applicant, two drafts made with two keys: a retry of the second answers the
    second draft, not the first or an error."""
    unit = await login(client, "unit-a")
    one = await create_draft(client, {**unit, "Idempotency-Key": "one"}, data=CHANGE_DOCUMENT)
    two = await create_draft(client, {**unit, "Idempotency-Key": "two"}, data={"handler": "李四"})
    assert (one.status, two.status) == (201, 201)
    again = await create_draft(client, {**unit, "Idempotency-Key": "two"}, data={"handler": "李四"})
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert (await again.json())["id"] == (await two.json())["id"] != (await one.json())["id"]
