"""#12 point 11: a Chinese message never shows a field's English name (``请填写password``).

Every message that names a field names it by the schema's ``title``: the required fields of
every process's documents, the fields a transition declares, the login form.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from kernel.app import create_app

from .test_websites_journey import ANSWER, REGISTRATION, captcha

#: A field name as a schema spells it: what must not appear in a Chinese message.
ASCII_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@pytest.fixture
async def client(aiohttp_client, config):
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    return await aiohttp_client(create_app(config))


def with_empty_objects(fields) -> dict:
    """A document whose every object (and list of objects) is there but empty, so the
    required fields inside them are asked for too."""
    document: dict = {}
    for path in sorted(fields, key=lambda p: p.count(".")):
        *parents, name = path.split(".")
        node = document
        for part in parents:
            node = node.get(part)
            node = node[0] if isinstance(node, list) else node
            if not isinstance(node, dict):
                break
        else:
            nested = any(f.startswith(f"{path}.") for f in fields)
            if nested and "array" in fields[path].types:
                node[name] = [{}]
            elif nested or "object" in fields[path].types:
                node[name] = {}
    return document


def cases(kernel):
    """(process, workflow, matter, schema id) of every document that has a schema."""
    for process in kernel.processes.values():
        for workflow in process.workflows.values():
            matters = [m.name for m in process.matters if m.workflow == workflow.name] or [None]
            for matter in matters:
                schema_id = process.schema_for(workflow.name, matter)
                if schema_id is not None:
                    uri = kernel.schemas.resolve_id(schema_id, process.name)
                    yield process.name, workflow.name, matter, uri


async def test_every_required_field_is_asked_for_by_its_title(client, kernel):
    checked: dict[str, int] = {}
    for process, workflow, matter, uri in cases(kernel):
        fields = kernel.schemas.fields(uri)
        for document in ({}, with_empty_objects(fields)):
            body = {"document": document, "workflow": workflow, "matter": matter}
            response = await client.post(f"/api/processes/{process}/validate", json=body)
            assert response.status == 200, await response.text()
            decision = await response.json()
            for outcome in decision["outcomes"]:
                if outcome["rule"] != "schema.required":
                    continue
                pointer = outcome["fields"][0]
                info = fields.get(".".join(p for p in pointer.split("/")[1:] if not p.isdigit()))
                assert info is not None and info.title, (process, workflow, pointer)
                zh = outcome["message"]["zh"]
                assert zh == f"请填写{info.title}", (process, workflow, pointer, zh)
                assert not ASCII_NAME.search(zh.replace(info.title, "")), zh
                checked[process] = checked.get(process, 0) + 1
    assert set(checked) == set(kernel.processes), checked  # each process was asked
    assert sum(checked.values()) > 100, checked


async def test_a_transitions_missing_input_is_named_by_its_title(client):
    """The registration's password is the register step's input (``设置登录密码``)."""
    created = await client.post(
        "/api/applications",
        json={
            "process": "websites",
            "workflow": "registration",
            "data": REGISTRATION,
            "captcha": await captcha(client),
        },
    )
    assert created.status == 201, await created.text()
    subject = await created.json()
    response = await client.post(
        f"/api/applications/{subject['id']}/transitions/register",
        json={"input": {"password_confirm": "Wzsq2026abc"}},
        headers={"Authorization": f"Bearer {subject['access_token']}", "If-Match": '"1"'},
    )
    assert response.status == 400, await response.text()
    [violation] = (await response.json())["violations"]
    assert violation["fields"] == ["/input/password"]
    assert violation["message"]["zh"] == "请填写设置登录密码"
    assert "password" in violation["message"]["en"].lower()


@pytest.mark.parametrize(
    ("field", "zh"), [("username", "请填写用户名"), ("password", "请填写密码")]
)
async def test_the_login_form_names_its_fields_in_chinese(client, field, zh):
    body = {"username": "someone", "password": "secret123"}
    response = await client.post("/api/auth/login", json={**body, field: ""})
    assert response.status == 400
    [violation] = (await response.json())["violations"]
    assert violation["fields"] == [f"/{field}"] and violation["message"]["zh"] == zh
    assert field not in violation["message"]["zh"]
