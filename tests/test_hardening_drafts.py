"""#12 point 6: a draft may be incomplete, but every field it has is checked at the door.

The reproduction: a 9 MB ``unit_name`` and ``uscc: 12345``, ``handler_mobile: true`` were
saved with 201.
"""

from __future__ import annotations

import pytest

from kernel.app import create_app
from kernel.db.models import Application

from .factories import CHANGE_DOCUMENT, WEBSITE_APPLICATION, codeassign_people, qr_login


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("handler", "x" * 9_000_000),
        ("handler_mobile", True),
        ("handler_mobile", "12345"),
        ("change_items", "address"),
        ("change_items", [{"item": 5}]),
    ],
    ids=["9MB-text", "bool-mobile", "short-mobile", "items-as-text", "item-of-wrong-type"],
)
async def test_a_draft_with_a_field_of_the_wrong_shape_is_refused(client, field, value):
    unit = await qr_login("unit-a")
    response = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": {field: value}},
        headers=unit,
    )
    assert response.status == 422, (await response.text())[:300]
    body = await response.json()
    assert any(f.startswith(f"/{field}") for v in body["violations"] for f in v["fields"])
    assert await Application.all().count() == 0


async def test_an_incomplete_draft_is_fine_and_a_bad_save_changes_nothing(client):
    unit = await qr_login("unit-a")
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": {"handler": "张三"}},
        headers=unit,
    )
    assert created.status == 201
    number = (await created.json())["id"]
    saved = await client.put(
        f"/api/applications/{number}",
        json={"data": {**CHANGE_DOCUMENT, "handler_mobile": True}},
        headers={**unit, "If-Match": "1"},
    )
    assert saved.status == 422
    stored = await Application.get(id=number)
    assert stored.version == 1 and stored.data.get("handler") == "张三"


def test_the_demo_documents_are_valid_drafts(kernel):
    """The fixtures every plugin test starts from pass the draft check."""
    for process, workflow, matter, document in (
        ("codeassign", "change", "change", CHANGE_DOCUMENT),
        ("websites", "application", "new_site", WEBSITE_APPLICATION),
    ):
        proc = kernel.process(process)
        uri = kernel.schemas.resolve_id(proc.schema_for(workflow, matter), process)
        assert kernel.schemas.validate_draft(uri, document) == []
