"""What the server knows about a foreignwork subject beyond its document (issue #9).

Every fact the rules read is built here from the database (the stored profile, its uploads,
the unit's account, the authorizations in the kernel's Delegation table, the codes the server
checked), never from the request. ``facts.py`` turns it into facts.
"""

from __future__ import annotations

from typing import Any

from kernel import Actor, Lookup, Subject, hookimpl
from kernel.db.models import Account, Application, VerificationCode

from . import records
from .directory import person_by_login_or_id, unit_by_name
from .models import CodeProof
from .purposes import APPEAL_CODE


def actor_entry(actor: Actor) -> dict[str, Any]:
    """The actor as the rules' ``actor`` fact reads it: its role in this process."""
    roles = [r for r in actor.roles if r != "visitor"] or list(actor.roles)
    return {
        "role": roles[0] if roles else actor.kind,
        "kind": actor.kind,
        "username": actor.username,
    }


async def profile_context(subject: Subject, actor: Actor) -> dict[str, Any]:
    stored = await Application.get_or_none(id=subject.id)
    owner = await Account.get(id=subject.owner_id)
    context: dict[str, Any] = {
        "previous": dict(stored.data) if stored and stored.data else None,
        "realname": subject.state,
        "attachments": await records.uploads(subject.id),
        "changed_at": await records.data_changed_at(subject.id),
        "actor": actor_entry(actor),
    }
    if subject.workflow in ("legal_profile", "agent_profile"):
        context["unit"] = {"account": owner.username, "status": records.unit_status(owner)}
        if actor.kind == "natural_person":
            context["authorizations"] = await records.authorizations_held(actor.id, owner.id)
    return context


async def appeal_context(subject: Subject) -> dict[str, Any]:
    context: dict[str, Any] = {"attachments": await records.uploads(subject.id)}
    data = subject.data
    if subject.workflow == "appeal_legal":
        unit = await unit_by_name(data.get("unit_name"))
        context["unit"] = (
            {"account": unit.username, "status": records.unit_status(unit)} if unit else None
        )
    else:
        mobile = data.get("mobile")
        sent = await VerificationCode.exists(target=mobile or "", purpose=APPEAL_CODE)
        proved = await CodeProof.exists(subject_id=subject.id, mobile=mobile or "")
        context["code"] = {"sent": sent, "correct": proved} if sent else None
    return context


async def authorization_context(subject: Subject, actor: Actor) -> dict[str, Any]:
    owner = await Account.get(id=subject.owner_id)
    grantee = await person_by_login_or_id(subject.data.get("grantee"))
    return {
        "grantee": {"account_type": grantee.kind, "username": grantee.username}
        if grantee
        else None,
        "unit": {"account": owner.username, "status": records.unit_status(owner)},
        "authorizations": await records.authorizations_given(owner.id),
        "actor": actor_entry(actor),
    }


@hookimpl
async def govflow_context(subject: Subject, actor: Actor, lookup: Lookup) -> dict[str, Any]:
    if subject.workflow in records.PROFILES:
        return await profile_context(subject, actor)
    if subject.workflow in ("appeal_natural", "appeal_legal"):
        return await appeal_context(subject)
    if subject.workflow == "authorization":
        return await authorization_context(subject, actor)
    return {}


@hookimpl
async def govflow_server_fields(workflow: str, actor: Actor) -> dict[str, Any]:
    """A profile carries its account's login name; a grant names the unit as its account."""
    if workflow in records.PROFILES:
        return {"login_name": actor.username}
    if workflow == "authorization":
        return {
            "unit": actor.username,
            "unit_name": actor.profile.get("unit_name") or actor.display_name,
        }
    return {}
