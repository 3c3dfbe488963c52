"""codeassign through HTTP only, every fact built by the server (CA-01, CA-02, CA-03, CA-07)."""

from __future__ import annotations

import base64
import dataclasses
import io

import aiohttp
import pytest
import qrcode
import zxingcpp
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


async def qr_login(client, upload: bytes):
    form = aiohttp.FormData()
    form.add_field("captcha_id", (await captcha(client))["id"])
    form.add_field("captcha_answer", ANSWER)
    form.add_field("image", io.BytesIO(upload), filename="登录二维码.png")
    return await client.post("/api/codeassign/qr-login", data=form)


def _saved(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def jpeg_half(png: bytes) -> bytes:
    """What a unit's office may upload: the image re-saved as a JPEG at half its size."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return _saved(image.resize((image.width // 2, image.height // 2)), "JPEG", quality=70)


def rotated(png: bytes, degrees: float = 5) -> bytes:
    """A slightly crooked copy (a photo or a scan of the printed image)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return _saved(image.rotate(degrees, expand=True, fillcolor="white"), "PNG")


def other_qr(text: str) -> bytes:
    """A QR image made by another hand (the ``qrcode`` library's defaults), carrying ``text``."""
    return _saved(qrcode.make(text).get_image(), "PNG")


def payload_of(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


async def test_CA02_a_unit_gets_its_login_image_and_logs_in_with_it(client):
    reviewer = await bearer(client, "registry-bj")
    png = await request_image(client, reviewer)
    for upload in (png, jpeg_half(png), rotated(png)):
        response = await qr_login(client, upload)
        assert response.status == 200, await response.text()
        session = await response.json()
        assert session["account"]["username"] == REQUEST["uscc"]
    real = payload_of(png)
    assert real.startswith("GFQR1.") and len(real) >= len("GFQR1.") + 43, "≥ 256 bits"
    altered = real[:-1] + ("A" if real[-1] != "A" else "B")
    refused = {
        "truncated": png[: len(png) // 2],
        "not an image": b"not an image",
        "an image without a code": STAMPED,
        "forged": other_qr("GFQR1." + "x" * 43),
        "altered": other_qr(altered),
        "foreign": other_qr("https://www.gov.cn/"),
    }
    for what, bad in refused.items():
        response = await qr_login(client, bad)
        assert response.status == 401, what
        assert response.content_type == "application/problem+json", what


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
    form = {"captcha_id": issued["id"], "captcha_answer": "ZZZZ", "image": io.BytesIO(png)}
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


# -- the rest of the journey, as the registry authority and the unit go through it ---------------


async def unit_session(client, reviewer) -> dict:
    """A unit that got its image, logged in with it and agreed to the commitment."""
    login = await (await qr_login(client, await request_image(client, reviewer))).json()
    unit = {"Authorization": f"Bearer {login['token']}"}
    agreed = {"text_id": "codeassign.login", "version": "2024-01"}
    assert (await client.post("/api/auth/agreements", json=agreed, headers=unit)).status == 201
    return unit


def scan() -> bytes:
    """A scan of a stamped page, as an office's scanner saves it."""
    return _saved(Image.new("RGB", (600, 840), "white"), "JPEG", quality=80)


async def step(client, headers, application, name, reply=None, status=200) -> dict:
    response = await client.post(
        f"/api/applications/{application['id']}/transitions/{name}",
        json={"reply": reply} if reply else {},
        headers={**headers, "If-Match": f'"{application["version"]}"'},
    )
    body = await response.json()
    assert response.status == status, body
    return body.get("application", application)


async def test_CA01_counter_only_matters_are_the_rules_answer_and_create_nothing(client):
    reviewer = await bearer(client, "registry-bj")
    unit = await unit_session(client, reviewer)
    before = len((await (await client.get("/api/applications", headers=unit)).json())["items"])
    for matter in ("initial", "extension"):
        body = {"process": "codeassign", "matter": matter, "data": {}}
        response = await client.post("/api/applications", json=body, headers=unit)
        assert response.status == 422
        [violation] = (await response.json())["violations"]
        assert violation["rule"] == "codeassign.matter.counter-only"
        assert "现场" in violation["message"]["zh"]
        assert violation["basis"]["document"] == "机关网上赋码平台用户端操作流程"
    after = len((await (await client.get("/api/applications", headers=unit)).json())["items"])
    assert after == before


async def test_CA02_qr_login_is_throttled_per_client(client):
    refused = [(await qr_login(client, b"not an image")).status for _ in range(11)]
    assert refused == [401] * 10 + [429]


async def test_CA04_CA05_CA07_a_dated_certificate_through_return_to_awaiting_print(client):
    reviewer = await bearer(client, "registry-bj")
    unit = await unit_session(client, reviewer)
    certificate = f"/api/codeassign/units/{REQUEST['uscc']}/certificate"
    dated = {"certificate_validity": "fixed", "certificate_expires": "2031-12-31"}
    assert (await client.put(certificate, json=dated, headers=reviewer)).status == 200

    body = {"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT}
    draft = await (await client.post("/api/applications", json=body, headers=unit)).json()
    assert draft["data"]["unit_name"] == REQUEST["unit_name"], "the register's name"
    refused = await client.post(
        f"/api/applications/{draft['id']}/transitions/submit",
        headers={**unit, "If-Match": f'"{draft["version"]}"'},
    )
    assert refused.status == 422  # a dated certificate: the two scans are asked for
    assert {v["rule"] for v in (await refused.json())["violations"]} == {
        "codeassign.attachments.application-form",
        "codeassign.attachments.change-approval",
    }
    for kind in ("application_form", "change_approval"):
        form = {"type": kind, "file": io.BytesIO(scan())}
        url = f"/api/applications/{draft['id']}/attachments"
        headers = {**unit, "If-Match": f'"{draft["version"]}"'}
        uploaded = await client.post(url, data=form, headers=headers)
        assert uploaded.status == 201, await uploaded.text()
        draft = await (await client.get(f"/api/applications/{draft['id']}", headers=unit)).json()

    moved = await step(client, unit, draft, "submit")
    assert moved["state"] == "awaiting_acceptance"
    await step(client, unit, moved, "accept", status=403)  # a unit does not accept its own
    moved = await step(client, reviewer, moved, "accept", reply="已受理")
    await step(client, reviewer, moved, "return", status=422)  # a return needs its reply
    moved = await step(client, reviewer, moved, "return", reply="变更后住所请写全称")
    assert moved["state"] == "review_returned"
    saved = await client.put(
        f"/api/applications/{moved['id']}",
        json={
            "data": {
                **CHANGE_DOCUMENT,
                "change_items": [
                    {"item": "address", "old": "东大街1号", "new": "北京市海淀区西大街2号"}
                ],
            }
        },
        headers={**unit, "If-Match": f'"{moved["version"]}"'},
    )
    assert saved.status == 200, await saved.text()
    moved = await saved.json()
    moved = await step(client, unit, moved, "submit")
    moved = await step(client, reviewer, moved, "accept", reply="已受理")
    moved = await step(client, reviewer, moved, "approve", reply="复核通过")
    moved = await step(
        client, reviewer, moved, "notify", reply="请将签字盖章的变更申请表寄送至登记管理机关"
    )
    assert moved["state"] == "awaiting_print" and moved["state_title"]["zh"] == "待打印"

    page = await (
        await client.get(f"/api/codeassign/applications/{moved['id']}/page", headers=unit)
    ).json()
    assert page["latest_info"][0]["reply"] == "请将签字盖章的变更申请表寄送至登记管理机关"
    assert "变更后住所请写全称" in [i["reply"] for i in page["latest_info"]]
    assert [p["state"] for p in page["progress"] if p["current"]] == ["awaiting_print"]
    history = await (
        await client.get(f"/api/applications/{moved['id']}/history", headers=unit)
    ).json()
    assert [h["transition"] for h in history["items"] if h["transition"]] == [
        "submit",
        "accept",
        "return",
        "submit",
        "accept",
        "approve",
        "notify",
    ]


async def test_CA04_delete_all_material_wherever_the_unit_holds_the_application(client):
    reviewer = await bearer(client, "registry-bj")
    unit = await unit_session(client, reviewer)
    certificate = f"/api/codeassign/units/{REQUEST['uscc']}/certificate"
    await client.put(certificate, json={"certificate_validity": "long_term"}, headers=reviewer)
    body = {"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT}

    draft = await (await client.post("/api/applications", json=body, headers=unit)).json()
    url = f"/api/applications/{draft['id']}"
    gone = await client.delete(url, headers={**unit, "If-Match": '"1"'})
    assert gone.status == 204
    assert (await client.get(url, headers=unit)).status == 404

    draft = await (await client.post("/api/applications", json=body, headers=unit)).json()
    url = f"/api/applications/{draft['id']}"
    moved = await step(client, unit, draft, "submit")
    locked = await client.delete(url, headers={**unit, "If-Match": f'"{moved["version"]}"'})
    assert locked.status == 409, "with the authority, the material is not the unit's to delete"
    moved = await step(client, reviewer, moved, "refuse", reply="请补充变更依据")
    cleared = await client.delete(url, headers={**unit, "If-Match": f'"{moved["version"]}"'})
    assert cleared.status == 200, await cleared.text()
    kept = await cleared.json()
    assert kept["state"] == "not_passed" and "change_items" not in kept["data"]
    assert kept["data"]["uscc"] == REQUEST["uscc"], "the server's own fields stay"
    history = await (await client.get(f"{url}/history", headers=unit)).json()
    assert history["items"][-1]["action"] == "delete_material"
    assert "请补充变更依据" in [h["reply"] for h in history["items"]]


async def test_CA06_each_online_matter_takes_its_own_entry(client):
    reviewer = await bearer(client, "registry-bj")
    unit = await unit_session(client, reviewer)
    described = await (await client.get("/api/processes/codeassign")).json()
    online = [m["name"] for m in described["matters"] if m["online"]]
    assert online == ["change", "reissue", "replacement", "revocation"]
    for matter in online:
        data = {"matter": matter, "handler": "张三", "handler_mobile": "13800138000"}
        if matter == "change":
            data["change_items"] = [{"item": "name", "old": "旧名称", "new": "新名称"}]
        else:
            data["reason"] = "证书遗失"
        body = {"process": "codeassign", "matter": matter, "data": data}
        created = await client.post("/api/applications", json=body, headers=unit)
        assert created.status == 201, await created.text()
        dry = await client.post(
            f"/api/applications/{(await created.json())['id']}/validate?transition=submit",
            headers=unit,
        )
        blocking = [o["rule"] for o in (await dry.json())["outcomes"] if o["kind"] != "notice"]
        assert not [r for r in blocking if not r.startswith("codeassign.attachments")], blocking


async def test_CA08_both_forms_print_the_applications_chinese_in_an_embedded_font(client):
    from pdfminer.high_level import extract_text

    from .test_pdf_font import fonts

    reviewer = await bearer(client, "registry-bj")
    unit = await unit_session(client, reviewer)
    expected = {
        "change": "机关、群团等统一社会信用代码证书信息变更申请表",
        "reissue": "机关、群团等统一社会信用代码申请表",
    }
    for matter, title in expected.items():
        data = {"matter": matter, "handler": "张三", "handler_mobile": "13800138000"}
        data |= (
            {"change_items": CHANGE_DOCUMENT["change_items"]}
            if matter == "change"
            else {"reason": "证书遗失"}
        )
        body = {"process": "codeassign", "matter": matter, "data": data}
        created = await (await client.post("/api/applications", json=body, headers=unit)).json()
        listed = await (
            await client.get(f"/api/applications/{created['id']}/forms", headers=unit)
        ).json()
        [form] = listed["items"]
        response = await client.get(form["url"], headers=unit)
        assert response.status == 200 and response.content_type == "application/pdf"
        pdf = await response.read()
        text = extract_text(io.BytesIO(pdf)).replace("\n", "")
        assert title in text and REQUEST["unit_name"] in text and "张三" in text
        assert fonts(pdf), "the pages name their fonts"
        for font in fonts(pdf).values():
            descriptor = font.get("FontDescriptor") or {}
            assert "FontFile2" in descriptor, "the glyphs travel with the file"


async def test_CA09_the_service_guide_of_every_matter_is_served_as_data(client):
    described = await (await client.get("/api/processes/codeassign")).json()
    assert len(described["matters"]) == 6
    for matter in described["matters"]:
        guide = matter["guide"]
        assert set(guide) == {"scope", "process", "materials", "forms", "contact"}, matter["name"]
        assert all(guide[item]["zh"] and guide[item]["en"] for item in guide)
    counter = {m["name"]: m for m in described["matters"]}["initial"]
    assert not counter["online"] and "现场" in counter["guide"]["process"]["zh"]
