"""engineers through HTTP only, every fact built by the server (EN-01 … EN-04).

An individual declares from its own account to its employer; the enterprise saves its basic
information, reads the commitment letter (the server records when), reports and returns in
batch, answers withdrawals and corrects pre-registrations; the provincial authority acts on
what was reported. The clock is the kernel's, stopped and moved by the test.
"""

from __future__ import annotations

import pytest

from plugins.engineers.models import Declaration, Qualification

from .engineers_helpers import (
    IDS,
    QUALIFIED,
    UNQUALIFIED,
    Clock,
    declare,
    enterprise,
    individuals,
    listed,
    login,
    read,
    report,
    reported,
    reviewers,
    rules_of,
    save_info,
    service,
    show_commitment,
    step,
    told_already_reported,
    upload,
)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
async def client(aiohttp_client, config, clock):
    client = await service(aiohttp_client, config)
    await enterprise("huazhu", QUALIFIED)
    await reviewers()
    await individuals(10)
    return client


async def test_EN01_name_and_code_are_the_accounts_and_nothing_is_handled_before_saving(
    client, clock
):
    firm = await login(client, "huazhu")
    person = await login(client, "person0")
    page = await (await client.get("/api/engineers/enterprise", headers=firm)).json()
    assert page["enterprise_name"] == QUALIFIED[1] and page["uscc"] == QUALIFIED[0]
    assert page["basic_info"] is None

    subject = await declare(client, person, QUALIFIED)
    await show_commitment(client, firm)
    clock.advance(seconds=90)
    (refused,) = await report(client, firm, [subject])
    assert refused["status"] == 422
    assert "engineers.enterprise.info-not-saved" in rules_of(refused["problem"])
    returned = await client.post(
        "/api/engineers/declarations/return",
        json={"items": [{"id": subject["id"], "version": subject["version"]}]},
        headers=firm,
    )
    (result,) = (await returned.json())["results"]
    assert "engineers.enterprise.info-not-saved" in rules_of(result["problem"])

    # The form claimed another name and code: the server keeps the account's.
    saved = await save_info(client, firm)
    assert saved["state"] == "saved"
    assert saved["data"]["enterprise_name"] == QUALIFIED[1]
    assert saved["data"]["uscc"] == QUALIFIED[0]
    page = await (await client.get("/api/engineers/enterprise", headers=firm)).json()
    assert page["basic_info"]["saved"] is True

    await show_commitment(client, firm)
    clock.advance(seconds=61)
    (accepted,) = await report(client, firm, [subject])
    assert accepted["status"] == 200, accepted
    assert accepted["application"]["state"] == "province_pending"


async def test_EN02_ten_in_one_batch_two_not_unreported_commitment_by_the_servers_clock(
    client, clock
):
    firm = await login(client, "huazhu")
    await save_info(client, firm)
    people = [await login(client, f"person{n}") for n in range(10)]
    # Two are no longer 未上报: one reported earlier, one returned.
    early = await reported(client, firm, people[8], QUALIFIED, clock)
    subjects = [await declare(client, h, QUALIFIED) for h in people[:8]]
    subjects += [early, await declare(client, people[9], QUALIFIED)]

    # The individual's own view: 未上报, and the enterprise sees it in its list.
    assert (await read(client, people[0], subjects[0]["id"]))["state"] == "unreported"
    assert len(await listed(client, firm)) == 10
    returned = await client.post(
        "/api/engineers/declarations/return",
        json={"items": [{"id": subjects[9]["id"], "version": subjects[9]["version"]}]},
        headers=firm,
    )
    assert (await returned.json())["results"][0]["status"] == 200
    subjects[8] = await read(client, firm, early["id"])

    # The letter is shown now; confirming after 10 s is refused for every 未上报 item.
    shown = await show_commitment(client, firm)
    assert "本公司" in shown["text"] and shown["reading_seconds"] == 60
    clock.advance(seconds=10)
    too_soon = await report(client, firm, subjects)
    assert [r["status"] for r in too_soon[:8]] == [422] * 8
    assert all(
        rules_of(r["problem"]) == ["engineers.report.commitment-too-short"] for r in too_soon[:8]
    )
    assert too_soon[8]["status"] == 422 and told_already_reported(too_soon[8]["problem"])
    assert too_soon[9]["status"] == 404  # returned: left the enterprise's list

    # Not ticked: refused even after the reading time.
    clock.advance(seconds=51)
    unticked = await report(client, firm, subjects[:1], ticked=False)
    assert "engineers.report.commitment-not-ticked" in rules_of(unticked[0]["problem"])

    # 61 s after it was shown: the eight are reported, one result each; the two get notices.
    results = await report(client, firm, subjects)
    assert [r["status"] for r in results] == [200] * 8 + [422, 404]
    assert {r["application"]["state"] for r in results[:8]} == {"province_pending"}
    assert told_already_reported(results[8]["problem"])
    row = await Declaration.get(application_id=subjects[0]["id"]).prefetch_related(
        "commitment_showing"
    )
    assert row.commitment_showing_id == shown["showing_id"]  # the acceptance, with the report
    waited = row.commitment_confirmed_at - row.commitment_showing.shown_at
    assert waited.total_seconds() == 61
    history = await client.get(f"/api/applications/{subjects[0]['id']}/history", headers=firm)
    trail = (await history.json())["items"]
    assert [t["transition"] for t in trail if t["transition"]][-1] == "report"
    assert trail[-1]["actor"] == QUALIFIED[1]

    # The returned item left the list; the rest are 省级未受理; reporting again: a notice.
    items = await listed(client, firm)
    assert subjects[9]["id"] not in {i["id"] for i in items}
    assert {i["state_title"]["zh"] for i in items} == {"省级未受理"}
    again = await report(client, firm, [await read(client, firm, subjects[0]["id"])])
    assert told_already_reported(again[0]["problem"])


async def test_EN02_reporting_again_gives_the_seeds_notice_on_every_path(client, clock):
    """The plugin's batch route, the kernel's batch route and the single step: one rule, one
    notice, and the item stays where it was."""
    firm = await login(client, "huazhu")
    await save_info(client, firm)
    subject = await reported(client, firm, await login(client, "person0"), QUALIFIED, clock)
    item = [{"id": subject["id"], "version": subject["version"]}]

    (by_plugin,) = await report(client, firm, [subject])
    generic = await client.post(
        "/api/batch/transitions/report",
        json={"items": item, "input": {"ticked": True}},
        headers=firm,
    )
    assert generic.status == 200, await generic.text()
    (by_kernel,) = (await generic.json())["results"]
    single = await step(client, firm, subject, "report", input={"ticked": True})
    assert single.status == 422
    for problem in (by_plugin["problem"], by_kernel["problem"], await single.json()):
        assert told_already_reported(problem), problem
    assert by_plugin["status"] == by_kernel["status"] == 422
    stored = await read(client, firm, subject["id"])
    assert stored["state"] == "province_pending" and stored["version"] == subject["version"]


async def test_EN02_the_letter_shown_long_ago_or_never_does_not_count(client, clock):
    firm = await login(client, "huazhu")
    await save_info(client, firm)
    subject = await declare(client, await login(client, "person0"), QUALIFIED)
    (never,) = await report(client, firm, [subject])
    assert "engineers.report.commitment-not-shown" in rules_of(never["problem"])
    await show_commitment(client, firm)
    clock.advance(minutes=31)
    (stale,) = await report(client, firm, [subject])
    assert rules_of(stale["problem"]) == ["engineers.report.commitment-expired"]


async def test_EN02_list_search_view_and_batch_return(client, clock):
    firm = await login(client, "huazhu")
    await save_info(client, firm)
    a = await declare(client, await login(client, "person0"), QUALIFIED, profession="electrical")
    b = await declare(client, await login(client, "person1"), QUALIFIED, profession="architect_1")
    c = await declare(client, await login(client, "person2"), QUALIFIED)
    assert [i["id"] for i in await listed(client, firm, q="工程师1")] == [b["id"]]
    assert [i["id"] for i in await listed(client, firm, q=IDS[2].lower())] == [c["id"]]
    # The list masks ID numbers: part of one finds nothing, or searches would unmask it.
    assert await listed(client, firm, q=IDS[2][-6:]) == []
    assert [i["id"] for i in await listed(client, firm, profession="electrical")] == [a["id"]]
    today = clock.moment.date().isoformat()
    assert len(await listed(client, firm, declared_from=today, declared_to=today)) == 3
    assert await listed(client, firm, declared_from="2000-01-01", declared_to="2000-01-02") == []
    # Lists mask the ID number; the enterprise views one in full.
    item = (await listed(client, firm, q="工程师0"))[0]
    assert item["id_number"] == IDS[0][:4] + "*" * 10 + IDS[0][-4:]
    assert (await read(client, firm, a["id"]))["data"]["id_number"] == IDS[0]
    # Another enterprise sees none of it.
    await enterprise("other", UNQUALIFIED, qualified=False)
    other = await login(client, "other")
    assert (await client.get(f"/api/applications/{a['id']}", headers=other)).status == 404
    assert await listed(client, other) == []

    response = await client.post(
        "/api/engineers/declarations/return",
        json={
            "items": [
                {"id": a["id"], "version": a["version"]},
                {"id": b["id"], "version": b["version"]},
            ],
            "reply": "请核对专业",
        },
        headers=firm,
    )
    results = (await response.json())["results"]
    assert [r["status"] for r in results] == [200, 200]
    assert [i["id"] for i in await listed(client, firm)] == [c["id"]]
    assert (await read(client, await login(client, "person0"), a["id"]))["state"] == "returned"
    assert (await client.get(f"/api/applications/{a['id']}", headers=firm)).status == 404

    # Only 未上报 items are returned.
    await show_commitment(client, firm)
    clock.advance(seconds=61)
    (done,) = await report(client, firm, [c])
    response = await client.post(
        "/api/engineers/declarations/return",
        json={"items": [{"id": c["id"], "version": done["application"]["version"]}]},
        headers=firm,
    )
    assert (await response.json())["results"][0]["status"] == 409


async def test_EN03_withdrawal_agreed_while_unaccepted_refused_once_accepted(client, clock):
    firm = await login(client, "huazhu")
    province = await login(client, "province")
    await save_info(client, firm)
    alice, bob = await login(client, "person0"), await login(client, "person1")
    first = await reported(client, firm, alice, QUALIFIED, clock)
    second = await reported(client, firm, bob, QUALIFIED, clock)

    # 省级未受理: the individual asks, the enterprise agrees: withdrawn.
    asked = await step(client, alice, first, "request_withdrawal_at_province")
    assert asked.status == 200, await asked.text()
    asked = (await asked.json())["application"]
    assert asked["state"] == "province_withdrawal_requested"
    item = next(i for i in await listed(client, firm) if i["id"] == first["id"])
    assert "agree_withdrawal" in item["actions"]
    agreed = await step(client, firm, await read(client, firm, first["id"]), "agree_withdrawal")
    assert agreed.status == 200, await agreed.text()
    assert (await agreed.json())["application"]["state"] == "withdrawn"

    # 省级已受理: asking is refused.
    accepted = await step(client, province, second, "province_accept")
    assert accepted.status == 200, await accepted.text()
    second = (await accepted.json())["application"]
    refused = await step(
        client, bob, await read(client, bob, second["id"]), "request_withdrawal_at_province"
    )
    assert refused.status == 409
    assert (await read(client, bob, second["id"]))["state"] == "province_accepted"

    # 部级未受理: asked, and the enterprise may refuse: it goes back to 部级未受理.
    forwarded = await step(
        client, province, await read(client, province, second["id"]), "province_forward"
    )
    assert (await forwarded.json())["application"]["state"] == "ministry_pending"
    asked = await step(
        client, bob, await read(client, bob, second["id"]), "request_withdrawal_at_ministry"
    )
    assert asked.status == 200
    no = await step(
        client, firm, await read(client, firm, second["id"]), "refuse_withdrawal_at_ministry"
    )
    assert (await no.json())["application"]["state"] == "ministry_pending"
    # The individual cannot answer its own request; the enterprise cannot ask.
    again = await step(
        client, firm, await read(client, firm, second["id"]), "request_withdrawal_at_ministry"
    )
    assert again.status == 403


async def test_EN04_pre_registrations_corrected_by_lookup_and_by_copy(client, clock):
    await enterprise("jiance", UNQUALIFIED, qualified=False)
    firm = await login(client, "jiance")
    await save_info(client, firm, industry="testing")

    # Without a qualification only pre-registered persons can be reported.
    plain = await declare(client, await login(client, "person0"), UNQUALIFIED)
    await show_commitment(client, firm)
    clock.advance(seconds=61)
    (refused,) = await report(client, firm, [plain])
    assert rules_of(refused["problem"]) == ["engineers.report.unqualified-needs-pre-registration"]
    one = await reported(client, firm, await login(client, "person1"), UNQUALIFIED, clock, pre=True)
    two = await reported(client, firm, await login(client, "person2"), UNQUALIFIED, clock, pre=True)
    items = {i["id"]: i for i in await listed(client, firm)}
    assert "correct_qualification" in items[one["id"]]["actions"]  # 补正资质 offered

    async def correction(number, declaration):
        created = await client.post(
            "/api/applications",
            json={
                "process": "engineers",
                "workflow": "qualification_correction",
                "data": {
                    "declaration_id": declaration["id"],
                    "qualification_certificate_no": number,
                },
            },
            headers=firm,
        )
        assert created.status == 201, await created.text()
        return await created.json()

    # Not in the register yet: type the number and upload the copy.
    looked = await (await client.get("/api/engineers/qualification", headers=firm)).json()
    assert looked["found"] is False
    by_copy = await correction("D211000123", one)
    missing = await step(client, firm, by_copy, "correct")
    assert missing.status == 422
    assert rules_of(await missing.json()) == ["engineers.qualification.copy-required"]
    by_copy = await upload(client, firm, by_copy, "qualification_copy")
    done = await step(client, firm, by_copy, "correct")
    assert done.status == 200, await done.text()
    items = {i["id"]: i for i in await listed(client, firm)}
    assert items[one["id"]]["qualification_certificate_no"] == "D211000123"
    assert "correct_qualification" not in items[one["id"]]["actions"]

    # The enterprise obtained its qualification: the register has it, found by lookup.
    await Qualification.create(
        uscc=UNQUALIFIED[0], certificate_no="D211000999", enterprise_name=UNQUALIFIED[1]
    )
    looked = await (await client.get("/api/engineers/qualification", headers=firm)).json()
    assert looked == {"found": True, "certificate_no": "D211000999"}
    wrong = await step(client, firm, await correction("D211000998", two), "correct")
    assert rules_of(await wrong.json()) == ["engineers.qualification.number-mismatch"]
    by_lookup = await step(client, firm, await correction(looked["certificate_no"], two), "correct")
    assert by_lookup.status == 200, await by_lookup.text()
    assert (
        await Declaration.get(application_id=two["id"])
    ).qualification_certificate_no == "D211000999"
    # A declaration of another enterprise cannot be corrected from here.
    theirs = await declare(client, await login(client, "person3"), QUALIFIED)
    foreign = await step(client, firm, await correction("D211000999", theirs), "correct")
    assert "engineers.qualification.declaration-unknown" in rules_of(await foreign.json())
