"""The residents' notice board of permits in force: written by the grant, read by anyone,
cleared by the expiry job.

- ``govflow_transition_effects``: a granted permit is posted in the grant's own transaction
  (a grant that fails posts nothing); an expired one is taken down in the expiry's.
- ``govflow_routes``: ``GET /api/parking/board``, anonymous: the board, newest first.
- ``govflow_jobs``: ``parking.expire``, daily: the system actor ends permits past their term.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kernel import Call, Job, Route, Subject, Text, hookimpl, today

from .models import BoardEntry

if TYPE_CHECKING:
    from kernel import JobContext

#: How long a permit is valid when the officer does not say (the grant's ``input.days``).
DEFAULT_DAYS = 365


async def post(subject: Subject, input: Mapping[str, Any], db: Any) -> None:
    """许可: the permit goes on the board until the last day of its term."""
    days = input.get("days", DEFAULT_DAYS)
    await BoardEntry.create(
        permit_id=subject.id,
        plate=subject.data["plate"],
        zone=subject.data.get("zone"),
        valid_until=today() + dt.timedelta(days=days - 1),
        using_db=db,
    )


async def take_down(subject: Subject, input: Mapping[str, Any], db: Any) -> None:
    """到期: the permit leaves the board."""
    await BoardEntry.filter(permit_id=subject.id).using_db(db).delete()


@hookimpl
async def govflow_transition_effects(
    transition: str, subject: Subject, input: Mapping[str, Any], db: Any
) -> None:
    """Write with ``using_db=db``: the row commits with the state change, or not at all."""
    if transition == "grant":
        await post(subject, input, db)
    elif transition == "expire":
        await take_down(subject, input, db)
    # Nothing is handed back to the actor: the answer has no ``effects``.


def masked(plate: str) -> str:
    """The board is public: enough of the plate for a resident to recognise it (京A***45)."""
    return f"{plate[:2]}***{plate[-2:]}"


async def board(call: Call) -> list[dict[str, Any]]:
    """停车许可公示: the permits in force, newest first, with the zone's name."""
    zones = call.adapters["parking_zones"]
    entries = await BoardEntry.all().order_by("-posted_at", "-id")
    return [
        {
            "permit": e.permit_id,
            "plate": masked(e.plate),
            "zone": e.zone,
            "zone_name": zones.name(e.zone) if e.zone else None,
            "posted_at": e.posted_at.isoformat(),
            "valid_until": e.valid_until.isoformat(),
        }
        for e in entries
    ]


BOARD = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "permit": {"type": "integer", "title": "许可编号"},
            "plate": {"type": "string", "title": "车牌号码（部分隐藏）"},
            "zone": {"type": ["string", "null"], "title": "停放区域"},
            "zone_name": {"type": ["string", "null"], "title": "停放区域名称"},
            "posted_at": {"type": "string", "format": "date-time", "title": "公示时间"},
            "valid_until": {"type": "string", "format": "date", "title": "有效期至"},
        },
    },
}


@hookimpl
def govflow_routes() -> list[Route]:
    return [
        Route(
            "GET",
            "board",
            board,
            Text("停车许可公示", "The board of permits in force"),
            access="anonymous",
            response=BOARD,
        )
    ]


async def expire(jobs: JobContext) -> None:
    """Permits whose last valid day has passed become ``expired``, by the system actor,
    through the same guarded transition and audit trail as any step."""
    for entry in await BoardEntry.filter(valid_until__lt=today()):
        await jobs.transition(entry.permit_id, "expire")


@hookimpl
def govflow_jobs() -> list[Job]:
    return [
        Job(
            "parking.expire",
            expire,
            every=dt.timedelta(days=1),
            title=Text("停车许可到期", "Expire permits past their term"),
        )
    ]
