"""foreignwork accounts through HTTP only (FW-01 login types, FW-02 legacy accounts, FW-03 and
FW-04 password recovery, FW-12 authorization), every fact built by the server."""

from __future__ import annotations

import dataclasses
import io
import logging
import re

import aiohttp
import pytest

from kernel.app import create_app
from kernel.auth import hash_password
from kernel.db.models import (
    Account,
    Application,
    Attachment,
    AuditRecord,
    Delegation,
    OutboxMessage,
)
from plugins.foreignwork.models import LegacyAccount, PasswordChange
from plugins.foreignwork.purposes import PURPOSES

from .factories import PASSWORD, login, make_account, uscc_for
from .fw_helpers import (
    ANSWER,
    MATTER,
    agent,
    attach,
    bearer,
    captcha,
    fw_login,
    jpeg,
    legal,
    person,
    png,
    profiles,
    run_jobs,
    save,
    saved,
    sms_to,
    step,
)

NEW_PASSWORD = "Neu-Passwort-2026"
LEGACY_PASSWORD = "Legacy-2020"
US = [uscc_for("110108", n) for n in range(1, 7)]


@pytest.fixture
async def client(aiohttp_client, config):
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    client = await aiohttp_client(create_app(config))
    await make_account(
        "zrr",
        "natural_person",
        ["natural_person"],
        profile={"name": "郭子晨", "id_number": "110101194910010319", "mobile": "13800138000"},
    )
    await make_account("zrr2", "natural_person", ["natural_person"])
    await make_account(
        "fr",
        "legal_person",
        ["legal_person"],
        profile={
            "unit_name": "北京示例科技有限公司",
            "uscc": "91110108MA01KQ7B2N",
            "mobile": "13700137000",
            "email": "hr@example.com.cn",
        },
    )
    await make_account(
        "staff", "reviewer", ["platform_reviewer"], scopes=[{"process": "foreignwork"}]
    )
    return client


def code_in(message: OutboxMessage) -> str:
    return re.search(r"[0-9]{6}", message.body).group(0)


# -- FW-01 ----------------------------------------------------------------------------------


async def test_FW01_each_login_type_is_checked(client):
    assert (await fw_login(client, "zrr", "natural_person")).status == 200
    assert (await fw_login(client, "fr", "legal_person")).status == 200
    for name, wrong in (("zrr", "legal_person"), ("fr", "natural_person")):
        refused = await fw_login(client, name, wrong)
        assert refused.status == 401
        (violation,) = (await refused.json())["violations"]
        assert violation["rule"] == "foreignwork.login.type-mismatch"
        assert "登录" in violation["message"]["zh"]
    bad = await client.post(
        "/api/foreignwork/login",
        json={
            "login_type": "natural_person",
            "username": "zrr",
            "password": PASSWORD,
            "captcha": {"id": (await captcha(client))["id"], "answer": "ZZZZ"},
        },
    )
    assert bad.status == 400


# -- FW-02 ----------------------------------------------------------------------------------


async def legacy_register() -> None:
    """One legacy account per case of the table, and the platform accounts the cases need."""
    await make_account("fr3", "legal_person", ["legal_person"], profile={"uscc": US[2]})
    await make_account("fr4", "legal_person", ["legal_person"], profile={"uscc": US[3]})
    await make_account(
        "fr5", "legal_person", ["legal_person"], profile={"uscc": US[4], "unit_name": "五号单位"}
    )
    rows = [
        ("oldunit1", "一号单位", US[0]),  # (1) no platform account, no clash
        ("zrr", "二号单位", US[1]),  # (2) the name is another's on the platform
        ("oldunit3", "三号单位", US[2]),  # (3) platform account fr3, no clash
        ("fr", "四号单位", US[3]),  # (4) platform account fr4, the name is another unit's
        ("fr5", "五号单位", US[4]),  # (5) the name is the unit's own platform account
    ]
    for name, unit, code in rows:
        await LegacyAccount.create(
            legacy_login_name=name,
            unit_name=unit,
            uscc=code,
            password_hash=hash_password(LEGACY_PASSWORD),
        )


FW02 = [
    ("oldunit1", [("oldunit1", "legal_person", "foreignwork.legacy.legacy-name")]),
    ("zrr", [("WP_zrr", "legal_person", "foreignwork.legacy.wp-name-legal-person")]),
    (
        "oldunit3",
        [
            ("fr3", "legal_person", "foreignwork.legacy.platform-account"),
            ("WP_oldunit3", "natural_person", "foreignwork.legacy.wp-name-natural-person"),
        ],
    ),
    (
        "fr",
        [
            ("fr4", "legal_person", "foreignwork.legacy.platform-account"),
            ("WP_fr", "natural_person", "foreignwork.legacy.wp-name-natural-person"),
        ],
    ),
    ("fr5", [("fr5", "legal_person", "foreignwork.legacy.legacy-name")]),
]


@pytest.mark.parametrize(("legacy", "ways"), FW02)
async def test_FW02_each_case_of_the_table_answers_name_type_and_rule(client, legacy, ways):
    await legacy_register()
    response = await client.post(
        "/api/foreignwork/legacy-accounts/lookup", json={"legacy_login_name": legacy}
    )
    assert response.status == 200, await response.text()
    answered = [
        (w["login_name"], w["login_type"], w["rule"]) for w in (await response.json())["ways"]
    ]
    assert sorted(answered) == sorted(ways)


async def test_FW02_a_wp_account_is_created_and_logs_in_with_the_legacy_password(client):
    await legacy_register()
    refused = await client.post(
        "/api/foreignwork/legacy-accounts/migrate",
        json={"legacy_login_name": "zrr", "password": "wrong-one-1A"},
    )
    assert refused.status == 401
    migrated = await client.post(
        "/api/foreignwork/legacy-accounts/migrate",
        json={"legacy_login_name": "zrr", "password": LEGACY_PASSWORD},
    )
    assert migrated.status == 200, await migrated.text()
    body = await migrated.json()
    assert body["created"] is True and body["ways"][0]["login_name"] == "WP_zrr"
    assert (await fw_login(client, "WP_zrr", "legal_person", LEGACY_PASSWORD)).status == 200
    again = await client.post(
        "/api/foreignwork/legacy-accounts/lookup", json={"legacy_login_name": "zrr"}
    )
    assert (await again.json())["migrated"] is True
    natural = await client.post(
        "/api/foreignwork/legacy-accounts/migrate",
        json={"legacy_login_name": "oldunit3", "password": LEGACY_PASSWORD},
    )
    assert (await natural.json())["ways"][0]["login_name"] == "WP_oldunit3"
    assert (await fw_login(client, "WP_oldunit3", "natural_person", LEGACY_PASSWORD)).status == 200


async def test_FW02_legacy_passwords_are_guessed_no_faster_than_logins(client):
    """The old system's password proves the holder, so it is locked like a login: after five
    wrong tries even the right one is refused (429) for that legacy name, and nothing is
    migrated; another legacy name is not affected."""
    await legacy_register()
    url = "/api/foreignwork/legacy-accounts/migrate"
    for _ in range(5):
        wrong = {"legacy_login_name": "zrr", "password": "wrong-one-1A"}
        assert (await client.post(url, json=wrong)).status == 401
    right = {"legacy_login_name": "zrr", "password": LEGACY_PASSWORD}
    locked = await client.post(url, json=right)
    assert locked.status == 429, await locked.text()
    assert not await Account.filter(username="WP_zrr").exists()
    other = {"legacy_login_name": "oldunit1", "password": LEGACY_PASSWORD}
    assert (await client.post(url, json=other)).status == 200


# -- FW-03 ----------------------------------------------------------------------------------


def reset_form(**changes) -> dict:
    form = {
        "login_name": "zrr",
        "account_type": "natural_person",
        "method": "mobile",
        "reserved_mobile": "13800138000",
        "reserved_mobile_confirm": "13800138000",
        "reason": "forgotten",
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
        "verification_code": "000000",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


async def post_reset(client, form: dict):
    """确定 on the reset page: the form with a fresh captcha, as the page sends it."""
    body = {**form, "captcha": await captcha(client)}
    return await client.post("/api/foreignwork/password-reset", json=body)


async def ask_code(client, **body):
    body = {**body, "captcha": await captcha(client)}
    return await client.post("/api/foreignwork/password-reset/code", json=body)


async def send_code(client, **body) -> str:
    sent = await ask_code(client, **body)
    assert sent.status == 200, await sent.text()
    message = await OutboxMessage.filter(subject="政务服务验证码").order_by("-id").first()
    return code_in(message)


async def test_FW03_reset_by_login_name_with_the_reserved_mobile(client, caplog):
    caplog.set_level(logging.DEBUG)
    old = await bearer(client, "zrr", "natural_person")
    looked = await client.post(
        "/api/foreignwork/password-reset/lookup",
        json={"login_name": "zrr", "captcha": await captcha(client)},
    )
    assert (await looked.json())["reserved_mobile"] == "138*****000"
    mismatch = await ask_code(
        client, login_name="zrr", method="mobile", reserved_mobile="13900139000"
    )
    assert mismatch.status == 400
    code = await send_code(client, login_name="zrr", method="mobile", reserved_mobile="13800138000")
    strength = await client.post("/api/foreignwork/password-strength", json={"password": "abc"})
    assert (await strength.json())["strength"] == "weak"
    weak = await post_reset(
        client,
        reset_form(
            new_password="abcdefgh",
            new_password_confirm="abcdefgi",
            reserved_mobile_confirm="13800138001",
            verification_code=code,
        ),
    )
    assert weak.status == 422
    rules = {v["rule"] for v in (await weak.json())["violations"]}
    assert any("password" in r for r in rules)
    wrong = await post_reset(
        client,
        reset_form(verification_code="999999" if code != "999999" else "111111"),
    )
    assert wrong.status == 422
    done = await post_reset(client, reset_form(verification_code=code))
    assert done.status == 200, await done.text()
    assert (await done.json())["strength"] == "strong"
    reused = await post_reset(client, reset_form(verification_code=code))
    assert reused.status == 422  # single use
    assert (await client.get("/api/auth/me", headers=old)).status == 401
    assert (await fw_login(client, "zrr", "natural_person")).status == 401
    assert (await fw_login(client, "zrr", "natural_person", NEW_PASSWORD)).status == 200
    (change,) = await PasswordChange.filter(account__username="zrr")
    assert (change.via, change.reason) == ("login_name", "forgotten")
    stored = [str(a.data) for a in await Application.all()]
    stored += [str(r.decision) + str(r.reply) for r in await AuditRecord.all()]
    stored += [m.body for m in await OutboxMessage.all()]
    assert not any(NEW_PASSWORD in s for s in stored)
    assert NEW_PASSWORD not in caplog.text


async def test_FW03_a_legal_person_must_match_unit_name_and_uscc_and_codes_expire(
    client, stopped_clock
):
    import datetime as dt

    from kernel import now

    at = stopped_clock(now())
    code = await send_code(client, login_name="fr", method="mobile", reserved_mobile="13700137000")
    form = reset_form(
        login_name="fr",
        account_type="legal_person",
        reserved_mobile="13700137000",
        reserved_mobile_confirm="13700137000",
        unit_name="北京示例科技有限公司",
        uscc="91110108MA01KQ7B2N",
        verification_code=code,
    )
    other = await post_reset(client, {**form, "uscc": US[0]})
    assert other.status == 422
    assert "foreignwork.password-reset.unit-mismatch" in {
        v["rule"] for v in (await other.json())["violations"]
    }
    at(minutes=6)
    expired = await post_reset(client, form)
    assert expired.status == 422
    assert [v["rule"] for v in (await expired.json())["violations"]] == ["code.expired"]
    at(minutes=7)
    code = await send_code(
        client, login_name="fr", method="email", reserved_email="hr@example.com.cn"
    )
    email_form = {
        **form,
        "method": "email",
        "reserved_email": "hr@example.com.cn",
        "verification_code": code,
    }
    del email_form["reserved_mobile"], email_form["reserved_mobile_confirm"]
    done = await post_reset(client, email_form)
    assert done.status == 200, await done.text()
    assert dt and PURPOSES


async def test_FW03_every_step_that_sends_or_checks_takes_a_fresh_captcha(client):
    """Anonymous with captcha: looking up, sending the code and resetting each take one; a
    missing or wrong one is refused naming /captcha, and nothing is sent or changed."""
    asked = {"login_name": "zrr", "method": "mobile", "reserved_mobile": "13800138000"}
    wrong = {"id": (await captcha(client))["id"], "answer": "ZZZZ"}
    for path, body in (
        ("/password-reset/lookup", {"login_name": "zrr"}),
        ("/password-reset/code", asked),
        ("/password-reset/code", {**asked, "captcha": wrong}),
    ):
        refused = await client.post(f"/api/foreignwork{path}", json=body)
        assert refused.status == 400, await refused.text()
        assert refused.content_type == "application/problem+json"
        (violation,) = (await refused.json())["violations"]
        assert violation["fields"] == ["/captcha"]
        assert violation["rule"] in ("captcha.required", "captcha.wrong")
        assert violation["message"]["zh"] and violation["message"]["en"]
    assert not await OutboxMessage.filter(subject="政务服务验证码").exists()

    code = await send_code(client, **asked)
    form = reset_form(verification_code=code)
    for captcha_given in (None, {"id": (await captcha(client))["id"], "answer": "ZZZZ"}):
        body = form if captcha_given is None else {**form, "captcha": captcha_given}
        refused = await client.post("/api/foreignwork/password-reset", json=body)
        assert refused.status == 400, await refused.text()
        assert (await refused.json())["violations"][0]["fields"] == ["/captcha"]
    assert (await fw_login(client, "zrr", "natural_person")).status == 200  # unchanged
    # The code was not spent by the refused tries: with a captcha the reset goes through.
    assert (await post_reset(client, form)).status == 200


async def test_FW04_an_expired_appeal_code_is_refused_by_the_server_and_never_counts(
    client, stopped_clock
):
    from kernel import now

    at = stopped_clock(now())
    data = {
        "name": "郭子晨",
        "identity_type": "mainland",
        "id_type": "resident_id",
        "id_number": "110101194910010319",
        "mobile": "13500135000",
    }
    appeal, visitor = await start(client, "appeal_natural", data)
    aid = appeal["id"]
    assert (
        await client.post(f"/api/foreignwork/appeals/{aid}/code", headers=visitor)
    ).status == 200
    (sms,) = await sms_to("13500135000")
    at(minutes=5, seconds=1)
    late = await client.post(
        f"/api/foreignwork/appeals/{aid}/code-check", json={"code": code_in(sms)}, headers=visitor
    )
    assert late.status == 422, await late.text()
    (violation,) = (await late.json())["violations"]
    assert violation["rule"] == "code.expired"
    assert violation["message"]["zh"] == "验证码已过期，请重新获取"
    assert (await upload(client, visitor, aid, 1, "id_front", png())).status == 201
    assert (await upload(client, visitor, aid, 2, "id_back", jpeg())).status == 201
    refused = await step(client, visitor, aid, 3, "submit")
    assert refused.status == 422
    assert {v["rule"] for v in (await refused.json())["violations"]} == {
        "foreignwork.sms-code.incorrect"
    }
    assert (await Application.get(id=aid)).state == "draft"


# -- FW-04 ----------------------------------------------------------------------------------


async def start(client, workflow: str, data: dict) -> tuple[dict, dict]:
    created = await client.post(
        "/api/applications",
        json={
            "process": "foreignwork",
            "workflow": workflow,
            "data": data,
            "captcha": await captcha(client),
        },
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    return body, {"Authorization": f"Bearer {body['access_token']}"}


async def upload(client, headers, subject_id, version, kind, content):
    form = aiohttp.FormData()
    form.add_field("type", kind)
    form.add_field("file", io.BytesIO(content), filename=f"{kind}.png")
    return await client.post(
        f"/api/applications/{subject_id}/attachments",
        data=form,
        headers={**headers, "If-Match": f'"{version}"'},
    )


async def test_FW04_a_natural_persons_appeal_sends_a_new_password_by_sms(client):
    data = {
        "name": "郭子晨",
        "identity_type": "mainland",
        "id_type": "resident_id",
        "id_number": "110101194910010319",
        "mobile": "13500135000",
    }
    appeal, visitor = await start(client, "appeal_natural", data)
    aid = appeal["id"]
    early = await step(client, visitor, aid, 1, "submit")
    assert early.status == 422
    assert {"foreignwork.sms-code.not-requested", "foreignwork.appeal.id-front"} <= {
        v["rule"] for v in (await early.json())["violations"]
    }
    assert (
        await client.post(f"/api/foreignwork/appeals/{aid}/code", headers=visitor)
    ).status == 200
    (sms,) = await sms_to("13500135000")
    wrong = await client.post(
        f"/api/foreignwork/appeals/{aid}/code-check",
        json={"code": "000000" if code_in(sms) != "000000" else "111111"},
        headers=visitor,
    )
    assert wrong.status == 422
    checked = await client.post(
        f"/api/foreignwork/appeals/{aid}/code-check", json={"code": code_in(sms)}, headers=visitor
    )
    assert checked.status == 200
    assert (await upload(client, visitor, aid, 1, "id_front", png())).status == 201
    assert (await upload(client, visitor, aid, 2, "id_back", jpeg())).status == 201
    submitted = await step(client, visitor, aid, 3, "submit")
    assert submitted.status == 200, await submitted.text()
    staff = await login(client, "staff")
    queue = await (
        await client.get(
            "/api/applications?process=foreignwork&workflow=appeal_natural", headers=staff
        )
    ).json()
    assert [i["id"] for i in queue["items"]] == [aid]
    approved = await step(client, staff, aid, 4, "approve")
    assert approved.status == 200, await approved.text()
    message = (await sms_to("13500135000"))[-1]
    password = re.search(r"新密码：(\S+?)。", message.body).group(1)
    assert (await fw_login(client, "zrr", "natural_person", password)).status == 200
    assert password not in str((await Application.get(id=aid)).data)


async def test_FW04_a_units_appeal_finds_the_unit_by_full_name(client):
    data = {
        "unit_name": "北京示例科技",
        "legal_person_type": "enterprise",
        "uscc": "91110108MA01KQ7B2N",
        "mobile": "13500135001",
        "agent": {
            "identity_type": "mainland",
            "id_type": "resident_id",
            "id_number": "110105198001011238",
        },
    }
    appeal, visitor = await start(client, "appeal_legal", data)
    for n, kind in enumerate(("id_front", "id_back")):
        assert (await upload(client, visitor, appeal["id"], 1 + n, kind, jpeg())).status == 201
    refused = await step(client, visitor, appeal["id"], 3, "submit")
    assert "foreignwork.appeal.unit-not-found" in {
        v["rule"] for v in (await refused.json())["violations"]
    }
    fixed, visitor = await start(
        client, "appeal_legal", {**data, "unit_name": "北京示例科技有限公司"}
    )
    for n, kind in enumerate(("id_front", "id_back")):
        await upload(client, visitor, fixed["id"], 1 + n, kind, jpeg())
    assert (await step(client, visitor, fixed["id"], 3, "submit")).status == 200
    staff = await login(client, "staff")
    rejected = await step(client, staff, fixed["id"], 4, "reject", reply="公章不清晰")
    assert rejected.status == 200
    assert "公章不清晰" in (await sms_to("13500135001"))[-1].body


async def test_FW04_someone_knowing_only_the_login_name_is_recorded_for_staff(client):
    feedback, visitor = await start(
        client,
        "support_feedback",
        {"login_name": "zrr", "contact_mobile": "13500135002", "description": "只记得登录名"},
    )
    assert (await step(client, visitor, feedback["id"], 1, "submit")).status == 200
    staff = await login(client, "staff")
    listed = await (
        await client.get(
            "/api/applications?process=foreignwork&workflow=support_feedback", headers=staff
        )
    ).json()
    assert [i["state"] for i in listed["items"]] == ["recorded"]
    assert (
        await step(client, staff, feedback["id"], 2, "answer", reply="请致电010-58884202")
    ).status == 200
    assert "010-58884202" in (await sms_to("13500135002"))[-1].body


# -- FW-12 ----------------------------------------------------------------------------------


async def grant(client, unit, data):
    created = await client.post(
        "/api/applications",
        json={"process": "foreignwork", "workflow": "authorization", "data": data},
        headers=unit,
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    return body, await step(client, unit, body["id"], body["version"], "grant")


async def test_FW12_grant_act_manage_and_lose_it_when_the_unit_is_disabled(client):
    unit = await bearer(client, "fr", "legal_person")
    unit_profile = next(p for p in await profiles(client, unit) if p["workflow"] == "legal_profile")
    await saved(client, unit, unit_profile, legal())
    await run_jobs(client)
    _, nobody = await grant(client, unit, {"grantee": "nobody", "matters": [MATTER]})
    assert "foreignwork.authorize.grantee-not-found" in {
        v["rule"] for v in (await nobody.json())["violations"]
    }
    _, to_unit = await grant(client, unit, {"grantee": "fr", "matters": [MATTER]})
    assert "foreignwork.authorize.grantee-not-natural-person" in {
        v["rule"] for v in (await to_unit.json())["violations"]
    }
    authorization, granted = await grant(
        client, unit, {"grantee": "110101194910010319", "matters": [MATTER], "manage_unit": True}
    )
    assert granted.status == 200, await granted.text()
    (delegation,) = await Delegation.filter(principal__username="fr", active=True).prefetch_related(
        "agent"
    )
    # The named matter, and None: the unit's profiles (subjects of no matter), for manage_unit.
    assert delegation.agent.username == "zrr" and delegation.matters == [MATTER, None]

    agent = await bearer(client, "zrr", "natural_person")
    (own,) = await profiles(client, agent)
    await saved(client, agent, own, person())
    units = (await (await client.get("/api/foreignwork/units", headers=agent)).json())["items"]
    assert [(u["unit"], u["legal_representative"], u["status_zh"]) for u in units] == [
        ("fr", "王五", "正常")
    ]
    matter = {"matter": MATTER, "applicant_type": "legal_person", "unit": "fr"}
    assert (
        await client.post("/api/foreignwork/matters/open", json=matter, headers=agent)
    ).status == 200
    stranger = await bearer(client, "zrr2", "natural_person")
    (theirs,) = await profiles(client, stranger)
    await saved(client, stranger, theirs, person(name="张伟", id_number="110108197512030048"))
    denied = await client.post("/api/foreignwork/matters/open", json=matter, headers=stranger)
    assert denied.status == 403
    assert (await denied.json())["violations"][0]["message"]["zh"].startswith("没有权限办理该事项")
    # The agent manages the unit's information; a stranger cannot even see it.
    shown = await client.get(f"/api/foreignwork/profiles/{unit_profile['id']}", headers=agent)
    current = await shown.json()
    kept = await save(client, agent, current, legal(mailing_address="北京市海淀区知春路9号"))
    assert kept.status == 200, await kept.text()
    assert (
        await client.get(f"/api/foreignwork/profiles/{unit_profile['id']}", headers=stranger)
    ).status == 404
    assert (await save(client, stranger, current, legal())).status == 404

    staff = await login(client, "staff")
    off = await client.post("/api/foreignwork/units/fr/disable", headers=staff)
    assert off.status == 200, await off.text()
    assert (await Application.get(id=authorization["id"])).state == "disabled"
    assert not await Delegation.filter(principal__username="fr", active=True).exists()
    assert not (await Account.get(username="fr")).active
    units = (await (await client.get("/api/foreignwork/units", headers=agent)).json())["items"]
    assert units[0]["status_zh"] == "已停用"
    assert (
        await client.post("/api/foreignwork/matters/open", json=matter, headers=agent)
    ).status == 403
    assert (
        await client.get(f"/api/foreignwork/profiles/{unit_profile['id']}", headers=agent)
    ).status == 404


async def test_FW12_an_agent_uploads_and_submits_the_units_review_until_it_is_disabled(client):
    unit = await bearer(client, "fr", "legal_person")
    mine = {p["workflow"]: p for p in await profiles(client, unit)}
    await saved(client, unit, mine["legal_profile"], legal(unit_name="未登记的公司"))
    await run_jobs(client)
    _, granted = await grant(
        client, unit, {"grantee": "zrr", "matters": [MATTER], "manage_unit": True}
    )
    assert granted.status == 200, await granted.text()
    agent = await bearer(client, "zrr", "natural_person")

    async def current(workflow):
        shown = await client.get(f"/api/foreignwork/profiles/{mine[workflow]['id']}", headers=agent)
        return shown.status, (await shown.json())

    status, profile = await current("legal_profile")
    assert status == 200 and profile["state"] == "failed"
    for kind in ("business_licence", "representative_id"):
        uploaded = await attach(client, agent, profile["id"], profile["version"], kind, jpeg())
        assert uploaded.status == 201, await uploaded.text()
        _, profile = await current("legal_profile")
    submitted = await step(client, agent, profile["id"], profile["version"], "upload")
    assert submitted.status == 200, await submitted.text()
    _, profile = await current("legal_profile")
    assert profile["state"] == "manual_pending"
    # Only while the grant lasts: the unit disabled, the agent cannot upload the agent profile.
    _, agent_profile = await current("agent_profile")
    front = await attach(
        client, agent, agent_profile["id"], agent_profile["version"], "id_front", jpeg()
    )
    assert front.status == 201, await front.text()
    _, agent_profile = await current("agent_profile")
    staff = await login(client, "staff")
    assert (await client.post("/api/foreignwork/units/fr/disable", headers=staff)).status == 200
    refused = await attach(
        client, agent, agent_profile["id"], agent_profile["version"], "id_back", jpeg()
    )
    assert refused.status in (403, 404), await refused.text()
    kinds = await Attachment.filter(application_id=agent_profile["id"]).values_list(
        "type", flat=True
    )
    assert kinds == ["id_front"]


async def units_of(client, headers) -> list[tuple]:
    listed = await (await client.get("/api/foreignwork/units", headers=headers)).json()
    return [(u["unit"], u["main"], u["role"]["zh"], u["status_zh"]) for u in listed["items"]]


async def saved_anyway(client, headers, profile: dict, data: dict) -> dict:
    """保存, confirming the re-verification warning if the profile was verified."""
    response = await save(client, headers, profile, data)
    if response.status == 409 and (await response.json()).get("confirm_required"):
        response = await save(client, headers, profile, data, confirm=True)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_FW10_FW12_the_main_agent_is_a_delegation_and_changing_it_is_a_new_grant(client):
    lisi_id, wang_id = agent()["id_number"], "110108197512030048"
    await make_account("lisi", "natural_person", ["natural_person"])
    await make_account("wang", "natural_person", ["natural_person"])
    for login_name, name, number in (("lisi", "李四", lisi_id), ("wang", "王五", wang_id)):
        me = await bearer(client, login_name, "natural_person")
        (own,) = await profiles(client, me)
        await saved(client, me, own, person(name=name, id_number=number))
    unit = await bearer(client, "fr", "legal_person")
    mine = {p["workflow"]: p for p in await profiles(client, unit)}
    assert set(mine) == {"legal_profile", "agent_profile"}  # the unit and its main agent
    assert mine["agent_profile"]["main_agent"] is None
    await saved(client, unit, mine["legal_profile"], legal())
    named = await saved(client, unit, mine["agent_profile"], agent())
    assert named["main_agent"]["login_name"] == "lisi"
    (first,) = await Delegation.filter(principal__username="fr", main=True).prefetch_related(
        "agent"
    )
    assert (first.agent.username, first.matters, first.active) == ("lisi", [], True)

    lisi = await bearer(client, "lisi", "natural_person")
    assert await units_of(client, lisi) == [("fr", True, "主代办人", "正常")]
    matter = {"matter": MATTER, "applicant_type": "legal_person", "unit": "fr"}
    opened = await client.post("/api/foreignwork/matters/open", json=matter, headers=lisi)
    assert opened.status == 200, await opened.text()  # every matter, without a grant of each
    shown = await client.get(
        f"/api/foreignwork/profiles/{mine['legal_profile']['id']}", headers=lisi
    )
    assert shown.status == 200  # and the unit's information to maintain

    await run_jobs(client)
    current = await (
        await client.get(f"/api/foreignwork/profiles/{mine['agent_profile']['id']}", headers=unit)
    ).json()
    changed = await saved_anyway(
        client, unit, current, agent(name="王五", id_number=wang_id, id_valid_until="2036-01-01")
    )
    assert changed["main_agent"]["login_name"] == "wang"
    rows = await Delegation.filter(principal__username="fr", main=True).order_by("id")
    assert [(r.id == first.id, r.active, r.revoked_at is None) for r in rows] == [
        (True, False, False),  # the old grant, revoked and kept
        (False, True, True),  # a new grant for the new agent
    ]
    assert await units_of(client, lisi) == [("fr", True, "主代办人", "已撤销")]
    denied = await client.post("/api/foreignwork/matters/open", json=matter, headers=lisi)
    assert denied.status == 403
    assert (await denied.json())["violations"][0]["message"]["zh"].startswith("没有权限办理该事项")
    wang = await bearer(client, "wang", "natural_person")
    assert await units_of(client, wang) == [("fr", True, "主代办人", "正常")]

    staff = await login(client, "staff")
    assert (await client.post("/api/foreignwork/units/fr/disable", headers=staff)).status == 200
    assert await units_of(client, wang) == [("fr", True, "主代办人", "已停用")]
    assert (await client.post("/api/foreignwork/units/fr/restore", headers=staff)).status == 200
    assert await units_of(client, wang) == [("fr", True, "主代办人", "正常")]
    assert await units_of(client, lisi) == [("fr", True, "主代办人", "已撤销")]  # stays revoked
    assert not (await Delegation.get(id=first.id)).active
    unit_subject = f"/api/applications/{mine['legal_profile']['id']}"
    assert (await client.get(unit_subject, headers=lisi)).status == 404
    assert (await client.get(unit_subject, headers=wang)).status == 200


def account_scans(records: list[logging.LogRecord]) -> list[str]:
    """The statements that read accounts narrowed by nothing but their kind: a scan of every
    unit or person, to be searched in Python."""
    kind_only = re.compile(r'FROM "account" WHERE "kind"=(\?|\$1)(: |$)')
    statements = [r.getMessage() for r in records if r.name == "tortoise.db_client"]
    return [s for s in statements if kind_only.search(s)]


async def test_FW02_FW04_FW12_accounts_are_found_by_one_query_not_by_reading_them_all(
    client, caplog
):
    """A unit by its full name (appeal), a person by ID number (grant), a unit by USCC
    (legacy): each is one query on an indexed expression of the account's profile."""
    await legacy_register()
    for n in range(5):  # others of both kinds, which a look-up must not read
        await make_account(f"other{n}", "natural_person", ["natural_person"])
        await make_account(
            f"unit{n}", "legal_person", ["legal_person"], profile={"unit_name": f"其他单位{n}"}
        )
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    looked = await client.post(
        "/api/foreignwork/legacy-accounts/lookup", json={"legacy_login_name": "oldunit3"}
    )
    assert {w["login_name"] for w in (await looked.json())["ways"]} == {"fr3", "WP_oldunit3"}
    data = {
        "unit_name": "北京示例科技有限公司",
        "legal_person_type": "enterprise",
        "uscc": "91110108MA01KQ7B2N",
        "mobile": "13500135001",
        "agent": {
            "identity_type": "mainland",
            "id_type": "resident_id",
            "id_number": "110105198001011238",
        },
    }
    appeal, visitor = await start(client, "appeal_legal", data)
    for n, kind in enumerate(("id_front", "id_back")):
        await upload(client, visitor, appeal["id"], 1 + n, kind, jpeg())
    assert (await step(client, visitor, appeal["id"], 3, "submit")).status == 200
    unit = await bearer(client, "fr", "legal_person")
    _, granted = await grant(client, unit, {"grantee": "110101194910010319", "matters": [MATTER]})
    assert granted.status == 200, await granted.text()
    assert await Delegation.filter(principal__username="fr", agent__username="zrr").exists()
    assert account_scans(caplog.records) == []


async def qr_login(client, image: bytes):
    form = aiohttp.FormData()
    form.add_field("captcha_id", (await captcha(client))["id"])
    form.add_field("captcha_answer", ANSWER)
    form.add_field("image", io.BytesIO(image), filename="登录二维码.png")
    return await client.post("/api/foreignwork/qr-login", data=form)


async def test_FW01_qr_login_with_the_image_issued_and_a_reissue_revokes_it(client):
    import base64

    me = await bearer(client, "zrr", "natural_person")
    issued = await client.post("/api/foreignwork/qr-image", headers=me)
    first = await issued.json()
    assert issued.status == 200, first
    image = base64.b64decode(first["content_base64"])
    opened = await qr_login(client, image)
    assert opened.status == 200, await opened.text()
    session = {"Authorization": f"Bearer {(await opened.json())['token']}"}
    assert (await (await client.get("/api/auth/me", headers=session)).json())["username"] == "zrr"
    await client.post("/api/foreignwork/qr-image", headers=me)
    assert (await qr_login(client, image)).status == 401
    assert (await qr_login(client, png())).status == 401


async def test_FW01_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(
    aiohttp_client, config
):
    """The login lockout counts per account *and* client: five wrong tries from one address
    lock that address out of the account, not its owner logging in from another."""
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, trust_forwarded_for=True)
    client = await aiohttp_client(create_app(config))
    await make_account("zrr", "natural_person", ["natural_person"])

    async def attempt(address: str, password: str) -> int:
        headers = {"X-Forwarded-For": address}  # a captcha is answered from where it was drawn
        issued = await (await client.post("/api/captchas", headers=headers)).json()
        body = {
            "login_type": "natural_person",
            "username": "zrr",
            "password": password,
            "captcha": {"id": issued["id"], "answer": ANSWER},
        }
        return (await client.post("/api/foreignwork/login", json=body, headers=headers)).status

    for _ in range(5):
        assert await attempt("203.0.113.7", "Wrong2026pass") == 401
    assert await attempt("203.0.113.7", PASSWORD) == 429
    assert await attempt("198.51.100.2", PASSWORD) == 200
