"""Building accounts and sessions for API tests, the way the demo data does."""

from __future__ import annotations

import functools
from typing import Any

from kernel.auth import hash_password
from kernel.db.models import Account
from kernel.keys import CONFIG

PASSWORD = "Gov-flow-2026"

#: A unit with a long-term certificate (CA-07: it enters information and submits, no uploads).
LONG_TERM_UNIT = {"certificate_validity": "long_term", "email": "office@example.gov.cn"}
#: A complete codeassign change application (CA-06).
CHANGE_DOCUMENT = {
    "matter": "change",
    "unit_name": "某某市机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "13800138000",
    "change_items": [{"item": "address", "old": "东大街1号", "new": "西大街2号"}],
}

#: A complete websites application for a new site (WS-03).
WEBSITE_APPLICATION = {
    "application_type": "new",
    "unit_name": "北京市公安局",
    "system_category": "government",
    "function_intro": "负责全市公安工作，维护社会治安秩序。",
    "handler_phone": "010-52035000",
    "handler_mobile": "13800138000",
    "handler_email": "service@beijing.gov.cn",
    "manager_phone": "010-52035001",
    "manager_mobile": "13912345678",
    "manager_email": "web@beijing.gov.cn",
    "website_name": "北京市公安局网",
    "chinese_domain": "北京市公安局.政务",
    "english_domain": "gaj.beijing.gov.cn",
    "ipv4": "202.106.0.20",
    "ipv6": "2400:3200::1",
    "website_intro": "发布北京市公安局政务信息，提供办事服务。",
}


@functools.cache
def _hashed(password: str) -> str:
    """One argon2 hash per password for the whole run: hashing is slow on purpose."""
    return hash_password(password)


async def make_account(
    username: str,
    kind: str,
    roles: list[str],
    *,
    scopes: list[dict[str, Any]] | None = None,
    region: str | None = None,
    profile: dict[str, Any] | None = None,
    password: str = PASSWORD,
) -> Account:
    return await Account.create(
        username=username,
        kind=kind,
        display_name=username,
        password_hash=_hashed(password),
        roles=roles,
        scopes=scopes or [],
        region=region,
        profile=profile or {},
    )


def uscc_for(region: str, serial: int) -> str:
    """A valid USCC of an organ (11) registered in ``region``: both check characters right."""
    from stdnum.cn import uscc

    from kernel.identifiers.documents import organisation_check_character

    body = f"{serial:08d}"
    code = "11" + region + body + organisation_check_character(body)
    return code + uscc.calc_check_digit(code)


async def make_unit(
    username: str,
    region: str,
    validity: str | None = "long_term",
    *,
    expires: str | None = None,
    agreed: bool = True,
    serial: int | None = None,
    profile: dict[str, Any] | None = None,
) -> Account:
    """A unit account with its record in the codeassign register (the certificate as the
    registry authority recorded it) and, unless ``agreed=False``, the login commitment agreed."""
    import datetime as dt

    from kernel.db.models import Agreement
    from plugins.codeassign.models import Unit

    account = await make_account(
        username,
        "unit",
        ["unit"],
        region=region,
        profile=profile or {"email": "office@example.gov.cn"},
    )
    await Unit.create(
        account=account,
        uscc=uscc_for(region, serial if serial is not None else account.id),
        name=f"{username}机关事务管理局",
        certificate_validity=validity,
        certificate_expires=dt.date.fromisoformat(expires) if expires else None,
    )
    if agreed:
        await Agreement.create(account=account, text_id="codeassign.login", version="2024-01")
    return account


async def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for ``username``. When the server asks for a captcha (a process's
    ``login_captcha`` names one of the account's roles) it is answered as a person reading the
    image would, with the answer the app's ``captcha_text`` draws."""
    body: dict[str, Any] = {"username": username, "password": password}
    response = await client.post("/api/auth/login", json=body)
    if response.status == 400 and "captcha.required" in await response.text():
        draw = client.app[CONFIG].captcha_text
        assert draw is not None, "this account logs in with a captcha: set config.captcha_text"
        issued = await (await client.post("/api/captchas")).json()
        body["captcha"] = {"id": issued["id"], "answer": draw()}
        response = await client.post("/api/auth/login", json=body)
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def qr_login(username: str) -> dict[str, str]:
    """A session opened with the unit's login QR image (CA-02), as its login route issues."""
    from kernel.auth import issue_token

    account = await Account.get(username=username)
    token, _ = await issue_token(account, 60, "qr_image")
    return {"Authorization": f"Bearer {token}"}


async def codeassign_people() -> None:
    """Two units in two Beijing districts, a Beijing and a Shanghai registry reviewer."""
    await make_unit("unit-a", "110108")
    await make_unit("unit-b", "110105")
    for name, region in (("reviewer-bj", "110000"), ("reviewer-sh", "310000")):
        await make_account(
            name,
            "reviewer",
            ["registry_reviewer"],
            scopes=[{"process": "codeassign", "region": region}],
        )


async def create_draft(client, headers, data=None, **extra):
    """POST a codeassign change draft; the response, unread."""
    response = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": data or {}, **extra},
        headers=headers,
    )
    return response


async def agree_commitment(client, headers):
    """CA-03: agree to the login commitment text."""
    response = await client.post(
        "/api/auth/agreements",
        json={"text_id": "codeassign.login", "version": "2024-01"},
        headers=headers,
    )
    assert response.status == 201
