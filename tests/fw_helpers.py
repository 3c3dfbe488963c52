"""Shared pieces of the foreignwork journeys through HTTP (tests/test_foreignwork_*.py)."""

from __future__ import annotations

import io

from PIL import Image

from kernel.db.models import OutboxMessage
from kernel.jobs import JobRunner, jobs_of
from kernel.keys import KERNEL

from .factories import PASSWORD, make_account

ANSWER = "AB23"
MATTER = "000106004000"  # 外国人来华工作许可


def jpeg(colour: str = "white", size: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "white").save(out, "PNG")
    return out.getvalue()


def person(**changes) -> dict:
    document = {
        "name": "郭子晨",
        "mobile": "13800138000",
        "email": "guozc@163.com",
        "identity_type": "mainland",
        "id_type": "resident_id",
        "id_number": "110101194910010319",
        "id_valid_from": "2017-07-09",
        "id_valid_until": "2037-07-09",
        "address": "北京市海淀区中关村大街1号",
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def legal(**changes) -> dict:
    document = {
        "unit_name": "北京示例科技有限公司",
        "region_type": "domestic",
        "legal_person_type": "enterprise",
        "uscc": "91110108MA01KQ7B2N",
        "unit_nature": "民营企业",
        "unit_address": "北京市海淀区知春路1号",
        "founded_on": "2012-05-18",
        "independent_legal_person": True,
        "mailing_address": "北京市海淀区知春路1号",
        "representative": {
            "name": "王五",
            "mobile": "13912345678",
            "email": "wangwu@example.com.cn",
            "identity_type": "mainland",
            "id_type": "resident_id",
            "id_number": "310104198512311225",
            "id_valid_from": "2016-01-01",
            "id_long_term": True,
        },
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def agent(**changes) -> dict:
    document = {
        "name": "李四",
        "mobile": "13700137000",
        "identity_type": "mainland",
        "id_type": "resident_id",
        "id_number": "110105198001011238",
        "id_valid_from": "2015-03-01",
        "id_valid_until": "2035-03-01",
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


async def captcha(client) -> dict:
    issued = await (await client.post("/api/captchas")).json()
    return {"id": issued["id"], "answer": ANSWER}


async def fw_login(client, username: str, login_type: str, password: str = PASSWORD):
    body = {
        "login_type": login_type,
        "username": username,
        "password": password,
        "captcha": await captcha(client),
    }
    return await client.post("/api/foreignwork/login", json=body)


async def bearer(client, username: str, login_type: str, password: str = PASSWORD) -> dict:
    response = await fw_login(client, username, login_type, password)
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def people() -> None:
    await make_account("zrr", "natural_person", ["natural_person"])
    await make_account("zrr2", "natural_person", ["natural_person"])
    await make_account("fr", "legal_person", ["legal_person"])
    await make_account(
        "staff", "reviewer", ["platform_reviewer"], scopes=[{"process": "foreignwork"}]
    )


async def profiles(client, headers) -> list[dict]:
    response = await client.get("/api/foreignwork/profiles", headers=headers)
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def page(client, headers, profile_id: int) -> dict:
    response = await client.get(f"/api/foreignwork/profiles/{profile_id}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def save(client, headers, profile: dict, data: dict, confirm: bool | None = None):
    body = {"version": profile["version"], "data": data}
    if confirm is not None:
        body["confirm"] = confirm
    return await client.put(
        f"/api/foreignwork/profiles/{profile['id']}", json=body, headers=headers
    )


async def saved(client, headers, profile: dict, data: dict, confirm: bool | None = None) -> dict:
    response = await save(client, headers, profile, data, confirm)
    assert response.status == 200, await response.text()
    return await response.json()


async def run_jobs(client) -> int:
    kernel = client.server.app[KERNEL]
    own = [j for j in jobs_of(kernel.pm) if j.name.startswith("foreignwork.")]  # its own jobs
    runner = JobRunner(kernel, own, kernel.adapters, worker_id="test")
    return await runner.run_once()


async def attach(client, headers, profile_id: int, version: int, kind: str, content: bytes):
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("type", kind)
    form.add_field("file", io.BytesIO(content), filename=f"{kind}.jpg")
    return await client.post(
        f"/api/applications/{profile_id}/attachments",
        data=form,
        headers={**headers, "If-Match": f'"{version}"'},
    )


async def step(client, headers, subject_id: int, version: int, name: str, **body):
    return await client.post(
        f"/api/applications/{subject_id}/transitions/{name}",
        json=body,
        headers={**headers, "If-Match": f'"{version}"'},
    )


async def sms_to(mobile: str) -> list[OutboxMessage]:
    return await OutboxMessage.filter(channel="sms", recipient=mobile).order_by("id")
