"""我的消息 (EN-08), 申辩管理's anomalies (EN-07), the basic-information page (EN-01) and
企业名称变更's 新增 (EN-09): the enterprise's pages that are lists and look-ups."""

from __future__ import annotations

from typing import Any

from kernel import Call, Forbidden, Lookup, NotFound, clock, normalise_identifier

from .context import enterprise_context, region_of, uscc_of
from .models import Anomaly, Message

#: The attachment type of the renamed qualification copy (EN-09, the manifest's name_change).
RENAMED_COPY = "renamed_qualification_copy"


async def list_messages(call: Call) -> dict[str, Any]:
    """我的消息, newest first; ``unread=1`` for the unread ones only."""
    query = Message.filter(enterprise_uscc=uscc_of(call.actor) or "-")
    if call.request.query.get("unread") in ("1", "true"):
        query = query.filter(read_at=None)
    rows = await query.order_by("-id").limit(200)
    unread = await Message.filter(enterprise_uscc=uscc_of(call.actor) or "-", read_at=None).count()
    return {
        "unread": unread,
        "items": [
            {
                "id": m.id,
                "subject_id": m.subject_id,
                "title": m.title,
                "body": m.body,
                "created_at": m.created_at.isoformat(),
                "read": m.read_at is not None,
            }
            for m in rows
        ],
    }


async def read_message(call: Call) -> dict[str, Any]:
    """Mark one message read (idempotent)."""
    found = await Message.get_or_none(
        id=int(call.request.match_info["id"]), enterprise_uscc=uscc_of(call.actor) or "-"
    )
    if found is None:
        raise NotFound("no such message")
    if found.read_at is None:
        found.read_at = clock.now()
        await found.save(update_fields=["read_at"])
    return {"id": found.id, "read": True, "read_at": found.read_at.isoformat()}


async def list_anomalies(call: Call) -> dict[str, Any]:
    """申辩管理: the anomalies recorded against the enterprise, with their appeal, if any."""
    rows = (
        await Anomaly.filter(enterprise_uscc=uscc_of(call.actor) or "-")
        .order_by("-id")
        .prefetch_related("appeal")
    )
    return {
        "items": [
            {
                "id": a.id,
                "description": a.description,
                "found_at": a.found_at.isoformat(),
                "registration_id": a.registration_id,
                "appeal": {"id": a.appeal.id, "state": a.appeal.state} if a.appeal else None,
                "needs_appeal": a.appeal is None,
            }
            for a in rows
        ]
    }


async def record_anomaly(call: Call) -> dict[str, Any]:
    """A reviewer records an anomaly (人证不符, 社保不符 …) that the enterprise may appeal."""
    uscc = normalise_identifier(call.body["enterprise_uscc"])
    if not call.actor.reviews("engineers", region_of(uscc)):
        raise Forbidden("this enterprise is outside the reviewer's regions")
    found = await Anomaly.create(
        enterprise_uscc=uscc,
        registration_id=call.body.get("registration_id"),
        description=call.body["description"],
        found_by_id=call.actor.id,
        found_at=clock.now(),
    )
    await Message.create(
        enterprise_uscc=uscc,
        title="您有一条需申辩的异常信息",
        body=f"异常信息（编号{found.id}）：{found.description}。如有异议，请在申辩管理中提交申辩。",
        created_at=clock.now(),
    )
    return {"id": found.id, "enterprise_uscc": uscc, "description": found.description}


async def enterprise_page(call: Call) -> dict[str, Any]:
    """企业基本信息: the name and USCC from the platform account (read-only), and the saved
    basic information (``None`` until it is first saved)."""
    infos = await Lookup().subjects(
        owner_id=call.actor.id, process="engineers", workflow="enterprise_info"
    )
    info = infos[0] if infos else None
    return {
        "enterprise_name": call.actor.display_name,
        "uscc": uscc_of(call.actor),
        "read_only": ["enterprise_name", "uscc"],
        "former_names": list(call.actor.profile.get("former_names") or []),
        "basic_info": (
            {"id": info["id"], "state": info["state"], "saved": info["state"] == "saved"}
            if info
            else None
        ),
    }


async def new_name_change(call: Call) -> dict[str, Any]:
    """新增: the current name (the market regulator's) and the former one (the account's),
    both filled in; whether the renamed qualification copy must be uploaded.

    Which industries upload the copy is the rule file's to say (rules/engineers/name_change.yaml,
    engineers.name-change.renamed-qualification-copy): the report step's rules are asked about
    this enterprise, as the server knows it, with nothing attached yet.
    """
    uscc = uscc_of(call.actor)
    current = await call.adapters["market_regulator"].name_of(uscc) if uscc else None
    data = {"former_name": call.actor.display_name, "current_name": current, "uscc": uscc}
    context = await enterprise_context(call.actor, call.adapters)
    decision = call.evaluate("name_change", "report", data, {**context, "attachments": ()})
    asked = [
        o.params.get("attachment_type")
        for o in decision.outcomes
        if o.kind == "requirement" and o.requirement == "attachment"
    ]
    return {"data": data, "renamed_copy_required": RENAMED_COPY in asked}


ANOMALY_BODY = {
    "type": "object",
    "required": ["enterprise_uscc", "description"],
    "additionalProperties": False,
    "properties": {
        "enterprise_uscc": {"type": "string", "format": "uscc", "title": "企业统一社会信用代码"},
        "registration_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "description": {"type": "string", "minLength": 1, "maxLength": 1000, "title": "异常情况"},
    },
}
