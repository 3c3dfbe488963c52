"""foreignwork profiles and real-name verification through HTTP only, every fact built by the
server (FW-05 … FW-11, FW-13, FW-14): the profile route, the system's verification job with
the national verifier's local implementation, uploads, the platform reviewer, the SMS."""

from __future__ import annotations

import dataclasses

import pytest

from kernel.app import create_app
from kernel.db.models import Account

from .fw_helpers import (
    ANSWER,
    MATTER,
    agent,
    attach,
    bearer,
    jpeg,
    legal,
    page,
    people,
    person,
    png,
    profiles,
    run_jobs,
    save,
    saved,
    sms_to,
    step,
)

WARNING = "已实名认证，修改用户信息可能会重新进行实名认证，确认要修改吗？"


@pytest.fixture
async def client(aiohttp_client, config):
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    client = await aiohttp_client(create_app(config))
    await people()
    return client


async def verified_person(client, data=None):
    me = await bearer(client, "zrr", "natural_person")
    (profile,) = await profiles(client, me)
    assert profile["state"] == "unverified"
    profile = await saved(client, me, profile, data or person())
    assert profile["state"] == "verifying"
    assert await run_jobs(client) == 1
    return me, await page(client, me, profile["id"])


async def test_FW05_a_verified_persons_triggering_change_warns_then_verifies_again(client):
    me, profile = await verified_person(client)
    assert profile["state"] == "national_verified"
    assert profile["state_title"]["zh"] == "国家平台实名认证通过"
    # Another field (详细地址) keeps the state and asks nothing.
    kept = await saved(client, me, profile, person(address="北京市朝阳区1号"))
    assert kept["state"] == "national_verified" and kept["verify_again"] is False
    # A field marked 触发实名认证: the seed's warning first, nothing changed.
    warned = await save(client, me, kept, person(address="北京市朝阳区1号", name="郭晨"))
    assert warned.status == 409
    problem = await warned.json()
    assert problem["confirm_required"] is True and problem["warning"]["zh"] == WARNING
    unchanged = await page(client, me, profile["id"])
    assert unchanged["data"]["name"] == "郭子晨" and unchanged["state"] == "national_verified"
    # Confirmed: saved, verified again; the register knows no 郭晨, so it fails.
    moved = await saved(client, me, kept, person(address="北京市朝阳区1号", name="郭晨"), True)
    assert moved["state"] == "verifying"
    await run_jobs(client)
    failed = await page(client, me, profile["id"])
    assert failed["state"] == "failed"
    assert failed["details"]["reason"] == "实名认证失败，验证失败，请检查输入信息"


async def test_FW05_the_generic_save_cannot_change_a_verified_profile(client):
    me, profile = await verified_person(client)
    response = await client.put(
        f"/api/applications/{profile['id']}",
        json={"data": person(name="别人", id_number="110105198001011238")},
        headers={**me, "If-Match": f'"{profile["version"]}"'},
    )
    assert response.status == 409
    assert (await page(client, me, profile["id"]))["data"]["name"] == "郭子晨"


async def generic_put(client, headers, profile, data):
    return await client.put(
        f"/api/applications/{profile['id']}",
        json={"data": data},
        headers={**headers, "If-Match": f'"{profile["version"]}"'},
    )


async def test_FW05_the_generic_save_is_refused_in_every_state_the_owner_can_act_from(client):
    """unverified, failed, review_failed: the owner may upload there, but its document still
    changes only through the profile route (its rules and re-verification)."""
    me = await bearer(client, "zrr", "natural_person")
    (profile,) = await profiles(client, me)
    response = await generic_put(client, me, profile, person())
    assert response.status == 409
    assert (await response.json())["route"] == "/api/foreignwork/profiles/{id}"
    assert "name" not in (await page(client, me, profile["id"]))["data"]
    # failed: the register knows no 郭晨.
    profile = await saved(client, me, profile, person(name="郭晨"))
    await run_jobs(client)
    profile = await page(client, me, profile["id"])
    assert profile["state"] == "failed"
    response = await generic_put(client, me, profile, person())
    assert response.status == 409
    # review_failed: uploaded, rejected by the reviewer.
    for kind in ("id_front", "id_back"):
        uploaded = await attach(client, me, profile["id"], profile["version"], kind, jpeg())
        assert uploaded.status == 201, await uploaded.text()
        profile = await page(client, me, profile["id"])
    submitted = await step(client, me, profile["id"], profile["version"], "upload")
    assert submitted.status == 200, await submitted.text()
    staff = await bearer_staff(client)
    profile = await page(client, me, profile["id"])
    rejected = await step(
        client, staff, profile["id"], profile["version"], "reject", reply="审核信息不匹配"
    )
    assert rejected.status == 200, await rejected.text()
    profile = await page(client, me, profile["id"])
    assert profile["state"] == "review_failed"
    response = await generic_put(client, me, profile, person())
    assert response.status == 409
    assert (await page(client, me, profile["id"]))["data"]["name"] == "郭晨"


async def test_FW05_the_history_names_the_person_who_saved(client):
    me, profile = await verified_person(client)
    response = await client.get(f"/api/applications/{profile['id']}/history", headers=me)
    assert response.status == 200, await response.text()
    body = await response.json()
    records = body["items"] if isinstance(body, dict) else body
    saves = [r for r in records if r.get("transition") == "save"]
    assert saves, records
    person_name = (await Account.get(username="zrr")).display_name
    assert all(r["actor"] == person_name for r in saves), saves
    verdicts = [r for r in records if r.get("transition") == "national_pass"]
    assert verdicts and verdicts[0]["actor"] != person_name, verdicts


async def test_FW05_bad_fields_are_named_and_change_nothing(client):
    me = await bearer(client, "zrr", "natural_person")
    (profile,) = await profiles(client, me)
    response = await save(client, me, profile, person(mobile="12345", id_valid_from=None))
    assert response.status == 422
    fields = {f for v in (await response.json())["violations"] for f in v["fields"]}
    assert {"/mobile", "/id_valid_from"} <= fields
    assert (await page(client, me, profile["id"]))["version"] == profile["version"]


FW06 = [
    ("mainland", "resident_id", "110101194910010319", "郭子晨", "national_verified"),
    ("mainland", "foreign_permanent_resident_id", "911250198504200310", "郭子晨", "exempt"),
    ("hmt", "exit_entry_permit_hk_macao", "C12345678", "郭子晨", "failed"),
    ("hmt", "exit_entry_permit_taiwan", "L12345678", "郭子晨", "failed"),
    ("hmt", "mainland_travel_permit_hk_macao", "H12345678", "陈大文", "national_verified"),
    ("hmt", "mainland_travel_permit_taiwan", "12345678", "林美玲", "national_verified"),
    ("other", "passport_foreign", "L898902C3", "John Smith", "exempt"),
]


@pytest.mark.parametrize(("identity_type", "id_type", "number", "name", "state"), FW06)
async def test_FW06_each_id_type_is_verified_or_exempted_by_the_table(
    client, identity_type, id_type, number, name, state
):
    data = person(
        name=name,
        identity_type=identity_type,
        id_type=id_type,
        id_number=number,
        id_valid_from=None if id_type != "resident_id" else "2017-07-09",
    )
    _, profile = await verified_person(client, data)
    assert profile["state"] == state


async def test_FW09_FW11_fail_upload_reject_with_sms_reupload_approve(client):
    """The journey: register, the national check fails, upload, rejected with a reason (SMS,
    详情), upload again, approved; then the upload page is read-only."""
    data = person(name="赵六", id_number="440305198506152017", mobile="13600136000")
    me, profile = await verified_person(client, data)
    assert profile["state"] == "failed"
    pid = profile["id"]
    refused = await step(client, me, pid, profile["version"], "upload")
    assert refused.status == 422
    missing = {v["rule"] for v in (await refused.json())["violations"]}
    assert missing == {"foreignwork.upload.person-id-front", "foreignwork.upload.person-id-back"}
    wrong = await attach(client, me, pid, profile["version"], "id_front", png())
    assert wrong.status in (415, 422), await wrong.text()
    big = await attach(
        client, me, pid, profile["version"], "id_front", jpeg(size=10) + b"0" * 1048577
    )
    assert big.status in (413, 422)
    version = profile["version"]
    for kind in ("id_front", "id_back"):
        assert (await attach(client, me, pid, version, kind, jpeg())).status == 201
        version += 1
    submitted = await step(client, me, pid, version, "upload")
    assert submitted.status == 200, await submitted.text()
    staff = await bearer_staff(client)
    rejected = await step(client, staff, pid, version + 1, "reject", reply="审核信息不匹配")
    assert rejected.status == 200, await rejected.text()
    shown = await page(client, me, pid)
    assert shown["state"] == "review_failed" and shown["state_title"]["zh"] == "实名认证审核失败"
    assert shown["details"]["reason"] == "审核信息不匹配"
    (sms,) = await sms_to("13600136000")
    assert "审核信息不匹配" in sms.body
    # Upload again: the same type replaces the earlier file.
    version = shown["version"]
    assert (await attach(client, me, pid, version, "id_front", jpeg("grey"))).status == 201
    listed = await (await client.get(f"/api/applications/{pid}/attachments", headers=me)).json()
    assert sorted(a["type"] for a in listed["items"]) == ["id_back", "id_front"]
    assert (await step(client, me, pid, version + 1, "upload")).status == 200
    approved = await step(client, staff, pid, version + 2, "approve")
    assert approved.status == 200
    final = await page(client, me, pid)
    assert final["state_title"]["zh"] == "科技部平台人工审核通过" and final["uploads_read_only"]
    assert len(await sms_to("13600136000")) == 2
    locked = await attach(client, me, pid, final["version"], "id_front", jpeg())
    assert locked.status == 409
    [notice] = (await locked.json())["violations"]  # 4.1.4 上传注意事项 4, in the seed's words
    assert notice["message"]["zh"] == "实名认证状态为“已实名认证”“已审核认证”时，只能查看已上传信息"


async def bearer_staff(client):
    from .factories import login

    return await login(client, "staff")


async def test_FW11_a_change_during_review_needs_the_files_again(client):
    data = person(name="赵六", id_number="440305198506152017")
    me, profile = await verified_person(client, data)
    pid, version = profile["id"], profile["version"]
    for kind in ("id_front", "id_back"):
        assert (await attach(client, me, pid, version, kind, jpeg())).status == 201
        version += 1
    assert (await step(client, me, pid, version, "upload")).status == 200
    pending = await page(client, me, pid)
    changed = await saved(client, me, pending, {**data, "id_number": "110108197512030048"})
    assert "foreignwork.profile-save.reupload-during-review" in {
        o["rule"] for o in changed["decision"]["outcomes"]
    }
    await run_jobs(client)  # 赵六 is not 张伟's name: failed again
    failed = await page(client, me, pid)
    stale = await step(client, me, pid, failed["version"], "upload")
    assert stale.status == 422
    assert "foreignwork.upload.stale" in {v["rule"] for v in (await stale.json())["violations"]}


FW07 = [
    ({"legal_person_type": None}, "/legal_person_type"),
    ({"unit_nature": None}, "/unit_nature"),
    ({"unit_address": None}, "/unit_address"),
    ({"uscc": None}, "/uscc"),
    ({"uscc": "91110108MA01KQ7B2X"}, "/uscc"),
    ({"region_type": "hmt", "uscc": None, "region": "hong_kong"}, "/unit_id"),
    ({"region_type": "hmt", "unit_id": "HK-1"}, "/region"),
    ({"region_type": "foreign", "unit_id": "F-1", "country": "德国"}, "/continent"),
    ({"region_type": "foreign", "unit_id": "F-1", "continent": "europe"}, "/country"),
    ({"founded_on": None}, "/founded_on"),
    ({"independent_legal_person": None}, "/independent_legal_person"),
    ({"mailing_address": None}, "/mailing_address"),
    ({"unit_name": None}, "/unit_name"),
]


@pytest.mark.parametrize(("changes", "field"), FW07)
async def test_FW07_each_conditional_of_the_unit_table_is_enforced(client, changes, field):
    me = await bearer(client, "fr", "legal_person")
    unit = next(p for p in await profiles(client, me) if p["workflow"] == "legal_profile")
    response = await save(client, me, unit, legal(**changes))
    assert response.status == 422, await response.text()
    fields = {f for v in (await response.json())["violations"] for f in v["fields"]}
    assert field in fields


async def test_FW07_other_type_needs_no_uscc_and_address_changes_keep_the_state(client):
    me = await bearer(client, "fr", "legal_person")
    unit = next(p for p in await profiles(client, me) if p["workflow"] == "legal_profile")
    unit = await saved(client, me, unit, legal())
    await run_jobs(client)
    unit = await page(client, me, unit["id"])
    assert unit["state"] == "national_verified"
    kept = await saved(client, me, unit, legal(unit_address="北京市海淀区知春路2号"))
    assert kept["state"] == "national_verified"
    warned = await save(
        client, me, kept, legal(unit_address="北京市海淀区知春路2号", unit_nature="国有企业")
    )
    assert warned.status == 409


FW08 = [
    ({}, "national_verified"),
    ({"legal_person_type": "social_organisation"}, "national_verified"),
    ({"legal_person_type": "public_institution"}, "national_verified"),
    ({"unit_name": "未登记的公司"}, "failed"),
    ({"legal_person_type": "other", "uscc": None}, "exempt"),
    (
        {
            "region_type": "hmt",
            "uscc": None,
            "unit_id": "HK-0001",
            "region": "hong_kong",
            "legal_person_type": None,
            "unit_nature": None,
            "unit_address": None,
        },
        "exempt",
    ),
    (
        {
            "region_type": "foreign",
            "uscc": None,
            "unit_id": "DE-1",
            "continent": "europe",
            "country": "德国",
            "legal_person_type": None,
            "unit_nature": None,
            "unit_address": None,
        },
        "exempt",
    ),
]


@pytest.mark.parametrize(("changes", "state"), FW08)
async def test_FW08_each_unit_row_is_verified_or_exempted(client, changes, state):
    me = await bearer(client, "fr", "legal_person")
    unit = next(p for p in await profiles(client, me) if p["workflow"] == "legal_profile")
    await saved(client, me, unit, legal(**changes))
    await run_jobs(client)
    assert (await page(client, me, unit["id"]))["state"] == state


async def test_FW08_a_hong_kong_unit_is_exempt_and_may_still_be_reviewed_by_hand(client):
    me = await bearer(client, "fr", "legal_person")
    unit = next(p for p in await profiles(client, me) if p["workflow"] == "legal_profile")
    hk = legal(
        region_type="hmt",
        uscc=None,
        unit_id="HK-0001",
        region="hong_kong",
        legal_person_type=None,
        unit_nature=None,
        unit_address=None,
    )
    await saved(client, me, unit, hk)
    await run_jobs(client)
    shown = await page(client, me, unit["id"])
    assert shown["state"] == "exempt"


async def test_FW10_the_agents_mobile_keeps_the_state_its_id_number_warns(client):
    me = await bearer(client, "fr", "legal_person")
    main = next(p for p in await profiles(client, me) if p["workflow"] == "agent_profile")
    main = await saved(client, me, main, agent())
    await run_jobs(client)
    main = await page(client, me, main["id"])
    assert main["state"] == "national_verified"
    kept = await saved(client, me, main, agent(mobile="13500135000"))
    assert kept["state"] == "national_verified"
    warned = await save(
        client, me, kept, agent(mobile="13500135000", id_number="110108197512030048")
    )
    assert warned.status == 409
    assert "主代办人" in (await warned.json())["warning"]["zh"]


async def test_FW13_an_incomplete_profile_is_told_on_its_page_and_on_every_matter(client):
    me = await bearer(client, "zrr", "natural_person")
    (profile,) = await profiles(client, me)
    assert profile["complete"] is False
    assert profile["notice"]["zh"] == "用户信息不全，请及时补充"
    for matter in (MATTER, "000106005000"):
        opened = await client.post(
            "/api/foreignwork/matters/open",
            json={"matter": matter, "applicant_type": "natural_person"},
            headers=me,
        )
        assert opened.status == 403
        assert [v["message"]["zh"] for v in (await opened.json())["violations"]] == [
            "用户信息不全，请及时补充"
        ]
    await saved(client, me, profile, person())
    opened = await client.post(
        "/api/foreignwork/matters/open",
        json={"matter": MATTER, "applicant_type": "natural_person"},
        headers=me,
    )
    assert opened.status == 200


async def test_FW14_the_verifier_is_an_adapter_with_a_local_implementation(client):
    health = await (await client.get("/healthz")).json()
    assert "foreignwork.national_verifier" in str(health)
    from plugins.foreignwork.verifier import LocalVerifier

    assert "stands in" in LocalVerifier.__doc__.lower()
    # The verifier itself checks the check digit too (a caller that skipped the schema).
    import asyncio  # noqa: F401

    answer = await LocalVerifier().verify_person(person(id_number="110101194910010318"))
    assert answer.passed is False
    assert (await LocalVerifier().verify_person(person())).passed is True


async def listed_uploads(client, headers, profile_id: int) -> dict[str, int]:
    shown = await client.get(f"/api/applications/{profile_id}/attachments", headers=headers)
    assert shown.status == 200, await shown.text()
    return {a["type"]: a["size"] for a in (await shown.json())["items"]}


async def test_FW11_a_unit_uploads_up_to_three_other_materials_through_review(client):
    """The legal person's upload page: the two required scans and up to three other materials;
    a fourth is refused, naming the types it takes; the same type replaces; a change during
    review makes every file stale; once approved the page is read-only."""
    me = await bearer(client, "fr", "legal_person")
    unit = next(p for p in await profiles(client, me) if p["workflow"] == "legal_profile")
    data = legal(unit_name="未登记的公司")  # not in the national register: it fails
    await saved(client, me, unit, data)
    await run_jobs(client)
    profile = await page(client, me, unit["id"])
    assert profile["state"] == "failed"
    pid, version = profile["id"], profile["version"]
    kinds = ("business_licence", "representative_id", "other_1", "other_2", "other_3")
    for kind in kinds:
        assert (await attach(client, me, pid, version, kind, jpeg())).status == 201
        version += 1
    fourth = await attach(client, me, pid, version, "other_4", jpeg())
    assert fourth.status == 422 and fourth.content_type == "application/problem+json"
    (violation,) = (await fourth.json())["violations"]
    assert violation["rule"] == "attachment.unknown-type" and violation["fields"] == ["/type"]
    assert "其他材料三" in violation["message"]["zh"] and "other_3" in violation["message"]["en"]
    before = await listed_uploads(client, me, pid)
    assert sorted(before) == sorted(kinds)
    assert (await page(client, me, pid))["version"] == version  # the refusal changed nothing
    bigger = jpeg("grey", size=200)
    assert (await attach(client, me, pid, version, "other_2", bigger)).status == 201
    version += 1
    replaced = await listed_uploads(client, me, pid)
    assert sorted(replaced) == sorted(kinds) and replaced["other_2"] == len(bigger)
    assert replaced["other_2"] != before["other_2"]
    assert (await step(client, me, pid, version, "upload")).status == 200

    pending = await page(client, me, pid)
    assert pending["state"] == "manual_pending"
    changed = await saved(client, me, pending, {**data, "mailing_address": "北京市海淀区1号"})
    assert "foreignwork.profile-save.reupload-during-review" in {
        o["rule"] for o in changed["decision"]["outcomes"]
    }
    await run_jobs(client)
    failed = await page(client, me, pid)
    stale = await step(client, me, pid, failed["version"], "upload")
    assert stale.status == 422
    violations = (await stale.json())["violations"]
    assert {v["rule"] for v in violations} == {"foreignwork.upload.stale"}
    assert violations[0]["message"]["zh"] == "您在实名审核期间修改了相关信息，请重新上传相关材料"
    version = failed["version"]
    for kind in kinds:
        assert (await attach(client, me, pid, version, kind, jpeg("white", 50))).status == 201
        version += 1
    assert (await step(client, me, pid, version, "upload")).status == 200
    staff = await bearer_staff(client)
    assert (await step(client, staff, pid, version + 1, "approve")).status == 200

    approved = await page(client, me, pid)
    assert approved["state"] == "manual_approved" and approved["uploads_read_only"]
    locked = await attach(client, me, pid, approved["version"], "other_1", jpeg("black"))
    assert locked.status == 409 and locked.content_type == "application/problem+json"
    assert "只能查看已上传信息" in (await locked.json())["violations"][0]["message"]["zh"]
    assert (await listed_uploads(client, me, pid))["other_1"] == len(jpeg("white", 50))


DEMO_STATES = [
    ("person-new", "natural_person", "person_profile", "unverified"),
    ("person-demo", "natural_person", "person_profile", "national_verified"),
    ("person-fails", "natural_person", "person_profile", "failed"),
    ("person-passport", "natural_person", "person_profile", "exempt"),
    ("person-pending", "natural_person", "person_profile", "manual_pending"),
    ("person-rejected", "natural_person", "person_profile", "review_failed"),
    ("legal-demo", "legal_person", "legal_profile", "manual_approved"),
    ("legal-hk", "legal_person", "legal_profile", "exempt"),
]


async def test_FW06_FW08_FW09_the_demo_leaves_every_real_name_state_in_place(client):
    """`govflow demo` loaded, no job runner started: each demo user's page shows its state."""
    from kernel import demo
    from kernel.keys import KERNEL

    await demo.load(client.server.app[KERNEL])
    seen = []
    for username, login_type, workflow, _ in DEMO_STATES:
        me = await bearer(client, username, login_type, demo.PASSWORD)
        shown = next(p for p in await profiles(client, me) if p["workflow"] == workflow)
        seen.append((username, login_type, workflow, shown["state"]))
        if shown["state"] == "failed":
            assert shown["details"]["reason"]  # the national platform's answer, under 详情
    assert seen == DEMO_STATES
    assert {state for *_, state in seen} >= {
        "unverified",
        "national_verified",
        "failed",
        "exempt",
        "manual_pending",
        "manual_approved",
        "review_failed",
    }
    again = await demo.load(client.server.app[KERNEL])  # idempotent: nothing moves
    assert again.applications == []
