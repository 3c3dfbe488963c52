"""The engineers documents' own checks, through HTTP (EN-01, EN-02).

The basic information names every missing field in one answer (一次性告知), and a declaration's
ID number is checked by the ID type the individual's account gives, with the formats of
shared/reference/identifiers.md. Name and ID number come from the account (server fields), so
a bad number is one the national platform's account holds, not one the client typed.
"""

from __future__ import annotations

import pytest

from .engineers_helpers import (
    QUALIFIED,
    account,
    enterprise,
    info,
    login,
    rules_of,
    service,
    step,
)

#: One wrong number for each ID type the declaration schema knows (identifier-vectors.json).
WRONG_NUMBERS = {
    "resident_id": "110101194910010318",  # check character off by one
    "residence_permit_hmt": "810000199001010130",  # check character off by one
    "mainland_travel_permit_hk_macao": "K12345678",  # prefix must be H or M
    "mainland_travel_permit_taiwan": "T1234567",  # letters are not used
    "passport_foreign": "AB-123456",  # hyphen not allowed
}
#: And a right one of each, so that the refusal is the number's and nothing else's.
RIGHT_NUMBERS = {
    "resident_id": "110101194910010319",
    "residence_permit_hmt": "810000199001010131",
    "mainland_travel_permit_hk_macao": "H12345678",
    "mainland_travel_permit_taiwan": "12345678",
    "passport_foreign": "L898902C3",
}


@pytest.fixture
async def client(aiohttp_client, config):
    client = await service(aiohttp_client, config)
    await enterprise("huazhu", QUALIFIED)
    return client


async def test_EN01_every_missing_basic_field_is_named_in_one_answer(client):
    firm = await login(client, "huazhu")
    created = await client.post(
        "/api/applications",
        json={"process": "engineers", "workflow": "enterprise_info", "data": {}},
        headers=firm,
    )
    assert created.status == 201, await created.text()
    refused = await step(client, firm, await created.json(), "save")
    assert refused.status == 422
    problem = await refused.json()
    named = {v["fields"][0]: v["message"]["zh"] for v in problem["violations"]}
    assert set(rules_of(problem)) == {"schema.required"}
    assert named == {
        "/industry": "请填写所属行业",
        "/region_code": "请填写所在地区",
        "/legal_representative": "请填写法定代表人",
        "/registered_address": "请填写注册地址",
        "/mailing_address": "请填写通讯地址",
        "/postal_code": "请填写邮政编码",
        "/contact_person": "请填写联系人",
        "/contact_mobile": "请填写联系人手机号码",
    }
    page = await (await client.get("/api/engineers/enterprise", headers=firm)).json()
    assert page["basic_info"]["saved"] is False and page["basic_info"]["state"] == "unsaved"

    complete = await client.post(
        "/api/applications",
        json={"process": "engineers", "workflow": "enterprise_info", "data": info()},
        headers=firm,
    )
    saved = await step(client, firm, await complete.json(), "save")
    assert saved.status == 200, await saved.text()


async def declare_as(client, id_type: str, id_number: str):
    """An individual whose platform account holds this ID declares to the qualified firm: a
    wrong number is refused when the draft is created (the server fills it from the account,
    and a draft's fields are checked at the door), a right one goes on to the declare step."""
    username = f"p-{id_type}-{id_number}".lower()
    profile = {"id_type": id_type, "id_number": id_number, "mobile": "13700137000"}
    await account(username, "natural_person", ["individual"], "张伟", profile=profile)
    person = await login(client, username)
    data = {
        "profession": "structural_1",
        "registration_type": "initial",
        "employer_name": QUALIFIED[1],
        "employer_uscc": QUALIFIED[0],
    }
    created = await client.post(
        "/api/applications",
        json={"process": "engineers", "matter": "engineer", "data": data},
        headers=person,
    )
    if created.status == 422:
        return created
    assert created.status == 201, await created.text()
    return await step(client, person, await created.json(), "declare")


@pytest.mark.parametrize("id_type", sorted(WRONG_NUMBERS))
async def test_EN02_an_id_number_is_checked_by_its_id_type(client, id_type):
    refused = await declare_as(client, id_type, WRONG_NUMBERS[id_type])
    assert refused.status == 422
    problem = await refused.json()
    (violation,) = problem["violations"]
    assert violation["fields"] == ["/id_number"]
    assert violation["rule"].startswith(f"format.{id_type.replace('_', '-')}.")
    assert violation["message"]["zh"] and violation["message"]["en"]
    assert WRONG_NUMBERS[id_type] not in await refused.text()

    accepted = await declare_as(client, id_type, RIGHT_NUMBERS[id_type])
    assert accepted.status == 200, await accepted.text()
    assert (await accepted.json())["application"]["state"] == "unreported"
