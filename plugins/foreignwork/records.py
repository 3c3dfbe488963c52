"""Reading the server's records for foreignwork: profiles, units, authorizations, uploads.

One place for what the context builders, the effects and the routes all ask, so each reads the
database the same way (the kernel's tables through the ORM, read-only here; the plugin's own).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kernel.db.models import Account, Application, Attachment, AuditRecord, Delegation

from .models import Grant

P = "foreignwork"
PROFILES = ("person_profile", "legal_profile", "agent_profile")
#: The steps of a profile that change its document (the route's `save` and `keep_*`).
SAVING_STEPS = ("save", "keep_national_verified", "keep_manual_approved", "keep_exempt")
SAVING_STEPS += ("keep_failed", "keep_review_failed")
VERIFIED = ("national_verified", "manual_approved")

#: Formats named the way the rules name them (upload.yaml, appeal.yaml), by content type.
_FORMATS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


async def profile_of(owner_id: int, workflow: str) -> Application | None:
    return await Application.get_or_none(process=P, workflow=workflow, owner_id=owner_id)


async def uploads(subject_id: int) -> list[dict[str, Any]]:
    """The files of a subject as the rules read them: type, format by content, size, when."""
    rows = await Attachment.filter(application_id=subject_id).select_related("blob")
    return [
        {
            "type": a.type,
            "format": _FORMATS.get(a.blob.content_type, "other"),
            "size": a.blob.size,
            "uploaded_at": a.created_at.isoformat(),
        }
        for a in rows
    ]


async def data_changed_at(subject_id: int) -> str | None:
    """When the document last changed (a save step, a kernel save), for FW-11's stale files."""
    record = (
        await AuditRecord.filter(application_id=subject_id)
        .filter(transition__in=SAVING_STEPS)
        .order_by("-seq")
        .first()
    )
    saved = (
        await AuditRecord.filter(application_id=subject_id, action="save").order_by("-seq").first()
    )
    moments = [r.at for r in (record, saved) if r is not None]
    return max(moments).isoformat() if moments else None


#: In a Delegation's matters: the unit's profiles (subjects of no matter, ``matter`` None).
PROFILE_SUBJECTS = None


def unit_status(account: Account) -> str:
    return "active" if account.active else "disabled"


async def authorizations_held(agent_id: int, principal_id: int | None = None) -> list[dict]:
    """FW-12: what the units authorized this natural person for, one entry per matter."""
    query = Delegation.filter(agent_id=agent_id, process=P).prefetch_related("principal", "agent")
    if principal_id is not None:
        query = query.filter(principal_id=principal_id)
    return await _entries(await query)


async def authorizations_given(principal_id: int) -> list[dict]:
    query = Delegation.filter(principal_id=principal_id, process=P)
    return await _entries(await query.prefetch_related("principal", "agent"))


async def _entries(delegations: list[Delegation]) -> list[dict]:
    grants = {
        g.delegation_id: g
        for g in await Grant.filter(delegation_id__in=[d.id for d in delegations])
    }
    entries = []
    for d in delegations:
        # The main agent (主代办人) maintains the unit's information and acts in every matter.
        manage = d.main or bool(grants.get(d.id) and grants[d.id].manage_unit)
        named = [m for m in d.matters if m is not PROFILE_SUBJECTS]
        for matter in named or ([] if d.matters else [None]):
            entries.append(
                {
                    "unit": d.principal.username,
                    "matter": matter,
                    "grantee": d.agent.username,
                    "status": delegation_status(d),
                    "manage_unit": manage,
                    "main": d.main,
                }
            )
    return entries


def delegation_status(d: Delegation) -> str:
    """``revoked`` (the unit took it back, or named another main agent), ``disabled`` (with
    the unit), or ``active``; ``d.principal`` fetched."""
    if d.revoked_at is not None:
        return "revoked"
    return "active" if d.active and d.principal.active else "disabled"


async def may_manage_unit(agent: Account, unit: Account) -> bool:
    """The unit's own account, or a natural person it authorized to maintain its information."""
    if agent.id == unit.id:
        return True
    if agent.kind != "natural_person":
        return False
    held = await authorizations_held(agent.id, unit.id)
    return any(e["manage_unit"] and e["status"] == "active" for e in held)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
