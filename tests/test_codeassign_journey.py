"""codeassign through HTTP only, every fact built by the server (CA-01, CA-02, CA-03, CA-07)."""

from __future__ import annotations

import base64
import dataclasses
import io

import pytest
from PIL import Image

from kernel.app import create_app

from .factories import CHANGE_DOCUMENT, make_account

ANSWER = "AB23"
REQUEST = {
    "unit_name": "北京市某某区机关事务管理局",
    "uscc": "11110108000123457Q",
    "reason": "never_received",
    "recipient": "张三",
    "office_phone": "010-52035000",
    "mobile": "13800138000",
}
STAMPED = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
async def client(aiohttp_client, config):
    config = dataclasses.replace(config, captcha_text=lambda: ANSWER, jobs=False)
    client = await aiohttp_client(create_app(config))
    await make_account(
        "registry-bj",
        "reviewer",
        ["registry_reviewer"],
        scopes=[{"process": "codeassign", "region": "110000"}],
    )
    return client


async def captcha(client) -> dict:
    response = await client.post("/api/captchas")
    assert response.status == 201
    issued = await response.json()
    assert base64.b64decode(issued["image"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    return {"id": issued["id"], "answer": ANSWER.lower()}  # case does not matter


async def bearer(client, username: str) -> dict:
    from .factories import login

    return await login(client, username)


async def request_image(client, reviewer, reason="never_received") -> bytes:
    """CA-02: a visitor asks, the registry authority delivers; the PNG handed over once."""
    body = {
        "process": "codeassign",
        "workflow": "qr_request",
        "data": {**REQUEST, "reason": reason},
        "captcha": await captcha(client),
    }
    created = await client.post("/api/applications", json=body)
    assert created.status == 201, await created.text()
    request = await created.json()
    assert request["region"] == "110108"  # from the USCC: the Beijing authority sees it
    visitor = {"Authorization": f"Bearer {request['access_token']}"}
    url = f"/api/applications/{request['id']}"
    refused = await client.post(f"{url}/transitions/submit", headers={**visitor, "If-Match": '"1"'})
    assert refused.status == 422
    assert [v["rule"] for v in (await refused.json())["violations"]] == [
        "codeassign.qr.stamped-form"
    ]
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
        json={"input": {"channel": "onsite"}, "reply": "已现场领取"},
        headers={**reviewer, "If-Match": '"3"'},
    )
    assert delivered.status == 200, await delivered.text()
    image = (await delivered.json())["effects"]["login_image"]
    assert image["media_type"] == "image/png"
    return base64.b64decode(image["content_base64"])


async def qr_login(client, png: bytes):
    form = {"captcha_id": (await captcha(client))["id"], "captcha_answer": ANSWER, "image": png}
    return await client.post("/api/codeassign/qr-login", data=form)


def jpeg_half(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


async def test_CA02_a_unit_gets_its_login_image_and_logs_in_with_it(client):
    reviewer = await bearer(client, "registry-bj")
    png = await request_image(client, reviewer)
    for upload in (png, jpeg_half(png)):
        response = await qr_login(client, upload)
        assert response.status == 200, await response.text()
        session = await response.json()
        assert session["account"]["username"] == REQUEST["uscc"]
    for bad in (png[: len(png) // 2], b"not an image", STAMPED):
        assert (await qr_login(client, bad)).status == 401


async def test_CA02_reissue_after_loss_makes_the_earlier_image_useless(client):
    reviewer = await bearer(client, "registry-bj")
    first = await request_image(client, reviewer)
    second = await request_image(client, reviewer, reason="lost")
    assert (await qr_login(client, first)).status == 401
    assert (await qr_login(client, second)).status == 200


async def test_CA02_a_wrong_or_reused_captcha_is_refused(client):
    reviewer = await bearer(client, "registry-bj")
    png = await request_image(client, reviewer)
    issued = await captcha(client)
    form = {"captcha_id": issued["id"], "captcha_answer": "ZZZZ", "image": png}
    wrong = await client.post("/api/codeassign/qr-login", data=form)
    assert wrong.status == 400
    form["captcha_answer"] = ANSWER  # used up by the wrong try
    assert (await client.post("/api/codeassign/qr-login", data=form)).status == 400


async def test_CA03_CA07_commitment_then_attachments_by_the_registered_certificate(client):
    reviewer = await bearer(client, "registry-bj")
    login = await (await qr_login(client, await request_image(client, reviewer))).json()
    unit = {"Authorization": f"Bearer {login['token']}"}
    body = {"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT}
    gated = await client.post("/api/applications", json=body, headers=unit)
    assert gated.status == 403  # CA-03: no application endpoint before the commitment
    listed = await client.get("/api/applications", headers=unit)
    assert listed.status == 403
    text = await (await client.get("/api/agreements/codeassign.login", headers=unit)).json()
    assert text["version"] == "2024-01" and "登录承诺" in text["text"] and not text["agreed"]
    old = {"text_id": "codeassign.login", "version": "2023-01"}
    assert (await client.post("/api/auth/agreements", json=old, headers=unit)).status == 422
    agreed = {"text_id": "codeassign.login", "version": "2024-01"}
    assert (await client.post("/api/auth/agreements", json=agreed, headers=unit)).status == 201
    # CA-01: counter-only matters are answered by the rule and create nothing.
    initial = {"process": "codeassign", "matter": "initial", "data": {}}
    counter = await client.post("/api/applications", json=initial, headers=unit)
    assert counter.status == 422
    assert [v["rule"] for v in (await counter.json())["violations"]] == [
        "codeassign.matter.counter-only"
    ]
    created = await client.post("/api/applications", json=body, headers=unit)
    assert created.status == 201
    draft = await created.json()
    assert draft["data"]["uscc"] == REQUEST["uscc"]  # the register's, not what was typed
    url = f"/api/applications/{draft['id']}"
    # CA-07: nothing recorded about the certificate yet: both attachments are asked for.
    refused = await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"1"'})
    assert refused.status == 422
    assert {v["rule"] for v in (await refused.json())["violations"]} == {
        "codeassign.attachments.application-form",
        "codeassign.attachments.change-approval",
    }
    certificate = f"/api/codeassign/units/{REQUEST['uscc']}/certificate"
    forbidden = await client.put(
        certificate, json={"certificate_validity": "long_term"}, headers=unit
    )
    assert forbidden.status == 403  # a unit never records its own certificate
    recorded = await client.put(
        certificate, json={"certificate_validity": "long_term"}, headers=reviewer
    )
    assert recorded.status == 200
    passed = await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"1"'})
    assert passed.status == 200, await passed.text()
    page = await (
        await client.get(f"/api/codeassign/applications/{draft['id']}/page", headers=unit)
    ).json()
    assert [p["state"] for p in page["progress"] if p["current"]] == ["awaiting_acceptance"]
