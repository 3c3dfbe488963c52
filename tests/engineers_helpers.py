"""Accounts, outside-service rows and HTTP steps for the engineers journeys (EN-01..EN-10).

Everything a test does to a declaration goes through the HTTP client; only what stands outside
the service (the market regulator's and the qualification register's rows, the accounts the
national platform would have) is written directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any

from kernel.app import create_app
from kernel.clock import CHINA
from kernel.db.models import Account
from plugins.engineers.models import MarketEntity, Qualification

from .factories import login, make_account

QUALIFIED = ("91110105MA01ABC09E", "北京华筑建筑设计研究院有限公司")
UNQUALIFIED = ("91110108MA03TKT23K", "北京某某工程检测有限公司")
RENAMED = ("91110105MA04NEW321", "北京某某设计顾问有限公司")
IDS = [
    "110101198001101000", "110101198102111021", "110101198203121042", "110101198304131063",
    "110101198405141084", "11010119850615110X", "110101198607161120", "110101198708171141",
    "110101198809181162", "110101198901101188", "110101199002111205", "110101199103121226",
]  # fmt: skip
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


async def account(username, kind, roles, name, **fields) -> Account:
    """An account of the national platform, under its display ``name``."""
    made = await make_account(username, kind, roles, **fields)
    made.display_name = name
    await made.save(update_fields=["display_name"])
    return made


async def service(aiohttp_client, config) -> Any:
    """The service over the test's database, its scheduled jobs off: a test that needs a job
    runs it itself, at the moment it chooses."""
    return await aiohttp_client(create_app(dataclasses.replace(config, jobs=False)))


async def enterprise(username, code_and_name, *, qualified=True, regulator_name=None):
    """An enterprise account, the regulator's record of it and, if ``qualified``, its
    certificate in the qualification register."""
    uscc, name = code_and_name
    await account(
        username, "legal_person", ["enterprise"], name, profile={"uscc": uscc}, region=uscc[2:8]
    )
    await MarketEntity.create(uscc=uscc, name=regulator_name or name)
    if qualified:
        await Qualification.create(
            uscc=uscc, certificate_no=f"A{uscc[2:8]}001", enterprise_name=name
        )


async def individual(username, name, id_number):
    profile = {"id_type": "resident_id", "id_number": id_number, "mobile": "13700137000"}
    await account(username, "natural_person", ["individual"], name, profile=profile)


async def individuals(count: int) -> None:
    """``person0`` … : individuals 工程师0 … with the ID numbers of ``IDS``, in order."""
    for n in range(count):
        await individual(f"person{n}", f"工程师{n}", IDS[n])


async def reviewers():
    await account(
        "province",
        "reviewer",
        ["province_reviewer"],
        "北京市住房和城乡建设委员会",
        scopes=[{"process": "engineers", "region": "110000"}],
    )
    await account(
        "ministry",
        "reviewer",
        ["ministry_reviewer"],
        "住房和城乡建设部执业资格注册中心",
        scopes=[{"process": "engineers"}],
    )


def info(**changes: Any) -> dict[str, Any]:
    doc = {
        "enterprise_name": "随便填的名称",
        "uscc": "91110108MA01KQ7B2N",
        "industry": "design",
        "region_code": "110105",
        "legal_representative": "王建国",
        "registered_address": "北京市朝阳区某某路1号",
        "mailing_address": "北京市朝阳区某某路1号5层",
        "postal_code": "100020",
        "contact_person": "李敏",
        "contact_mobile": "13800138000",
        "email": "hr@example.cn",
    }
    return doc | changes


async def save_info(client, headers, **changes) -> dict[str, Any]:
    """EN-01: create and save the enterprise's basic information."""
    created = await client.post(
        "/api/applications",
        json={"process": "engineers", "workflow": "enterprise_info", "data": info(**changes)},
        headers=headers,
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    saved = await step(client, headers, body, "save")
    assert saved.status == 200, await saved.text()
    return (await saved.json())["application"]


async def step(client, headers, subject, name, **body):
    return await client.post(
        f"/api/applications/{subject['id']}/transitions/{name}",
        json=body,
        headers={**headers, "If-Match": f'"{subject["version"]}"'},
    )


async def read(client, headers, subject_id) -> dict[str, Any]:
    response = await client.get(f"/api/applications/{subject_id}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def declare(client, headers, employer, *, profession="structural_1", pre=False) -> dict:
    """The individual creates a declaration to ``employer`` and declares it (→ 未上报)."""
    uscc, name = employer
    data = {
        "profession": profession,
        "registration_type": "initial",
        "pre_registration": pre,
        "employer_name": name,
        "employer_uscc": uscc,
    }
    matter = "architect" if profession == "architect_1" else "engineer"
    created = await client.post(
        "/api/applications",
        json={"process": "engineers", "matter": matter, "data": data},
        headers=headers,
    )
    assert created.status == 201, await created.text()
    declared = await step(client, headers, await created.json(), "declare")
    assert declared.status == 200, await declared.text()
    return (await declared.json())["application"]


async def show_commitment(client, headers) -> dict[str, Any]:
    shown = await client.get("/api/engineers/commitment", headers=headers)
    assert shown.status == 200, await shown.text()
    return await shown.json()


async def report(client, headers, subjects, ticked=True) -> list[dict[str, Any]]:
    items = [{"id": s["id"], "version": s["version"]} for s in subjects]
    response = await client.post(
        "/api/engineers/declarations/report",
        json={"items": items, "ticked": ticked},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    return (await response.json())["results"]


async def listed(client, headers, **query) -> list[dict[str, Any]]:
    response = await client.get("/api/engineers/declarations", params=query, headers=headers)
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


class Clock:
    """The service's clock, stopped at the real now and moved only by the test."""

    def __init__(self, monkeypatch) -> None:
        from kernel import clock

        self._clock, self._patch = clock, monkeypatch
        self.moment = now()
        self._set()

    def _set(self) -> None:
        moment = self.moment
        self._patch.setattr(self._clock, "now", lambda: moment)

    def advance(self, **delta: float) -> dt.datetime:
        self.moment += dt.timedelta(**delta)
        self._set()
        return self.moment


async def reported(client, enterprise_headers, individual_headers, employer, clock, **kw) -> dict:
    """A declaration declared and reported (省级未受理), the letter read for 61 s."""
    subject = await declare(client, individual_headers, employer, **kw)
    await show_commitment(client, enterprise_headers)
    clock.advance(seconds=61)
    (result,) = await report(client, enterprise_headers, [subject])
    assert result["status"] == 200, result
    return result["application"]


async def upload(client, headers, subject, kind) -> dict[str, Any]:
    form = {"type": kind, "file": io.BytesIO(PNG)}
    response = await client.post(
        f"/api/applications/{subject['id']}/attachments",
        data=form,
        headers={**headers, "If-Match": f'"{subject["version"]}"'},
    )
    assert response.status == 201, await response.text()
    return await read(client, headers, subject["id"])


def rules_of(problem: dict[str, Any]) -> list[str]:
    return [v["rule"] for v in problem.get("violations", [])]


#: The seed's notice (3.2.2) for an item reported again: 已经上报过的再次点击上报，会出现提示弹窗.
ALREADY_REPORTED = "该申报已上报，请勿重复上报"


def told_already_reported(problem: dict[str, Any]) -> bool:
    """Whether a refusal gives the seed's notice for an item already reported."""
    return any(
        v["rule"] == "engineers.report.already-reported" and v["message"]["zh"] == ALREADY_REPORTED
        for v in problem.get("violations", [])
    )


def now() -> dt.datetime:
    return dt.datetime.now(CHINA)


__all__ = ["login"]
