"""What foreignwork transitions do besides changing state, inside their transaction.

- A profile saved (``save``, ``keep_*``): the account's own record follows the profile (name,
  reserved mobile, ID number: what password recovery and grants look up), and after ``save``
  the system's verification run is queued (``foreignwork.verify``), committed with the step.
- An appeal approved: a new password for the account it identifies, sent by SMS first (FW-04);
  the password exists only in that outbox row, never in the subject, the audit or a log.
- A grant (FW-12): the kernel's ``Delegation`` and its foreignwork ``Grant``; a revoke, a
  unit disabled or restored: the delegation follows.
- The agent profile saved: the person it names becomes the unit's main agent, a
  ``Delegation(main=True)`` (``main_agent``); naming another person is a new grant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Conflict, Subject, enqueue, hookimpl, now
from kernel.accounts import set_password
from kernel.db.models import Account, Delegation, OutboxMessage

from . import main_agent, passwords, records
from .directory import person_by_login_or_id, unit_by_name
from .models import Grant, PasswordChange

VERIFY_JOB = "foreignwork.verify"


async def sync_account(subject: Subject, db: Any) -> None:
    """The owner's account record as its profile now says (FW-03 reserved mobile, FW-12 ID)."""
    owner = await Account.get(id=subject.owner_id).using_db(db)
    data, profile = subject.data, dict(owner.profile)
    mobiles = dict(profile.get("profile_mobiles") or {})
    display = owner.display_name
    if subject.workflow == "person_profile":
        keys = ("name", "mobile", "email", "identity_type", "id_type", "id_number")
        profile.update({k: data.get(k) for k in keys})
        mobiles["person_profile"] = data.get("mobile")
        display = data.get("name") or display
    elif subject.workflow == "legal_profile":
        representative = data.get("representative") or {}
        profile.update({k: data.get(k) for k in ("unit_name", "uscc", "unit_id", "region_type")})
        profile["representative"] = representative.get("name")
        mobiles["legal_profile"] = representative.get("mobile")
        profile.setdefault("mobile", representative.get("mobile"))
        profile.setdefault("email", representative.get("email"))
        display = data.get("unit_name") or display
    else:  # the main agent: the person who uses the unit's account, its reserved mobile
        mobiles["agent_profile"] = data.get("mobile")
        profile["mobile"] = data.get("mobile")
        profile["agent"] = data.get("name")
    profile["profile_mobiles"] = mobiles
    await Account.filter(id=owner.id).using_db(db).update(profile=profile, display_name=display)
    if subject.workflow == "agent_profile":
        await main_agent.link(owner.id, data, db)


async def saved(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    await sync_account(subject, db)


async def sent_to_verification(subject: Subject, actor: Actor, input, db) -> None:
    await sync_account(subject, db)
    await enqueue(
        db, VERIFY_JOB, {"subject": subject.id}, key=f"{VERIFY_JOB}:{subject.id}:{subject.version}"
    )


async def appeal_submitted(subject: Subject, actor: Actor, input, db) -> None:
    """Reviews answer the visitor by SMS: its account carries the appeal's contact mobile."""
    mobile = subject.data.get("mobile") or subject.data.get("contact_mobile")
    email = subject.data.get("contact_email")
    await (
        Account.filter(id=subject.owner_id)
        .using_db(db)
        .update(profile={"mobile": mobile, "email": email})
    )


async def appealed_account(subject: Subject, db: Any) -> Account | None:
    data = subject.data
    if subject.workflow == "appeal_legal":
        unit = await unit_by_name(data.get("unit_name"))
        if unit is None:
            return None
        uscc = (data.get("uscc") or "").upper()
        return unit if not uscc or uscc == str(unit.profile.get("uscc") or "").upper() else None
    found = await person_by_login_or_id(data.get("id_number"))
    if found is None or found.kind != "natural_person":
        return None
    return found if found.profile.get("name") == data.get("name") else None


async def appeal_approved(subject: Subject, actor: Actor, input, db) -> None:
    """FW-04: a new password for the account the appeal identifies, sent by SMS first."""
    account = await appealed_account(subject, db)
    if account is None:
        raise Conflict("no account matches the appeal: reject it, saying why")
    password = passwords.new_password()
    await set_password(db, account.id, password)
    await PasswordChange.create(account_id=account.id, via="appeal", method="appeal", using_db=db)
    await OutboxMessage.create(
        channel="sms",
        recipient=subject.data["mobile"],
        subject="申诉找回密码审核通过",
        body=(
            f"您的申诉已审核通过。登录名：{account.username}，新密码：{password}。"
            "请登录后及时修改密码。"
        ),
        application_id=subject.id,
        next_attempt_at=now(),
        secret=True,  # the new password is kept only until the SMS is sent (or given up)
        using_db=db,
    )


async def granted(subject: Subject, actor: Actor, input, db) -> None:
    grantee = await person_by_login_or_id(subject.data.get("grantee"))
    if grantee is None:  # the rules refused this already; never grant a guess
        raise Conflict("the grantee was not found")
    delegation = await Delegation.create(
        principal_id=subject.owner_id,
        agent_id=grantee.id,
        process=records.P,
        matters=_matters(subject.data),
        active=True,
        using_db=db,
    )
    await Grant.create(
        delegation=delegation,
        authorization_id=subject.id,
        manage_unit=bool(subject.data.get("manage_unit")),
        using_db=db,
    )


def _matters(grant: Mapping[str, Any]) -> list[str | None]:
    """The named matters; with 维护单位信息 (manage_unit) also ``None``: the subjects outside
    every matter, the unit's profiles, so the kernel lets the agent do there what the unit
    does (upload its files, submit its manual review) while the grant lasts."""
    matters: list[str | None] = list(grant.get("matters") or ())
    return [*matters, records.PROFILE_SUBJECTS] if grant.get("manage_unit") else matters


async def _delegation_of(subject: Subject, db: Any) -> Delegation | None:
    grant = await Grant.get_or_none(authorization_id=subject.id).using_db(db)
    return await Delegation.get(id=grant.delegation_id).using_db(db) if grant else None


async def revoked(subject: Subject, actor: Actor, input, db) -> None:
    if (delegation := await _delegation_of(subject, db)) is not None:
        await (
            Delegation.filter(id=delegation.id).using_db(db).update(active=False, revoked_at=now())
        )


async def switched(active: bool, subject: Subject, db: Any) -> None:
    if (delegation := await _delegation_of(subject, db)) is not None:
        await Delegation.filter(id=delegation.id).using_db(db).update(active=active)


async def disabled(subject, actor, input, db) -> None:
    await switched(False, subject, db)


async def restored(subject, actor, input, db) -> None:
    await switched(True, subject, db)


EFFECTS = {
    **{(w, "save"): sent_to_verification for w in records.PROFILES},
    **{(w, step): saved for w in records.PROFILES for step in records.SAVING_STEPS[1:]},
    ("appeal_natural", "submit"): appeal_submitted,
    ("appeal_legal", "submit"): appeal_submitted,
    ("support_feedback", "submit"): appeal_submitted,
    ("appeal_natural", "approve"): appeal_approved,
    ("appeal_legal", "approve"): appeal_approved,
    ("authorization", "grant"): granted,
    ("authorization", "revoke"): revoked,
    ("authorization", "disable"): disabled,
    ("authorization", "restore"): restored,
}


@hookimpl
async def govflow_transition_effects(
    transition: str, subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any
) -> None:
    effect = EFFECTS.get((subject.workflow, transition))
    if effect is not None:
        await effect(subject, actor, input, db)
