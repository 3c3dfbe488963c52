"""codeassign's own routes: QR-image login (CA-02), the unit register (CA-07), the
application page (CA-04)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kernel import (
    Call,
    Forbidden,
    Lookup,
    NotFound,
    Route,
    Text,
    Unauthorized,
    captcha_check,
    field_error,
    hookimpl,
    throttle_hit,
)

from . import loginimage
from .models import VALIDITIES, Unit
from .register import as_dict

#: A saved login image is a few kilobytes; a photo of it at most a few megabytes.
LOGIN_FORM_BYTES = 4 * 2**20


async def qr_login(call: Call) -> dict[str, Any]:
    """Log in by uploading the unit's saved login QR image, with the captcha (图片登录).

    Every refusal reads the same (401), whether the upload was no image, another code, a forged
    or revoked image: nothing tells a guesser which part was wrong. Throttled per client.
    """
    await throttle_hit(
        f"codeassign.qr-login:{call.client}", limit=10, window=dt.timedelta(minutes=1)
    )
    form = await call.form(LOGIN_FORM_BYTES)
    await captcha_check(
        _text(form.get("captcha_id")), _text(form.get("captcha_answer")), call.client
    )
    image = form.get("image")
    if not image:
        raise field_error(
            "/image",
            "codeassign.qr-login.image",
            "请上传已保存的登录二维码图片",
            "Upload the saved login QR image",
        )
    account_id = await loginimage.account_for(image)
    if account_id is None:
        raise Unauthorized("this is not a valid login image of the platform")
    return await call.open_session(account_id, "qr_image")


def _text(raw: bytes | None) -> str | None:
    return raw.decode("utf-8", "replace").strip() if raw is not None else None


async def _unit_in_scope(call: Call) -> Unit:
    uscc = call.request.match_info["uscc"].strip().upper()
    unit = await Unit.get_or_none(uscc=uscc).prefetch_related("account")
    if unit is None or not call.actor.reviews("codeassign", unit.account.region):
        raise NotFound(f"no unit {uscc} in this reviewer's regions")
    return unit


async def read_unit(call: Call) -> dict[str, Any]:
    """A unit's record in the register: name, USCC, its certificate's validity."""
    return as_dict(await _unit_in_scope(call))


async def set_certificate(call: Call) -> dict[str, Any]:
    """The registry authority records the unit's certificate: long-term, or valid until a date.

    What the submission rules read (CA-07); a unit never sets it itself.
    """
    unit = await _unit_in_scope(call)
    validity = call.body["certificate_validity"]
    expires = call.body.get("certificate_expires")
    if validity == "long_term" and expires:
        raise field_error(
            "/certificate_expires",
            "codeassign.unit.long-term-no-end",
            "长期有效的证书没有截止日期",
            "A long-term certificate has no end date",
        )
    if validity == "fixed" and not expires:
        raise field_error(
            "/certificate_expires",
            "codeassign.unit.fixed-needs-end",
            "有有效期的证书请填写有效期截止日期",
            "A certificate with a validity period needs its end date",
        )
    unit.certificate_validity = validity
    unit.certificate_expires = dt.date.fromisoformat(expires) if expires else None
    await unit.save(update_fields=["certificate_validity", "certificate_expires", "updated_at"])
    return as_dict(unit)


async def application_page(call: Call) -> dict[str, Any]:
    """申请信息录入 page (CA-04): latest info, progress, the buttons open, earlier applications."""
    subject = await call.subject(int(call.request.match_info["id"]))
    if subject.process != "codeassign" or subject.workflow != "application":
        raise NotFound("not a codeassign application")
    if call.actor.kind != "unit":
        raise Forbidden("the application page is the unit's")
    lookup = Lookup()
    trail = await lookup.trail(subject.id)
    states = call.description["workflows"]["application"]["states"]
    others = await lookup.subjects(
        owner_id=subject.owner_id,
        process="codeassign",
        workflow="application",
        exclude_id=subject.id,
    )
    return {
        "id": subject.id,
        "matter": subject.matter,
        "version": subject.version,
        # 最新信息: the registry authority's replies, newest first.
        "latest_info": [
            {"at": r["at"], "from": r["actor"], "reply": r["reply"], "state": r["to"]}
            for r in reversed(trail)
            if r["reply"]
        ],
        # 办理进度: every state in order, the current one marked.
        "progress": [
            {"state": s["name"], "title": s["title"], "current": s["name"] == subject.state}
            for s in states
        ],
        # 历史信息: the unit's earlier applications.
        "history": [{"id": o["id"], "matter": o["matter"], "state": o["state"]} for o in others],
        "data": subject.data,
    }


CERTIFICATE_BODY = {
    "type": "object",
    "required": ["certificate_validity"],
    "additionalProperties": False,
    "properties": {
        "certificate_validity": {"enum": list(VALIDITIES), "title": "证书有效期类型"},
        "certificate_expires": {"type": "string", "format": "date", "title": "证书有效期至"},
    },
}
UNIT = {"type": "object", "properties": {"uscc": {"type": "string"}, "name": {"type": "string"}}}
LOGIN_FORM = {
    "type": "object",
    "required": ["captcha_id", "captcha_answer", "image"],
    "properties": {
        "captcha_id": {"type": "string"},
        "captcha_answer": {"type": "string"},
        "image": {"type": "string", "contentMediaType": "image/png"},
    },
}


@hookimpl
def govflow_routes() -> list[Route]:
    return [
        Route(
            "POST",
            "qr-login",
            qr_login,
            Text("二维码图片登录", "Log in with the login QR image"),
            access="anonymous",
            body=LOGIN_FORM,
            body_media="multipart/form-data",
        ),
        Route(
            "GET",
            "units/{uscc}",
            read_unit,
            Text("查看单位登记信息", "A unit's record"),
            access=("registry_reviewer",),
            response=UNIT,
        ),
        Route(
            "PUT",
            "units/{uscc}/certificate",
            set_certificate,
            Text("登记单位证书有效期", "Record the unit's certificate validity"),
            access=("registry_reviewer",),
            body=CERTIFICATE_BODY,
            response=UNIT,
        ),
        Route(
            "GET",
            "applications/{id:[0-9]{1,9}}/page",
            application_page,
            Text("申请信息录入页面", "The application page"),
            access=("unit",),
        ),
    ]
