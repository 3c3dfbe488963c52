"""The websites process's own routes (mounted under ``/api/websites/``).

- ``POST login``: account, password and captcha (WS-02); an account of the online-name system
  too (WS-01, ``name_system``).
- ``POST registrations/{id}/handler-mobile``: the SMS code sent to the handler's mobile given at
  registration (WS-01, seed 第三步: 经办人手机, 验证码), checked by the server; the visitor's
  token of the registration reaches it. ``purpose``: ``REGISTRATION_MOBILE_PURPOSE``.
- ``POST applications/{id}/handler-mobile``: the SMS code sent to the handler's mobile, checked
  by the server (WS-03). The code is requested with the kernel's ``POST /api/verification-codes``
  (``channel: sms``, ``purpose``: ``HANDLER_MOBILE_PURPOSE``).
- ``GET applications``: the unit's query by website name, application number, time range (WS-04).
- ``GET|PUT applications/{id}/papers``: the stamped papers the authority received (WS-05).
- ``GET identification``: 标识管理, the codes issued to the unit with the snippet (WS-06).
- ``POST applications/{id}/mount-check``: crawl the site for the code now (WS-06).
- the public listing and verification pages (``public``, WS-07).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise.transactions import in_transaction

from kernel import (
    BadRequest,
    Call,
    Conflict,
    Forbidden,
    Lookup,
    NotFound,
    Route,
    Subject,
    Text,
    captcha_check,
    clock,
    field_error,
    hookimpl,
    password_login,
    throttle_hit,
    verification_check,
)

from . import name_system, public
from .context import NAME_SYSTEM, canonical_mobile
from .models import PAPER_TYPES, IdentificationCode, MobileConfirmation, PaperMaterial
from .mounting import CHECKED_STATES, check_site, snippet

#: The purpose of the verification code that confirms a handler's mobile (WS-03).
HANDLER_MOBILE_PURPOSE = "websites.handler-mobile"
#: The purpose of the code that confirms the handler's mobile given at registration (WS-01).
REGISTRATION_MOBILE_PURPOSE = "websites.registration-mobile"
#: Every verification-code purpose this process uses (``verification_purposes`` in process.yaml).
PURPOSES = (HANDLER_MOBILE_PURPOSE, REGISTRATION_MOBILE_PURPOSE)


async def login(call: Call) -> dict[str, Any]:
    """登录: the account issued at registration, its password and the captcha (WS-02), or a
    unit's account of the online-name system, whose password that system checks (WS-01)."""
    await throttle_hit(f"websites.login:{call.client}", limit=20, window=dt.timedelta(minutes=1))
    body = call.body
    captcha = body.get("captcha") or {}
    await captcha_check(captcha.get("id"), captcha.get("answer"), call.client)
    username = body["username"].strip()
    names = call.adapters[NAME_SYSTEM]
    if await names.holds(username):
        return await name_system.login(call, names, username, body["password"])
    token, record = await password_login(
        username, body["password"], call.ttl_minutes, client=call.client
    )
    await record.fetch_related("account")
    account = record.account
    return {
        "token": token,
        "expires_at": record.expires_at.isoformat(),
        "account": {
            "id": account.id,
            "username": account.username,
            "kind": account.kind,
            "display_name": account.display_name,
            "roles": list(account.roles),
        },
    }


async def _website_subject(call: Call, workflow: str) -> Subject:
    """The websites subject of the route's ``{id}`` in ``workflow``, if the caller may read it
    (the kernel answers 404 otherwise, as for any subject)."""
    subject = await call.subject(int(call.request.match_info["id"]))
    if subject.process != "websites" or subject.workflow != workflow:
        raise NotFound(f"not a website {workflow}")
    return subject


async def _website_application(call: Call) -> Subject:
    return await _website_subject(call, "application")


async def _confirm_mobile(call: Call, subject: Subject, purpose: str) -> dict[str, Any]:
    """Check the code sent to the handler's mobile now in ``subject`` and record the mobile as
    confirmed for it; the rules of its next step read that record, never the request."""
    if subject.owner_id != call.actor.id:
        raise Forbidden("only the unit that fills the form confirms its handler's mobile")
    mobile = canonical_mobile(subject.data.get("handler_mobile"))
    if mobile is None:
        raise field_error(
            "/handler_mobile",
            f"websites.{subject.workflow}.handler-mobile",
            "请先填写经办人手机并暂存，再获取验证码",
            "Save the handler's mobile first, then request the code",
        )
    await verification_check(mobile, purpose, call.body["code"])
    confirmed = await MobileConfirmation.create(
        application_id=subject.id, mobile=mobile, confirmed_at=clock.now()
    )
    return {"handler_mobile": mobile, "confirmed_at": confirmed.confirmed_at.isoformat()}


async def confirm_mobile(call: Call) -> dict[str, Any]:
    """验证码: the code sent to the handler's mobile now in the application, checked here.

    A wrong, expired or used code is answered by the kernel's verification codes (422 / 429
    naming ``/code``) and records nothing; a right one records the mobile as confirmed for this
    application, which the submission rules read.
    """
    subject = await _website_application(call)
    return await _confirm_mobile(call, subject, HANDLER_MOBILE_PURPOSE)


async def confirm_registration_mobile(call: Call) -> dict[str, Any]:
    """验证码 under 经办人手机 at registration (WS-01): as for an application, for the mobile
    the registration gives; the register step's rules read the record."""
    subject = await _website_subject(call, "registration")
    return await _confirm_mobile(call, subject, REGISTRATION_MOBILE_PURPOSE)


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise field_error(
            f"/{field}", "request.date", "日期格式应为YYYY-MM-DD", "Dates are YYYY-MM-DD"
        ) from None


async def query(call: Call) -> dict[str, Any]:
    """查询 (seed 图23): the unit's applications by website name, application number (申请序号)
    and application time range, newest first, with the state and the reviewer's last reply."""
    q = call.request.query
    name = (q.get("website_name") or "").strip()
    number = (q.get("id") or "").strip()
    since, until = _date(q.get("from"), "from"), _date(q.get("to"), "to")
    if number and not number.isdigit():
        raise field_error("/id", "request.integer", "申请序号应为数字", "id must be a number")
    lookup = Lookup()
    found = []
    for row in reversed(
        await lookup.subjects(owner_id=call.actor.id, process="websites", workflow="application")
    ):
        if number and row["id"] != int(number):
            continue
        if name and name not in str(row.get("website_name") or ""):
            continue
        trail = await lookup.trail(row["id"])
        applied = dt.datetime.fromisoformat(trail[0]["at"]).date()
        if (since and applied < since) or (until and applied > until):
            continue
        replies = [t for t in trail if t["reply"]]
        found.append(
            {
                "id": row["id"],
                "website_name": row.get("website_name"),
                "application_type": row.get("application_type"),
                "state": row["state"],
                "state_title": _state_title(call, row["state"]),
                "applied_at": trail[0]["at"],
                "result": replies[-1]["reply"] if replies else None,
            }
        )
    return {"items": found}


def _state_title(call: Call, state: str) -> dict[str, str] | None:
    states = call.description["workflows"]["application"]["states"]
    return next((s["title"] for s in states if s["name"] == state), None)


async def read_papers(call: Call) -> dict[str, Any]:
    subject = await _website_application(call)
    return await _papers(subject.id)


async def _papers(application_id: int) -> dict[str, Any]:
    rows = await PaperMaterial.filter(application_id=application_id).order_by("id")
    received = {r.type: r for r in rows}
    return {
        "items": [
            {"type": r.type, "stamped": r.stamped, "received_at": r.received_at.isoformat()}
            for r in rows
        ],
        "missing": [t for t in PAPER_TYPES if t not in received],
    }


async def record_papers(call: Call) -> dict[str, Any]:
    """收到书面材料: the papers that arrived, each stamped or not (WS-05). Replaces what was
    recorded before; approval is for the rules, which read these rows."""
    subject = await _website_application(call)
    if subject.state not in ("awaiting_materials", "materials_review"):
        raise Conflict(
            f"papers are recorded after the preliminary review passed; it is {subject.state}"
        )
    items = call.body["items"]
    if len({i["type"] for i in items}) != len(items):
        raise BadRequest("each paper once")
    async with in_transaction() as db:
        await PaperMaterial.filter(application_id=subject.id).using_db(db).delete()
        for item in items:
            await PaperMaterial.create(
                application_id=subject.id,
                type=item["type"],
                stamped=item.get("stamped", False),
                received_at=clock.now(),
                recorded_by_id=call.actor.id,
                using_db=db,
            )
    return await _papers(subject.id)


async def identification(call: Call) -> dict[str, Any]:
    """标识管理: every code issued to the unit, with the snippet to paste before ``</body>``."""
    origin = public.origin(call.request)
    lookup = Lookup()
    mine = await lookup.subjects(owner_id=call.actor.id, process="websites", workflow="application")
    by_id = {row["id"]: row for row in mine}
    codes = await IdentificationCode.filter(application_id__in=list(by_id)).order_by("-issued_at")
    return {
        "items": [
            {
                "application_id": c.application_id,
                "website_name": by_id[c.application_id].get("website_name"),
                "identification_code": c.code,
                "issued_at": c.issued_at.isoformat(),
                "listed": c.listed_at is not None,
                "snippet": snippet(c.code, origin),
            }
            for c in codes
        ]
    }


async def mount_check(call: Call) -> dict[str, Any]:
    """挂标检测: crawl the site now; every page without the code (or with it after
    ``</body>``) is named. Then ``confirm_mount`` lists the site when the check found it on
    every page (the scheduled re-check does that by itself)."""
    subject = await _website_application(call)
    if call.actor.kind == "unit" and subject.owner_id != call.actor.id:
        raise Forbidden("a unit checks its own sites")
    if subject.state not in CHECKED_STATES:
        raise Conflict(f"no identification code is issued yet: the application is {subject.state}")
    result = await check_site(subject.id, subject.data, call.adapters, call.actor.id)
    if result is None:
        raise Conflict("no identification code was issued to this application")
    return result


CODE_BODY = {
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {"code": {"type": "string", "title": "验证码", "maxLength": 12}},
}
LOGIN_BODY = {
    "type": "object",
    "required": ["username", "password", "captcha"],
    "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "title": "登录账号", "minLength": 1},
        "password": {"type": "string", "title": "登录密码", "minLength": 1},
        "captcha": {
            "type": "object",
            "required": ["id", "answer"],
            "properties": {"id": {"type": "string"}, "answer": {"type": "string"}},
        },
    },
}
PAPERS_BODY = {
    "type": "object",
    "required": ["items"],
    "additionalProperties": False,
    "properties": {
        "items": {
            "type": "array",
            "maxItems": len(PAPER_TYPES),
            "items": {
                "type": "object",
                "required": ["type"],
                "additionalProperties": False,
                "properties": {
                    "type": {"enum": list(PAPER_TYPES), "title": "材料"},
                    "stamped": {"type": "boolean", "title": "已加盖公章"},
                },
            },
        }
    },
}


@hookimpl
def govflow_routes() -> list[Route]:
    return [
        Route(
            "POST",
            "login",
            login,
            Text("登录（账号、密码、验证码）", "Log in with account, password and captcha"),
            access="anonymous",
            body=LOGIN_BODY,
        ),
        Route(
            "POST",
            "registrations/{id:[0-9]{1,9}}/handler-mobile",
            confirm_registration_mobile,
            Text("验证注册经办人手机验证码", "Confirm the registering handler's mobile"),
            access=("visitor",),
            body=CODE_BODY,
        ),
        Route(
            "POST",
            "applications/{id:[0-9]{1,9}}/handler-mobile",
            confirm_mobile,
            Text("验证经办人手机验证码", "Confirm the handler's mobile with its SMS code"),
            access=("website_unit",),
            body=CODE_BODY,
        ),
        Route(
            "GET",
            "applications",
            query,
            Text("查询申请", "Query the unit's applications"),
            access=("website_unit",),
        ),
        Route(
            "GET",
            "applications/{id:[0-9]{1,9}}/papers",
            read_papers,
            Text("书面材料接收情况", "Paper materials received"),
            access=("reviewer", "website_unit"),
        ),
        Route(
            "PUT",
            "applications/{id:[0-9]{1,9}}/papers",
            record_papers,
            Text("登记收到的书面材料", "Record the paper materials received"),
            access=("reviewer",),
            body=PAPERS_BODY,
        ),
        Route(
            "GET",
            "identification",
            identification,
            Text("标识管理", "Identification codes"),
            access=("website_unit",),
        ),
        Route(
            "POST",
            "applications/{id:[0-9]{1,9}}/mount-check",
            mount_check,
            Text("挂标检测", "Check the mounted identification code"),
            access=("website_unit", "reviewer"),
        ),
        *public.routes(),
    ]
