"""Only the applicant's side changes the material: a reviewer who may read it may not edit it."""

from __future__ import annotations

import pytest

from kernel.app import create_app

from .factories import (
    CHANGE_DOCUMENT,
    agree_commitment,
    codeassign_people,
    create_draft,
    login,
    qr_login,
)


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


async def test_a_reviewer_in_scope_reads_the_application_but_is_told_it_may_not_edit_it(client):
    unit = await qr_login("unit-a")  # CA-02: online matters need the QR image login
    draft = await (await create_draft(client, unit, data=CHANGE_DOCUMENT)).json()
    await agree_commitment(client, unit)
    url = f"/api/applications/{draft['id']}"
    submitted = await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"1"'})
    assert submitted.status == 200, await submitted.text()  # a reviewer sees what was submitted
    reviewer = await login(client, "reviewer-bj")
    assert (await client.get(url, headers=reviewer)).status == 200
    saved = await client.put(
        url,
        json={"data": {**CHANGE_DOCUMENT, "handler": "李四"}},
        headers={**reviewer, "If-Match": '"2"'},
    )
    assert saved.status == 403
    problem = await saved.json()
    assert problem["detail"] == (
        "only the applicant or a person it authorised may change the material"
    )
    still = await (await client.get(url, headers=unit)).json()
    assert (still["version"], still["data"]["handler"]) == (2, "张三")


async def test_a_step_for_another_role_is_refused_saying_whose_step_it_is(client):
    unit = await qr_login("unit-a")  # CA-02: online matters need the QR image login
    draft = await (await create_draft(client, unit, data=CHANGE_DOCUMENT)).json()
    await agree_commitment(client, unit)
    url = f"/api/applications/{draft['id']}/transitions"
    submitted = await client.post(f"{url}/submit", headers={**unit, "If-Match": '"1"'})
    assert submitted.status == 200, await submitted.text()
    refused = await client.post(f"{url}/accept", headers={**unit, "If-Match": '"2"'})
    assert refused.status == 403
    detail = (await refused.json())["detail"]
    assert detail == "'accept' is for registry_reviewer; this account is unit"
