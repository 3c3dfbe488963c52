"""What the rules see of a permit application, and what the server fills in or derives.

Everything here comes from the server — the document as stored, the owner's other permits,
the account — never from the request: a resident cannot hide a permit it already holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Lookup, Subject, hookimpl


@hookimpl
async def govflow_context(subject: Subject, lookup: Lookup) -> dict[str, Any]:
    """``permits``: the plates of the owner's other permits in force (state ``granted``)."""
    others = await lookup.subjects(
        owner_id=subject.owner_id, process=subject.process, exclude_id=subject.id
    )
    return {"permits": [o["plate"] for o in others if o["state"] == "granted"]}


@hookimpl
def govflow_facts(document: Mapping[str, Any], context: Mapping[str, Any]) -> list[dict]:
    """One ``permit`` fact for the car, one ``existing_permit`` per permit already held."""
    return [
        {
            "kind": "permit",
            "vehicle_type": document.get("vehicle_type"),
            "is_new_energy": document.get("vehicle_type") == "new_energy",
        },
        *({"kind": "existing_permit", "plate": p} for p in context.get("permits", ())),
    ]


@hookimpl
def govflow_server_fields(actor: Actor) -> dict[str, Any]:
    """The permit's holder is the applicant as its account names it, whatever was typed."""
    return {"holder": actor.display_name}


@hookimpl
def govflow_region(document: Mapping[str, Any]) -> str | None:
    """A zone code starts with its district (``110105-01``): that district's officers review
    the application. Without a zone, the applicant's own region."""
    zone = document.get("zone")
    return zone[:6] if zone else None
