"""What websites transitions do besides changing state, inside their transaction.

- ``registration.register`` (WS-01, WS-02): the unit's login account, the password hashed into
  it by the kernel (argon2); the registration's fields go to the account's profile, from which
  every application is prefilled. The password is nowhere else: not in the document, the
  profile, the audit record or the answer.
- ``application.approve`` (WS-06): the identification code, unique, numbered by region.
- ``application.confirm_mount`` / ``unlist`` (WS-07): the site enters or leaves the public list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Subject, clock, create_account, hookimpl

from .context import unit_profile
from .models import IdentificationCode


def account_name(subject: Subject) -> str:
    """第四步 获取登录账号: ``WZ`` and the registration's number, eight digits."""
    return f"WZ{subject.id:08d}"


async def register(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> dict:
    data = subject.data
    username = account_name(subject)
    await create_account(
        db,
        username=username,
        kind="unit",
        roles=["website_unit"],
        display_name=data["unit_name"],
        region=subject.region,
        profile=unit_profile(data),
        password=input["password"],
    )
    return {"account": {"username": username, "display_name": data["unit_name"]}}


async def issue_code(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> dict:
    """标识代码: the region's six digits and a four-digit serial (1100000001, 1100000002 …).

    A concurrent approval in the same region that took the same serial fails the unique
    index and rolls its whole transition back; the reviewer simply approves again.
    """
    region = (subject.region or "000000")[:6]
    issued = await IdentificationCode.filter(region=region).using_db(db).count()
    code = f"{region}{issued + 1:04d}"
    await IdentificationCode.create(
        application_id=subject.id, code=code, region=region, issued_at=clock.now(), using_db=db
    )
    return {"identification_code": code}


async def list_site(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    await (
        IdentificationCode.filter(application_id=subject.id)
        .using_db(db)
        .update(listed_at=clock.now())
    )


async def unlist_site(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    await IdentificationCode.filter(application_id=subject.id).using_db(db).update(listed_at=None)


EFFECTS = {
    ("registration", "register"): register,
    ("application", "approve"): issue_code,
    ("application", "confirm_mount"): list_site,
    ("application", "unlist"): unlist_site,
}


@hookimpl
async def govflow_transition_effects(
    transition: str, subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any
) -> dict | None:
    effect = EFFECTS.get((subject.workflow, transition))
    return await effect(subject, actor, input, db) if effect else None
