"""#12 point 4: an application that ever left its initial state is never deleted, whoever
moved it, and audit records are never deleted at all.

The reproduction: a delegated agent's transition did not set ``submitted_at``, so the owner's
DELETE answered 204 afterwards and took the audit trail with it.
"""

from __future__ import annotations

import pytest

from kernel.app import create_app
from kernel.db.models import Application, AuditRecord

from .factories import CHANGE_DOCUMENT, agree_commitment, codeassign_people, login, qr_login


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


async def _draft(client, unit) -> int:
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT},
        headers=unit,
    )
    assert created.status == 201
    return (await created.json())["id"]


async def test_a_deleted_draft_is_gone_for_its_readers_but_its_trail_stays(client):
    unit = await qr_login("unit-a")
    number = await _draft(client, unit)
    deleted = await client.delete(f"/api/applications/{number}", headers={**unit, "If-Match": "1"})
    assert deleted.status == 204
    assert (await client.get(f"/api/applications/{number}", headers=unit)).status == 404
    listed = await (await client.get("/api/applications", headers=unit)).json()
    assert listed["items"] == []
    trail = await AuditRecord.filter(application_id=number).order_by("seq")
    assert [(r.seq, r.action) for r in trail] == [(1, "create"), (2, "delete")]
    row = await Application.get(id=number)
    assert row.data == {} and row.deleted_at is not None
    again = await client.delete(f"/api/applications/{number}", headers={**unit, "If-Match": "2"})
    assert again.status == 404


async def test_one_moved_by_someone_else_is_kept_with_its_trail(client):
    """Moved once, then back in its initial state with no ``submitted_at`` (how an agent's
    or a job's step used to leave it): the trail says it moved, so it stays."""
    unit = await qr_login("unit-a")
    number = await _draft(client, unit)
    await agree_commitment(client, unit)
    submitted = await client.post(
        f"/api/applications/{number}/transitions/submit", headers={**unit, "If-Match": "1"}
    )
    assert submitted.status == 200
    reviewer = await login(client, "reviewer-bj")
    refused = await client.post(
        f"/api/applications/{number}/transitions/refuse",
        json={"reply": "材料不全"},
        headers={**reviewer, "If-Match": "2"},
    )
    assert refused.status == 200
    await Application.filter(id=number).update(submitted_at=None, state="draft")
    kept = await client.delete(f"/api/applications/{number}", headers={**unit, "If-Match": "3"})
    assert kept.status == 200, await kept.text()
    body = await kept.json()
    assert body["id"] == number and "change_items" not in body["data"]
    trail = await (await client.get(f"/api/applications/{number}/history", headers=unit)).json()
    assert [h["action"] for h in trail["items"]] == [
        "create",
        "transition",
        "transition",
        "delete_material",
    ]


async def test_the_database_refuses_to_delete_an_audit_record(client):
    unit = await qr_login("unit-a")
    number = await _draft(client, unit)
    with pytest.raises(Exception, match="never deleted"):
        await AuditRecord.filter(application_id=number).delete()
    with pytest.raises(Exception, match="never deleted"):
        await Application.filter(id=number).delete()
    assert await AuditRecord.filter(application_id=number).count() == 1
