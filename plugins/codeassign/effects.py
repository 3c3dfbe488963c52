"""What codeassign transitions do besides changing state, inside their transaction (CA-02)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Subject, create_account, hookimpl

from . import loginimage
from .models import Unit


async def deliver(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> dict:
    """审核通过并发放: the unit's record (and account, for a unit new to the platform) and a
    new login image, revoking any earlier one — so an image reported lost opens nothing."""
    data = subject.data
    unit = await Unit.get_or_none(uscc=data["uscc"]).using_db(db)
    if unit is None:
        account_id = await create_account(
            db,
            username=data["uscc"],
            kind="unit",
            roles=["unit"],
            display_name=data["unit_name"],
            region=subject.region,
            profile={"uscc": data["uscc"], "mobile": data["mobile"], "email": data.get("email")},
        )
        unit = await Unit.create(
            account_id=account_id, uscc=data["uscc"], name=data["unit_name"], using_db=db
        )
    image = await loginimage.issue(
        unit, subject.id, actor.id, input["channel"], input.get("email"), db
    )
    return {"login_image": image}


EFFECTS = {("qr_request", "deliver"): deliver}


@hookimpl
async def govflow_transition_effects(
    transition: str, subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any
) -> dict | None:
    effect = EFFECTS.get((subject.workflow, transition))
    return await effect(subject, actor, input, db) if effect else None
