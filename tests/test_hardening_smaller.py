"""#12 point 11 (the kernel's smaller holes): operations data is not public unless configured
so, and reviewers do not see unsubmitted drafts."""

from __future__ import annotations

import dataclasses

import pytest

from kernel.app import create_app

from .factories import CHANGE_DOCUMENT, codeassign_people, login, make_account, qr_login


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    await make_account("admin", "admin", [])
    return client


@pytest.mark.parametrize("path", ["/metrics", "/api/rules"])
async def test_operations_data_is_for_staff_only(client, path):
    assert (await client.get(path)).status == 401
    unit = await login(client, "unit-a")
    assert (await client.get(path, headers=unit)).status == 403
    for staff in ("reviewer-bj", "admin"):
        assert (await client.get(path, headers=await login(client, staff))).status == 200


async def test_operations_data_can_be_made_public(aiohttp_client, config):
    client = await aiohttp_client(create_app(dataclasses.replace(config, public_operations=True)))
    assert (await client.get("/metrics")).status == 200
    assert (await client.get("/api/rules")).status == 200


async def test_a_reviewer_does_not_see_an_unsubmitted_draft(client):
    unit = await qr_login("unit-a")
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT},
        headers=unit,
    )
    number = (await created.json())["id"]
    reviewer = await login(client, "reviewer-bj")
    assert (await client.get(f"/api/applications/{number}", headers=reviewer)).status == 404
    listed = await (await client.get("/api/applications", headers=reviewer)).json()
    assert listed["items"] == []
    await client.post(
        "/api/auth/agreements",
        json={"text_id": "codeassign.login", "version": "2024-01"},
        headers=unit,
    )
    submitted = await client.post(
        f"/api/applications/{number}/transitions/submit", headers={**unit, "If-Match": "1"}
    )
    assert submitted.status == 200
    assert (await client.get(f"/api/applications/{number}", headers=reviewer)).status == 200
