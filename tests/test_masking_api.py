"""Lists show personal numbers masked; the application itself shows them in full to its owner.

The platforms list ``1101**********002X`` and ``138****8000``; an applicant (or a reviewer)
who opens the application reads the number it typed, so that it can check and correct it.
"""

from __future__ import annotations

import pytest

from kernel.app import create_app

from .factories import login, make_account

ID_NUMBER = "11010519491231002X"  # a resident ID with a valid check character
PROFILE = {"name": "王小明", "mobile": "13912345678", "id_type": "resident_id"}


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await make_account("person", "natural_person", ["natural_person"], region="110108")
    return client


async def test_a_listed_profile_masks_the_id_number_and_the_owner_reads_it_in_full(client):
    person = await login(client, "person")
    created = await client.post(
        "/api/applications",
        json={
            "process": "foreignwork",
            "workflow": "person_profile",
            "data": {**PROFILE, "id_number": ID_NUMBER},
        },
        headers=person,
    )
    assert created.status == 201, await created.text()
    draft = await created.json()

    listed = await (await client.get("/api/applications", headers=person)).json()
    [item] = listed["items"]
    assert item["data"]["id_number"] == "1101**********002X"
    assert item["data"]["mobile"] == "139****5678"
    assert ID_NUMBER not in str(listed) and "13912345678" not in str(listed)

    opened = await (await client.get(f"/api/applications/{draft['id']}", headers=person)).json()
    assert opened["data"]["id_number"] == ID_NUMBER
    assert opened["data"]["mobile"] == "13912345678"


async def test_a_permit_number_is_masked_in_lists(client):
    """A Hong Kong/Macao exit-entry permit (``C12345678``): masked in the list, whole for its
    owner."""
    person = await login(client, "person")
    data = {**PROFILE, "id_type": "exit_entry_permit_hk_macao", "id_number": "C12345678"}
    created = await client.post(
        "/api/applications",
        json={"process": "foreignwork", "workflow": "person_profile", "data": data},
        headers=person,
    )
    assert created.status == 201, await created.text()
    [item] = (await (await client.get("/api/applications", headers=person)).json())["items"]
    assert item["data"]["id_number"] == "C******78"
    draft = await created.json()
    opened = await (await client.get(f"/api/applications/{draft['id']}", headers=person)).json()
    assert {k: opened["data"][k] for k in data} == data  # whole for its owner
