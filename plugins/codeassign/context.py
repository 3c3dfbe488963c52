"""What the server knows about a codeassign subject beyond its document (CA-07, point 12).

The unit's certificate comes from the register the registry authority keeps, never from the
request; the unit's name and USCC in an application are the register's (or the account's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Lookup, Subject, hookimpl

from .register import certificate, region_of, unit_of


@hookimpl
async def govflow_context(subject: Subject, lookup: Lookup) -> dict[str, Any]:
    """The owner's unit record: ``unit`` (certificate validity and expiry as recorded)."""
    if subject.workflow != "application":
        return {}
    return {"unit": certificate(await unit_of(subject.owner_id))}


@hookimpl
async def govflow_server_fields(workflow: str, actor: Actor) -> dict[str, Any]:
    """An application names the unit as the register (else the account) knows it."""
    if workflow != "application":
        return {}  # a login image request identifies the unit asking: typed by the visitor
    unit = await unit_of(actor.id)
    if unit is not None:
        return {"unit_name": unit.name, "uscc": unit.uscc}
    known = {"unit_name": actor.display_name}
    if actor.profile.get("uscc"):
        known["uscc"] = actor.profile["uscc"]
    return known


@hookimpl
def govflow_region(workflow: str, document: Mapping[str, Any]) -> str | None:
    """A request for a login image goes to the registry authority its USCC names."""
    if workflow != "qr_request":
        return None
    return region_of(document.get("uscc"))
