"""Dry-run validation over HTTP: every problem at once, named, in Chinese and English."""

from __future__ import annotations

import pytest

from kernel.app import create_app

DOCUMENT = {
    "matter": "change",
    "unit_name": "某某市机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "+86 138-0013-8000",
    "change_items": [{"item": "address", "old": "东大街1号", "new": "西大街2号"}],
}
READY = {
    "unit": {"certificate_validity": "long_term"},
    "login_method": "qr_image",
    "commitment": {"version": "2024-01", "in_force": True},
}


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(create_app(config))


async def validate(client, body, process="codeassign"):
    response = await client.post(f"/api/processes/{process}/validate", json=body)
    return response.status, await response.json()


async def test_a_complete_application_may_be_submitted(client):
    status, decision = await validate(client, {"document": DOCUMENT, "context": READY})
    assert status == 200
    assert decision["ok"] is True and decision["outcomes"] == []
    [used] = decision["rulesets"]
    assert used["name"] == "codeassign.submit" and len(used["sha256"]) == 64


async def test_schema_problems_are_all_listed_with_field_pointers_and_titles(client):
    document = {"matter": "change", "uscc": "1110000000004JUR6X", "handler_mobile": "1380013800"}
    status, decision = await validate(client, {"document": document})
    assert status == 200 and decision["ok"] is False
    found = {(o["fields"][0], o["rule"]): o["message"] for o in decision["outcomes"]}
    assert set(found) == {
        ("/unit_name", "schema.required"),
        ("/handler", "schema.required"),
        ("/change_items", "schema.required"),
        ("/uscc", "format.uscc.check-digit"),
        ("/handler_mobile", "format.mobile-cn.length"),
    }
    assert found[("/unit_name", "schema.required")] == {
        "zh": "请填写单位名称",
        "en": "Unit name is required",
    }
    assert found[("/handler_mobile", "format.mobile-cn.length")]["zh"].startswith(
        "经办人手机号码："
    )
    assert decision["rulesets"] == []  # rules only ever see a document that passed its schema


async def test_rule_outcomes_carry_basis_parameters_and_source(client):
    context = {"unit": {"certificate_validity": "fixed"}, "login_method": "password"}
    _, decision = await validate(client, {"document": DOCUMENT, "context": context})
    by_rule = {o["rule"]: o for o in decision["outcomes"]}
    assert set(by_rule) == {
        "codeassign.login.commitment",
        "codeassign.login.qr-image",
        "codeassign.attachments.application-form",
        "codeassign.attachments.change-approval",
    }
    form = by_rule["codeassign.attachments.application-form"]
    assert form["kind"] == "requirement" and form["requirement"] == "attachment"
    assert form["params"]["attachment_type"] == "application_form"
    assert form["basis"]["document"] == "机关网上赋码平台用户端操作流程"
    assert form["source"].startswith("rules/codeassign/submit.yaml:")


#: FW-02: a unit account of the old system; no platform account, its name clashes with none.
LEGACY = {"legacy_login_name": "bjwaiguo01", "unit_name": "北京某某科技有限公司"}


async def test_the_rules_in_force_on_a_past_date_can_be_replayed(client):
    """From 2020-11-30 a legacy account logs in through the MOST platform (the login page's
    notice; ``effective_from`` in rules/foreignwork/legacy.yaml). Replayed as of the day
    before, the decision has no such instruction; as of that day, and today, it has."""
    body = {
        "workflow": "legacy_account",
        "transition": "migrate",
        "document": LEGACY,
        "context": {},
    }

    async def rules_held(**as_of: str) -> tuple[str, list[str]]:
        status, decision = await validate(client, {**body, **as_of}, process="foreignwork")
        assert status == 200, decision
        return decision["as_of"], [o["rule"] for o in decision["outcomes"]]

    assert await rules_held(as_of="2020-11-29") == ("2020-11-29", [])
    assert await rules_held(as_of="2020-11-30") == (
        "2020-11-30",
        ["foreignwork.legacy.legacy-name"],
    )
    _, today = await rules_held()
    assert today == ["foreignwork.legacy.legacy-name"]


async def test_an_as_of_that_is_not_a_date_is_refused_naming_it(client):
    status, bad = await validate(client, {"document": DOCUMENT, "as_of": "yesterday"})
    assert status == 400 and bad["violations"][0]["fields"] == ["/as_of"]
    assert bad["violations"][0]["message"]["zh"] and bad["violations"][0]["message"]["en"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b"not json", "/"),
        (b"[]", "/document"),
        (b'{"document": 1}', "/document"),
        (b'{"document": {}, "context": []}', "/context"),
    ],
)
async def test_unreadable_requests_get_problem_json_naming_the_field(client, body, pointer):
    response = await client.post("/api/processes/codeassign/validate", data=body)
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["violations"][0]["fields"] == [pointer]
    assert problem["title_zh"] and problem["violations"][0]["message"]["zh"]


async def test_unknown_process_or_transition_is_404(client):
    status, problem = await validate(client, {"document": {}}, process="nosuch")
    assert status == 404 and "nosuch" in problem["detail"]
    status, problem = await validate(client, {"document": DOCUMENT, "transition": "fly"})
    assert status == 404 and "fly" in problem["detail"]


async def test_processes_describe_states_with_chinese_labels(client):
    response = await client.get("/api/processes/codeassign")
    process = await response.json()
    states = {s["name"]: s["title"]["zh"] for s in process["workflows"]["application"]["states"]}
    assert states["awaiting_acceptance"] == "待受理"
    submit = process["workflows"]["application"]["transitions"][0]
    assert submit["rulesets"] == ["codeassign.submit"] and submit["roles"] == ["unit"]


@pytest.mark.parametrize("context", [{"unit": 5}, {"attachments": 3}, {"commitment": "yes"}])
async def test_a_context_of_the_wrong_shape_is_a_bad_request_not_a_crash(client, context):
    response = await client.post(
        "/api/processes/codeassign/validate", json={"document": DOCUMENT, "context": context}
    )
    assert response.status == 400, await response.text()
    problem = await response.json()
    assert problem["violations"][0]["fields"] == ["/context"]


async def test_a_body_over_the_configured_size_is_refused_with_413(aiohttp_client, config):
    from dataclasses import replace

    small = await aiohttp_client(create_app(replace(config, max_body_bytes=2048)))
    document = {**DOCUMENT, "unit_name": "某" * 4000}
    response = await small.post("/api/processes/codeassign/validate", json={"document": document})
    assert response.status == 413
    assert response.content_type == "application/problem+json"
    assert (await response.json())["title_zh"] == "提交的内容过大"
