"""#12 point 9: identifiers are normalised at the door (shared/reference/identifiers.md §0).

Full-width digits and letters, a lower-case ``x``, surrounding (ideographic) spaces and, for
mobiles, ``+86`` with spaces or hyphens are put in canonical form before the document is
validated or stored, by the schema's ``format``: the stored document, what GET and lists show
(masked there) and every fact the rules read hold the canonical form. Internal separators in an
ID number stay invalid (§0 step 4, vectors ``[resident_id]``/``[uscc]``): refused, naming the
field, in Chinese and English, and nothing is stored.
"""

from __future__ import annotations

import dataclasses
import io

import pytest

from kernel.app import create_app
from kernel.db.models import Account, Application

from .factories import CHANGE_DOCUMENT, codeassign_people, login, make_account, qr_login
from .fw_helpers import ANSWER, bearer, page, people, person, profiles, run_jobs, save, saved

ID_NUMBER = "110101194910010319"  # person(): the national register's 郭子晨
ID_TYPED = "\u3000１１０１０１１９４９１００１０３１９ "  # full width, ideographic space before
ID_X = "11010519491231002X"
ID_X_TYPED = "１１０１０５１９４９１２３１００２ｘ"  # full width, lower-case x
MOBILE_TYPED = "＋８６ １３８-００１３-８０００"  # person()'s 13800138000


@pytest.fixture
async def client(aiohttp_client, config):
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    client = await aiohttp_client(create_app(config))
    await people()
    await make_account("person", "natural_person", ["natural_person"], region="110108")
    return client


async def test_a_full_width_id_is_stored_canonical_and_checked_by_the_register(client):
    """Saved through the plugin's profile route, verified by the national register's job."""
    me = await bearer(client, "zrr", "natural_person")
    (profile,) = await profiles(client, me)
    profile = await saved(client, me, profile, person(id_number=ID_TYPED, mobile=MOBILE_TYPED))
    assert profile["data"]["id_number"] == ID_NUMBER
    assert profile["data"]["mobile"] == "13800138000"
    assert await run_jobs(client) == 1
    verified = await page(client, me, profile["id"])
    assert verified["state"] == "national_verified", verified.get("details")
    stored = await Application.get(id=profile["id"])
    assert stored.data["id_number"] == ID_NUMBER and stored.data["mobile"] == "13800138000"


async def test_the_same_id_typed_in_full_width_is_no_change_to_the_rules(client):
    """The rules that ask a verified person to confirm a changed ID number (FW-05) compare the
    canonical forms: the same number and mobile typed otherwise change nothing."""
    me = await bearer(client, "zrr", "natural_person")
    (profile,) = await profiles(client, me)
    profile = await saved(client, me, profile, person())
    await run_jobs(client)
    profile = await page(client, me, profile["id"])
    assert profile["state"] == "national_verified"
    again = await save(client, me, profile, person(id_number=ID_TYPED, mobile=MOBILE_TYPED))
    assert again.status == 200, await again.text()
    kept = await again.json()
    assert kept["verify_again"] is False and kept["state"] == "national_verified"
    assert kept["data"]["id_number"] == ID_NUMBER and kept["data"]["mobile"] == "13800138000"
    # A different number is a change: the seed's warning, nothing saved.
    changed = await save(client, me, kept, person(id_number=ID_X))
    assert changed.status == 409 and (await changed.json())["confirm_required"] is True


async def test_a_created_draft_is_stored_canonical_and_lists_mask_it(client):
    me = await login(client, "person")
    created = await client.post(
        "/api/applications",
        json={
            "process": "foreignwork",
            "workflow": "person_profile",
            "data": {"name": "王小明", "id_type": "resident_id", "id_number": ID_X_TYPED},
        },
        headers=me,
    )
    assert created.status == 201, await created.text()
    draft = await created.json()
    assert draft["data"]["id_number"] == ID_X
    opened = await (await client.get(f"/api/applications/{draft['id']}", headers=me)).json()
    assert opened["data"]["id_number"] == ID_X
    listed = await (await client.get("/api/applications", headers=me)).json()
    [item] = listed["items"]
    assert item["data"]["id_number"] == "1101**********002X"


async def test_a_put_stores_the_mobile_as_its_eleven_digits(client):
    await codeassign_people()
    unit = await qr_login("unit-a")
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": {"handler": "张三"}},
        headers=unit,
    )
    assert created.status == 201, await created.text()
    draft = await created.json()
    put = await client.put(
        f"/api/applications/{draft['id']}",
        json={"data": {**CHANGE_DOCUMENT, "handler_mobile": MOBILE_TYPED}},
        headers={**unit, "If-Match": f'"{draft["version"]}"'},
    )
    assert put.status == 200, await put.text()
    opened = await (await client.get(f"/api/applications/{draft['id']}", headers=unit)).json()
    assert opened["data"]["handler_mobile"] == "13800138000"
    listed = await (await client.get("/api/applications", headers=unit)).json()
    assert [i["data"]["handler_mobile"] for i in listed["items"]] == ["138****8000"]


@pytest.mark.parametrize(
    "typed",
    [
        "110105-19491231002X",
        "１１０１０５ １９４９１２３１００２Ｘ",
        "11010519491231002Y",
        "①10105",
    ],
    ids=["inner-hyphen", "inner-full-width-space", "wrong-check", "circled-digit"],
)
async def test_a_malformed_id_is_still_refused_naming_the_field(client, typed):
    me = await login(client, "person")
    response = await client.post(
        "/api/applications",
        json={
            "process": "foreignwork",
            "workflow": "person_profile",
            "data": {"name": "王小明", "id_type": "resident_id", "id_number": typed},
        },
        headers=me,
    )
    assert response.status == 422, await response.text()
    assert response.content_type == "application/problem+json"
    [violation] = (await response.json())["violations"]
    assert violation["fields"] == ["/id_number"]
    assert violation["rule"].startswith("format.resident-id.")
    assert "证件号码" in violation["message"]["zh"] or "身份" in violation["message"]["zh"]
    assert violation["message"]["en"].isascii() and violation["message"]["en"]
    assert (
        await Application.filter(workflow="person_profile", owner__username="person").count() == 0
    )


def test_the_walk_follows_refs_items_and_combinators_but_not_names(kernel):
    """Unit check of the plan: a ``format`` anywhere the schema puts one, nothing else."""
    from kernel.schema_normalise import normalise_against

    schema = {
        "type": "object",
        "properties": {
            "plain": {"type": "string"},
            "ids": {"type": "array", "items": {"format": "resident-id"}},
            "pair": {"prefixItems": [{"format": "mobile-cn"}, {"type": "string"}]},
            "either": {"anyOf": [{"format": "uscc"}, {"format": "mobile-cn"}]},
        },
        "additionalProperties": {"format": "postal-code-cn"},
    }
    formats = kernel.schemas.formats
    typed = {
        "plain": "１１０１０５１９４９１２３１００２ｘ",
        "ids": [ID_X_TYPED, "bad"],
        "pair": [MOBILE_TYPED, MOBILE_TYPED],
        "either": "+86 139 1234 5678",
        "extra": "　１０００８０",
        "id_number": 5,
    }
    assert normalise_against(schema, typed, formats) == {
        "plain": "１１０１０５１９４９１２３１００２ｘ",  # no format: a name decides nothing
        "ids": [ID_X, "bad"],  # refused values stay for validation to name
        "pair": ["13800138000", MOBILE_TYPED],
        "either": "13912345678",
        "extra": "100080",
        "id_number": 5,
    }
    assert typed["ids"] == [ID_X_TYPED, "bad"]  # the input is not changed in place


async def test_a_typed_uscc_mobile_and_delivery_email_reach_the_effects_canonical(client):
    """CA-02 through HTTP: the visitor types the USCC in lower-case full width and the mobile
    with +86; the reviewer's deliver step takes an e-mail (its declared input) in full width.
    The region, the unit account the step creates and the delivery record hold the canonical
    forms."""
    from plugins.codeassign.models import LoginImage

    from .test_codeassign_journey import REQUEST, STAMPED
    from .test_codeassign_journey import captcha as ca_captcha

    await make_account(
        "registry-bj",
        "reviewer",
        ["registry_reviewer"],
        scopes=[{"process": "codeassign", "region": "110000"}],
    )
    reviewer = await login(client, "registry-bj")
    typed = {**REQUEST, "uscc": "１１１１０１０８０００１２３４５７ｑ", "mobile": MOBILE_TYPED}
    body = {"process": "codeassign", "workflow": "qr_request", "data": typed}
    created = await client.post(
        "/api/applications", json={**body, "captcha": await ca_captcha(client)}
    )
    assert created.status == 201, await created.text()
    request = await created.json()
    assert request["region"] == "110108"  # read from the canonical USCC
    assert request["data"]["uscc"] == "11110108000123457Q"
    visitor = {"Authorization": f"Bearer {request['access_token']}"}
    url = f"/api/applications/{request['id']}"
    form = {"type": "stamped_form", "file": io.BytesIO(STAMPED)}
    uploaded = await client.post(
        f"{url}/attachments", data=form, headers={**visitor, "If-Match": '"1"'}
    )
    assert uploaded.status == 201, await uploaded.text()
    submitted = await client.post(
        f"{url}/transitions/submit", headers={**visitor, "If-Match": '"2"'}
    )
    assert submitted.status == 200, await submitted.text()
    delivered = await client.post(
        f"{url}/transitions/deliver",
        json={"input": {"channel": "email", "email": "ｌｉｓｉ＠ＥＸＡＭＰＬＥ.cn"}},
        headers={**reviewer, "If-Match": '"3"'},
    )
    assert delivered.status == 200, await delivered.text()
    unit = await Account.get(username="11110108000123457Q")
    assert unit.profile["uscc"] == "11110108000123457Q" and unit.profile["mobile"] == "13800138000"
    image = await LoginImage.get(request_id=request["id"])
    assert image.delivered_to == "lisi@example.cn"
