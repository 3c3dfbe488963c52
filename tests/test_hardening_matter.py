"""#12 point 7: the matter is the application's; the document cannot contradict it.

The reproduction: a unit created ``matter=change`` with ``data.matter=revocation`` and
submitted without the change approval its matter needs.
"""

from __future__ import annotations

import pytest

from kernel.app import create_app
from kernel.db.models import Application

from .factories import CHANGE_DOCUMENT, codeassign_people, qr_login


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


async def test_a_document_naming_another_matter_is_refused_at_creation(client):
    unit = await qr_login("unit-a")
    response = await client.post(
        "/api/applications",
        json={
            "process": "codeassign",
            "matter": "change",
            "data": {**CHANGE_DOCUMENT, "matter": "revocation"},
        },
        headers=unit,
    )
    assert response.status == 400
    body = await response.json()
    assert body["violations"][0]["fields"] == ["/data/matter"]
    assert await Application.all().count() == 0


async def test_a_save_cannot_change_the_matter(client):
    unit = await qr_login("unit-a")
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": {}},
        headers=unit,
    )
    assert created.status == 201
    draft = await created.json()
    assert draft["data"]["matter"] == "change"  # the server fills it in
    number = draft["id"]
    saved = await client.put(
        f"/api/applications/{number}",
        json={"data": {**CHANGE_DOCUMENT, "matter": "revocation"}},
        headers={**unit, "If-Match": "1"},
    )
    assert saved.status == 400
    assert (await Application.get(id=number)).data["matter"] == "change"
    without = {k: v for k, v in CHANGE_DOCUMENT.items() if k != "matter"}
    saved = await client.put(
        f"/api/applications/{number}", json={"data": without}, headers={**unit, "If-Match": "1"}
    )
    assert saved.status == 200
    assert (await saved.json())["data"]["matter"] == "change"
