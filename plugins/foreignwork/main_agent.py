"""The unit's main agent (主代办人) as a kernel ``Delegation(main=True)`` (FW-10, FW-12).

A legal person has one unit profile and its main agent: the person its agent profile names.
When that profile is saved, the natural-person account with the profile's ID number becomes
the unit's main agent, in the same transaction: a delegation for every matter of the process
(``matters`` empty), with the unit's information to maintain. Naming another person is a new
grant — the old delegation is revoked (kept, with ``revoked_at``), a new one is written — as
the seed's 人员变更 says (授权给新用户). A profile naming nobody with an account links no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import now
from kernel.db.models import Account, Delegation

from . import records
from .directory import person_by_id_number


async def current(unit_id: int, db: Any = None) -> Delegation | None:
    """The unit's main agent now: its main delegation not revoked."""
    query = Delegation.filter(principal_id=unit_id, process=records.P, main=True, revoked_at=None)
    return await (query.using_db(db) if db is not None else query).order_by("-id").first()


async def link(unit_id: int, document: Mapping[str, Any], db: Any) -> None:
    """Make the person the agent profile names the unit's main agent (a new grant if changed)."""
    person = await person_by_id_number(document.get("id_number"))
    held = await current(unit_id, db)
    if held is not None and person is not None and held.agent_id == person.id:
        return
    if held is not None:
        await Delegation.filter(id=held.id).using_db(db).update(active=False, revoked_at=now())
    if person is None:
        return
    unit = await Account.get(id=unit_id).using_db(db)
    await Delegation.create(
        principal_id=unit_id,
        agent_id=person.id,
        process=records.P,
        matters=[],  # every matter of the process, and the unit's profiles
        main=True,
        active=unit.active,
        using_db=db,
    )


async def shown(unit_id: int) -> dict[str, Any] | None:
    """The main agent as the agent profile's page shows it."""
    held = await current(unit_id)
    if held is None:
        return None
    agent = await Account.get(id=held.agent_id)
    return {
        "login_name": agent.username,
        "name": agent.display_name,
        "since": held.created_at.isoformat(),
        "status": "active" if held.active else "disabled",
    }
