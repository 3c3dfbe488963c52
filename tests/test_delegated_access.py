"""An agent acts for its principal only while the authorisation and the principal are active.

FW-12: a legal person authorises a natural person (its agent) for a process's matters; revoked
or disabled authorisations, and those of a disabled principal, stop at once. The kernel's rule
is the same whichever process, so the codeassign unit stands in for the principal here and the
authorisation is written as the authorising process stores it (a ``Delegation`` row).
"""

from __future__ import annotations

import pytest

from kernel.app import create_app
from kernel.db.models import Account, Delegation

from .factories import CHANGE_DOCUMENT, codeassign_people, create_draft, login, make_account


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    await make_account("agent", "natural_person", ["natural_person"], region="110108")
    return client


async def agents_view(client, agent, application_id: int) -> tuple[int, list[int]]:
    """What the agent gets opening the application, and the ids its own list shows."""
    opened = await client.get(f"/api/applications/{application_id}", headers=agent)
    listed = await (await client.get("/api/applications", headers=agent)).json()
    return opened.status, [a["id"] for a in listed.get("items", [])]


async def test_an_agent_reads_for_its_principal_until_the_authorisation_is_disabled(client):
    unit = await login(client, "unit-a")
    draft = await (await create_draft(client, unit, data=CHANGE_DOCUMENT)).json()
    agent = await login(client, "agent")
    assert (await agents_view(client, agent, draft["id"]))[0] == 404  # not yet authorised

    principal = await Account.get(username="unit-a")
    delegation = await Delegation.create(
        principal=principal, agent=await Account.get(username="agent"), process="codeassign"
    )
    opened = await client.get(f"/api/applications/{draft['id']}", headers=agent)
    assert opened.status == 200
    assert (await opened.json())["data"]["handler_mobile"] == "13800138000"

    delegation.active = False  # revoked or disabled with its unit (FW-12)
    await delegation.save()
    assert (await agents_view(client, agent, draft["id"]))[0] == 404
    history = await client.get(f"/api/applications/{draft['id']}/history", headers=agent)
    assert history.status == 404


async def test_a_disabled_principals_authorisations_stop_with_it(client):
    unit = await login(client, "unit-a")
    draft = await (await create_draft(client, unit, data=CHANGE_DOCUMENT)).json()
    principal = await Account.get(username="unit-a")
    await Delegation.create(
        principal=principal, agent=await Account.get(username="agent"), process="codeassign"
    )
    agent = await login(client, "agent")
    assert (await client.get(f"/api/applications/{draft['id']}", headers=agent)).status == 200

    principal.active = False
    await principal.save()
    assert (await client.get(f"/api/applications/{draft['id']}", headers=agent)).status == 404

    principal.active = True  # restored: the authorisation, still active itself, counts again
    await principal.save()
    assert (await client.get(f"/api/applications/{draft['id']}", headers=agent)).status == 200


async def test_an_authorisation_for_other_matters_or_another_process_gives_nothing(client):
    unit = await login(client, "unit-a")
    draft = await (await create_draft(client, unit, data=CHANGE_DOCUMENT)).json()  # "change"
    principal, agent_account = (
        await Account.get(username="unit-a"),
        await Account.get(username="agent"),
    )
    await Delegation.create(
        principal=principal, agent=agent_account, process="codeassign", matters=["reissue"]
    )
    await Delegation.create(principal=principal, agent=agent_account, process="websites")
    agent = await login(client, "agent")
    assert (await client.get(f"/api/applications/{draft['id']}", headers=agent)).status == 404
