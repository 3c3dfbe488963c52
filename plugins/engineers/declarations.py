"""注册申报管理 (EN-02, EN-03, EN-04): the enterprise's list, the commitment letter, and
reporting and returning in batch.

The commitment letter is shown by ``GET /api/engineers/commitment``, which records the server's
time it was shown; the report's rules read the last showing and compare it with the moment of
confirmation (``context.py``). Batch report and return take each item through the kernel's
guarded transition (``call.transition``): its own rules, audit record and transaction, so one
item's refusal undoes no other.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tortoise.expressions import Q

from kernel import BadRequest, Call, clock, field_error, normalise_identifier

from .context import uscc_of
from .models import CommitmentShowing, Declaration

LETTER = Path(__file__).parent / "commitment.md"
#: The letter's version: bump it when commitment.md changes (the acceptance records it).
LETTER_VERSION = "2022-11"
#: The seed's reading time; the rule's parameter (rules/engineers/report.yaml) decides.
READING_SECONDS = 60

#: 补正资质 is offered for reported pre-registrations still being handled.
CORRECTABLE = (
    "province_pending",
    "province_withdrawal_requested",
    "province_accepted",
    "ministry_pending",
    "ministry_withdrawal_requested",
    "ministry_accepted",
)


async def show_commitment(call: Call) -> dict[str, Any]:
    """企业承诺书: the text, and the server's record of when it was shown to this account."""
    shown = await CommitmentShowing.create(
        account_id=call.actor.id, version=LETTER_VERSION, shown_at=clock.now()
    )
    return {
        "showing_id": shown.id,
        "version": LETTER_VERSION,
        "shown_at": shown.shown_at.isoformat(),
        "reading_seconds": READING_SECONDS,
        "confirm_label": "本公司作出上述承诺",
        "text": LETTER.read_text("utf-8"),
    }


def person_search(text: str, *, masked: bool, prefix: str = "") -> Q:
    """A person found by part of the name, or by the ID number. A reader shown the numbers
    masked finds one only by the whole number: a search by part of it would spell out, digit by
    digit, what the mask hides. ``prefix`` is the relation the person's fields are under."""
    number = f"{prefix}id_number" if masked else f"{prefix}id_number__icontains"
    by_name = f"{prefix}person_name__icontains"
    return Q(**{by_name: text}) | Q(**{number: normalise_identifier(text)})


def mask_id(number: str) -> str:
    """``1101**********0319``: the first four and last four characters of an ID number."""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


async def list_declarations(call: Call) -> dict[str, Any]:
    """The declarations made to this enterprise, returned ones left out (seed 3.2.3), newest
    first; ``q`` searches name, ID number and profession; ``state``, ``profession``,
    ``declared_from``/``declared_to`` (dates) narrow it."""
    query = Declaration.filter(employer_uscc=uscc_of(call.actor) or "-").exclude(
        application__state__in=("draft", "returned")
    )
    params = call.request.query
    if params.get("q", "").strip():
        text = params["q"].strip()
        query = query.filter(person_search(text, masked=True) | Q(profession__icontains=text))
    for key, column in (("state", "application__state"), ("profession", "profession")):
        if params.get(key):
            query = query.filter(**{column: params[key]})
    for key, op in (("declared_from", "gte"), ("declared_to", "lt")):
        if params.get(key):
            day = _date(params[key], key)
            if op == "lt":
                day += dt.timedelta(days=1)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=clock.CHINA)
            query = query.filter(**{f"declared_at__{op}": moment})
    rows = await query.order_by("-id").limit(200).prefetch_related("application")
    states = call.description["workflows"]["declaration"]["states"]
    titles = {s["name"]: s["title"] for s in states}
    return {"items": [_item(row, titles) for row in rows]}


def _date(text: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise field_error(
            f"/query/{key}",
            "engineers.query.date",
            "日期格式应为YYYY-MM-DD",
            "Dates are YYYY-MM-DD",
        ) from None


def _item(row: Declaration, titles: dict[str, Any]) -> dict[str, Any]:
    application = row.application
    state = application.state
    actions = []
    if state == "unreported":
        actions += ["report", "return"]
    if state in ("province_withdrawal_requested", "ministry_withdrawal_requested"):
        actions += ["agree_withdrawal", f"refuse_withdrawal_at_{state.split('_')[0]}"]
    if row.pre_registration and state in CORRECTABLE and row.qualification_corrected_at is None:
        actions.append("correct_qualification")  # 补正资质
    return {
        "id": application.id,
        "version": application.version,
        "state": state,
        "state_title": titles[state],
        "person_name": row.person_name,
        "id_number": mask_id(row.id_number),
        "profession": row.profession,
        "registration_type": application.data.get("registration_type"),
        "matter": application.matter,
        "pre_registration": row.pre_registration,
        "declared_at": row.declared_at.isoformat(),
        "reported_at": row.reported_at.isoformat() if row.reported_at else None,
        "qualification_certificate_no": row.qualification_certificate_no,
        "actions": actions,
    }


async def report_batch(call: Call) -> dict[str, Any]:
    """上报 in batch, after the commitment letter: a result per item, in order. An item already
    reported gets the seed's notice from the rule engineers.report.already-reported, as it does
    through the kernel's own routes."""
    ticked = {"ticked": call.body["ticked"]}
    return {
        "results": [
            await call.transition(item["id"], "report", version=item["version"], input=ticked)
            for item in call.body["items"]
        ]
    }


async def return_batch(call: Call) -> dict[str, Any]:
    """退回 in batch: a result per item; returned items leave the list."""
    reply = call.body.get("reply")
    return {
        "results": [
            await call.transition(item["id"], "return", version=item["version"], reply=reply)
            for item in call.body["items"]
        ]
    }


async def qualification(call: Call) -> dict[str, Any]:
    """补正资质's look-up: the enterprise's certificate in the qualification register."""
    uscc = uscc_of(call.actor)
    if uscc is None:
        raise BadRequest("this account has no unified social credit code")
    found = await call.adapters["qualification_register"].certificate(uscc)
    if found is None:
        return {
            "found": False,
            "message": {
                "zh": "未检测到企业资质证书号，请上传企业资质副本并手工输入企业资质证书号",
                "en": "No certificate was found: upload the qualification copy and type its number",
            },
        }
    return {"found": True, "certificate_no": found["certificate_no"]}


ITEMS = {
    "type": "array",
    "minItems": 1,
    "maxItems": 200,
    "items": {
        "type": "object",
        "required": ["id", "version"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        },
    },
}
REPORT_BODY = {
    "type": "object",
    "required": ["items", "ticked"],
    "additionalProperties": False,
    "properties": {"items": ITEMS, "ticked": {"type": "boolean", "title": "本公司作出上述承诺"}},
}
RETURN_BODY = {
    "type": "object",
    "required": ["items"],
    "additionalProperties": False,
    "properties": {"items": ITEMS, "reply": {"type": "string", "maxLength": 500}},
}
