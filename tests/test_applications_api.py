"""An application's life over HTTP: draft, save, submit, review — and what is refused."""

from __future__ import annotations

import asyncio

import pytest

from kernel.app import create_app

from .factories import (
    CHANGE_DOCUMENT,
    agree_commitment,
    codeassign_people,
    create_draft,
    login,
    make_account,
    qr_login,
)

DOCUMENT = CHANGE_DOCUMENT


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    return client


async def test_a_unit_submits_and_a_reviewer_accepts(client):
    unit = await qr_login("unit-a")
    response = await create_draft(client, unit)
    assert response.status == 201 and response.headers["ETag"] == '"1"'
    draft = await response.json()
    assert draft["state"] == "draft" and draft["state_title"]["zh"] == "未提交"

    saved = await client.put(
        f"/api/applications/{draft['id']}",
        json={"data": DOCUMENT},
        headers={**unit, "If-Match": '"1"'},
    )
    assert saved.status == 200 and saved.headers["ETag"] == '"2"'

    await agree_commitment(client, unit)
    submitted = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"2"'}
    )
    body = await submitted.json()
    assert submitted.status == 200, body
    assert body["application"]["state"] == "awaiting_acceptance"
    assert body["decision"]["ok"] is True

    reviewer = await login(client, "reviewer-bj")
    queue = await (
        await client.get(
            "/api/applications?process=codeassign&state=awaiting_acceptance", headers=reviewer
        )
    ).json()
    assert [a["id"] for a in queue["items"]] == [draft["id"]]
    accepted = await client.post(
        f"/api/applications/{draft['id']}/transitions/accept",
        json={"reply": "材料齐全，予以受理"},
        headers={**reviewer, "If-Match": '"3"'},
    )
    assert accepted.status == 200
    history = await (
        await client.get(f"/api/applications/{draft['id']}/history", headers=unit)
    ).json()
    assert [(h["seq"], h["action"], h["from"], h["to"]) for h in history["items"]] == [
        (1, "create", None, "draft"),
        (2, "save", "draft", "draft"),
        (3, "transition", "draft", "awaiting_acceptance"),
        (4, "transition", "awaiting_acceptance", "awaiting_review"),
    ]
    assert history["items"][3]["reply"] == "材料齐全，予以受理"
    assert history["items"][2]["decision"]["rulesets"][0]["name"] == "codeassign.submit"


async def test_a_refused_submission_changes_nothing_and_lists_every_reason(client):
    unit = await qr_login("unit-a")
    # A draft may be incomplete (a wrong value is refused when it is saved, #12 point 6):
    # the submission is what needs every field.
    bad = {k: v for k, v in DOCUMENT.items() if k != "handler_mobile"}
    draft = await (await create_draft(client, unit, data=bad)).json()
    response = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"1"'}
    )
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert [v["fields"][0] for v in problem["violations"]] == ["/handler_mobile"]
    after = await (await client.get(f"/api/applications/{draft['id']}", headers=unit)).json()
    assert after["state"] == "draft" and after["version"] == 1

    fixed = await client.put(
        f"/api/applications/{draft['id']}",
        json={"data": DOCUMENT},
        headers={**unit, "If-Match": '"1"'},
    )
    assert fixed.status == 200
    response = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"2"'}
    )
    assert response.status == 200  # corrected, it goes through: nothing of the refusal stuck
    assert (await response.json())["application"]["state"] == "awaiting_acceptance"


async def test_a_stale_version_is_refused_with_409(client):
    unit = await login(client, "unit-a")
    draft = await (await create_draft(client, unit)).json()
    first = await client.put(
        f"/api/applications/{draft['id']}",
        json={"data": {"handler": "甲"}},
        headers={**unit, "If-Match": '"1"'},
    )
    second = await client.put(
        f"/api/applications/{draft['id']}",
        json={"data": {"handler": "乙"}},
        headers={**unit, "If-Match": '"1"'},
    )
    assert (first.status, second.status) == (200, 409)
    missing = await client.put(f"/api/applications/{draft['id']}", json={"data": {}}, headers=unit)
    assert missing.status == 428
    current = await (await client.get(f"/api/applications/{draft['id']}", headers=unit)).json()
    assert current["data"]["handler"] == "甲" and current["version"] == 2


async def test_a_retried_create_with_the_same_idempotency_key_creates_nothing_new(client):
    unit = await login(client, "unit-a")
    key = {"Idempotency-Key": "c0ffee-1"}
    first = await create_draft(client, {**unit, **key})
    again = await create_draft(client, {**unit, **key})
    assert (first.status, again.status) == (201, 201)
    assert (await first.json())["id"] == (await again.json())["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = await (await client.get("/api/applications", headers=unit)).json()
    assert len(listed["items"]) == 1
    other = await create_draft(client, {**unit, **key}, data={"different": True})
    assert other.status == 400


async def test_applicants_never_see_or_touch_each_others_applications(client):
    a, b = await login(client, "unit-a"), await login(client, "unit-b")
    draft = await (await create_draft(client, a, data=DOCUMENT)).json()
    url = f"/api/applications/{draft['id']}"
    assert (await client.get(url, headers=b)).status == 404
    assert (
        await client.put(url, json={"data": {}}, headers={**b, "If-Match": '"1"'})
    ).status == 404
    assert (await client.delete(url, headers={**b, "If-Match": '"1"'})).status == 404
    assert (
        await client.post(f"{url}/transitions/submit", headers={**b, "If-Match": '"1"'})
    ).status == 404
    assert (await client.get(f"{url}/history", headers=b)).status == 404
    assert (await (await client.get("/api/applications", headers=b)).json())["items"] == []


async def test_reviewers_see_only_their_region_and_act_only_in_their_role(client):
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, data=DOCUMENT)).json()
    await agree_commitment(client, unit)
    submitted = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"1"'}
    )
    assert submitted.status == 200, await submitted.text()
    assert (await submitted.json())["application"]["state"] == "awaiting_acceptance"
    beijing = await login(client, "reviewer-bj")  # the unit's region: it sees the application
    assert (await client.get(f"/api/applications/{draft['id']}", headers=beijing)).status == 200
    listed = (await (await client.get("/api/applications", headers=beijing)).json())["items"]
    assert [a["id"] for a in listed] == [draft["id"]]
    shanghai = await login(client, "reviewer-sh")
    assert (await client.get(f"/api/applications/{draft['id']}", headers=shanghai)).status == 404
    assert (await (await client.get("/api/applications", headers=shanghai)).json())["items"] == []
    own_accept = await client.post(
        f"/api/applications/{draft['id']}/transitions/accept", headers={**unit, "If-Match": '"2"'}
    )
    assert own_accept.status == 403


async def test_lists_mask_personal_numbers_but_the_owner_reads_them_in_full(client):
    unit = await login(client, "unit-a")
    draft = await (await create_draft(client, unit, data=DOCUMENT)).json()
    listed = (await (await client.get("/api/applications", headers=unit)).json())["items"][0]
    assert listed["data"]["handler_mobile"] == "138****8000"
    full = await (await client.get(f"/api/applications/{draft['id']}", headers=unit)).json()
    assert full["data"]["handler_mobile"] == "13800138000"


async def test_counter_only_matters_create_nothing(client):
    unit = await login(client, "unit-a")
    response = await client.post(
        "/api/applications", json={"process": "codeassign", "matter": "initial"}, headers=unit
    )
    assert response.status == 422
    assert "现场办理" in (await response.json())["violations"][0]["message"]["zh"]
    assert (await (await client.get("/api/applications", headers=unit)).json())["items"] == []


async def test_login_is_throttled_after_five_wrong_passwords(client):
    for _ in range(5):
        wrong = await client.post("/api/auth/login", json={"username": "unit-a", "password": "x"})
        assert wrong.status == 401
    locked = await client.post(
        "/api/auth/login", json={"username": "unit-a", "password": "Gov-flow-2026"}
    )
    assert locked.status == 429


async def test_logout_revokes_the_token(client):
    unit = await login(client, "unit-a")
    assert (await client.get("/api/auth/me", headers=unit)).status == 200
    assert (await client.post("/api/auth/logout", headers=unit)).status == 204
    assert (await client.get("/api/auth/me", headers=unit)).status == 401


async def test_concurrent_copies_of_one_create_make_one_application(client):
    import asyncio

    unit = await login(client, "unit-a")
    key = {"Idempotency-Key": "race-1"}
    answers = await asyncio.gather(*(create_draft(client, {**unit, **key}) for _ in range(8)))
    assert {r.status for r in answers} == {201}
    assert len({(await r.json())["id"] for r in answers}) == 1
    listed = await (await client.get("/api/applications", headers=unit)).json()
    assert len(listed["items"]) == 1


async def test_a_create_that_fails_midway_leaves_nothing_and_its_retry_succeeds(
    client, monkeypatch
):
    from kernel import workflow
    from kernel.db.models import Application, IdempotentRequest

    unit = await login(client, "unit-a")
    key = {"Idempotency-Key": "crash-1"}
    real_create = workflow.AuditRecord.create

    async def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow.AuditRecord, "create", crash)
    failed = await create_draft(client, {**unit, **key})
    assert failed.status == 500
    assert await Application.all().count() == 0
    assert await IdempotentRequest.all().count() == 0
    monkeypatch.setattr(workflow.AuditRecord, "create", real_create)
    retried = await create_draft(client, {**unit, **key})
    assert retried.status == 201 and "Idempotent-Replayed" not in retried.headers
    assert await Application.all().count() == 1


async def test_twenty_reviewers_racing_on_one_state_leave_one_winner_and_no_gaps(client):
    """Each reviewer read version 2 and accepts at once: one wins, 19 are told 409."""
    import asyncio

    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, data=DOCUMENT)).json()
    await agree_commitment(client, unit)
    submitted = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit", headers={**unit, "If-Match": '"1"'}
    )
    assert submitted.status == 200
    for n in range(20):
        await make_account(
            f"rev-{n}",
            "reviewer",
            ["registry_reviewer"],
            scopes=[{"process": "codeassign", "region": "110000"}],
        )
    reviewers = [await login(client, f"rev-{n}") for n in range(20)]

    async def accept(headers):
        return await client.post(
            f"/api/applications/{draft['id']}/transitions/accept",
            json={"reply": "受理"},
            headers={**headers, "If-Match": '"2"'},
        )

    answers = await asyncio.gather(*(accept(h) for h in reviewers))
    assert sorted(r.status for r in answers) == [200] + [409] * 19
    history = await (
        await client.get(f"/api/applications/{draft['id']}/history", headers=unit)
    ).json()
    assert [h["seq"] for h in history["items"]] == [1, 2, 3]
    assert history["items"][-1]["to"] == "awaiting_review"


async def test_a_submitted_application_cannot_be_saved_until_it_comes_back(client):
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    await agree_commitment(client, unit)
    url = f"/api/applications/{draft['id']}"
    submitted = await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"1"'})
    assert submitted.status == 200
    changed = {**DOCUMENT, "uscc": "1110000000004JUR60"}
    saved = await client.put(url, json={"data": changed}, headers={**unit, "If-Match": '"2"'})
    assert saved.status == 409
    assert "不能修改" in (await saved.json())["title_zh"]
    stored = await (await client.get(url, headers=unit)).json()
    assert stored["data"]["uscc"] != changed["uscc"] and stored["version"] == 2


async def test_racing_saves_each_answer_their_own_write_and_its_version(client):
    """The ETag a 200 returns is that write's: sent back, it can never overwrite another's."""
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    url = f"/api/applications/{draft['id']}"

    async def writer(n: int) -> list[tuple[str, str, int]]:
        won = []
        for attempt in range(8):
            current = await client.get(url, headers=unit)
            version = current.headers["ETag"]
            mine = f"writer {n} attempt {attempt}"
            data = {**DOCUMENT, "change_items": [{"item": "address", "old": "甲", "new": mine}]}
            saved = await client.put(
                url, json={"data": data}, headers={**unit, "If-Match": version}
            )
            if saved.status == 200:
                body = await saved.json()
                won.append((mine, saved.headers["ETag"], body))
            else:
                assert saved.status == 409
        return won

    results = await asyncio.gather(*(writer(n) for n in range(8)))
    wins = [w for r in results for w in r]
    for mine, etag, body in wins:
        assert body["data"]["change_items"][0]["new"] == mine
        assert etag == f'"{body["version"]}"'
    assert sorted(int(etag.strip('"')) for _, etag, _ in wins) == list(range(2, len(wins) + 2))


@pytest.mark.parametrize("bad", ["东大街\u00001号", "东大街\ud8001号"])
async def test_text_no_database_can_store_is_a_400_naming_the_field(client, bad):
    """PostgreSQL refuses NUL in text; a lone surrogate is not UTF-8: refused on any database."""
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    changed = {**DOCUMENT, "change_items": [{"item": "address", "old": bad, "new": "西大街2号"}]}
    url = f"/api/applications/{draft['id']}"
    saved = await client.put(url, json={"data": changed}, headers={**unit, "If-Match": '"1"'})
    assert saved.status == 400
    problem = await saved.json()
    assert problem["violations"][0]["fields"] == ["/data/change_items/0/old"]
    assert problem["violations"][0]["rule"] == "request.text"
    assert "空字符" in problem["violations"][0]["message"]["zh"]
    stored = await (await client.get(url, headers=unit)).json()
    assert stored["version"] == 1


async def test_a_step_from_the_wrong_state_says_so_not_that_someone_else_changed_it(client):
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    await agree_commitment(client, unit)
    url = f"/api/applications/{draft['id']}/transitions"
    assert (await client.post(f"{url}/submit", headers={**unit, "If-Match": '"1"'})).status == 200
    reviewer = await login(client, "reviewer-bj")
    accepted = await client.post(f"{url}/accept", headers={**reviewer, "If-Match": '"2"'})
    assert accepted.status == 200
    # (a reviewer no longer sees drafts at all, #12 point 11: the wrong state is a later one)
    response = await client.post(f"{url}/accept", headers={**reviewer, "If-Match": '"3"'})
    assert response.status == 409
    problem = await response.json()
    assert problem["type"].endswith("/wrong-state")
    assert problem["title_zh"] == "申请当前所处状态不能进行此操作"
    assert "待复核" in problem["detail"]


async def test_a_method_not_allowed_names_the_allowed_ones(client):
    response = await client.patch("/api/applications")
    assert response.status == 405
    assert response.content_type == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


async def test_a_refusal_without_a_reply_is_refused_naming_the_reply_field(client):
    """A reviewer who refuses must tell the applicant why: the reply field, in both languages."""
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    await agree_commitment(client, unit)
    url = f"/api/applications/{draft['id']}"
    assert (
        await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"1"'})
    ).status == 200
    reviewer = await login(client, "reviewer-bj")
    for body in ({}, {"reply": "   "}):
        refused = await client.post(
            f"{url}/transitions/refuse", json=body, headers={**reviewer, "If-Match": '"2"'}
        )
        assert refused.status == 422
        [violation] = (await refused.json())["violations"]
        assert {k: violation[k] for k in ("rule", "kind", "fields", "message")} == {
            "rule": "transition.reply-required",
            "kind": "violation",
            "fields": ["/reply"],
            "message": {"zh": "请填写答复意见", "en": "Write the reply to the applicant"},
        }
    stored = await (await client.get(url, headers=unit)).json()
    assert (stored["state"], stored["version"]) == ("awaiting_acceptance", 2)


async def test_saving_a_submitted_application_says_why_it_is_locked(client):
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    await agree_commitment(client, unit)
    url = f"/api/applications/{draft['id']}"
    assert (
        await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"1"'})
    ).status == 200
    saved = await client.put(url, json={"data": DOCUMENT}, headers={**unit, "If-Match": '"2"'})
    assert saved.status == 409
    assert (await saved.json())["detail"] == (
        "the application is awaiting_acceptance (待受理): its data and attachments can change "
        "again only when it is back with the applicant"
    )


async def test_a_saved_draft_names_the_unit_as_the_register_knows_it(client):
    """What the unit types for its own name and USCC is replaced on save, never trusted."""
    unit = await qr_login("unit-a")
    draft = await (await create_draft(client, unit, DOCUMENT)).json()
    url = f"/api/applications/{draft['id']}"
    forged = {**DOCUMENT, "unit_name": "别的单位", "uscc": "1110000000004JUR60"}
    saved = await client.put(url, json={"data": forged}, headers={**unit, "If-Match": '"1"'})
    assert saved.status == 200, await saved.text()
    stored = (await (await client.get(url, headers=unit)).json())["data"]
    assert (stored["unit_name"], stored["uscc"]) == (
        draft["data"]["unit_name"],
        draft["data"]["uscc"],
    )
    assert stored["unit_name"] != "别的单位"
