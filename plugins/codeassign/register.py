"""The unit register of the registry authority: reading and writing a unit's record.

One place for what the context, the server-filled fields, the effects and the routes all ask:
the unit behind an account, its certificate as recorded, the region its USCC names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Unit


async def unit_of(account_id: int) -> Unit | None:
    return await Unit.get_or_none(account_id=account_id)


def certificate(unit: Unit | None) -> dict[str, Any]:
    """The certificate as the rules read it; an unrecorded one has no validity."""
    if unit is None:
        return {"certificate_validity": None}
    expires = unit.certificate_expires
    return {
        "certificate_validity": unit.certificate_validity,
        "certificate_expires": expires.isoformat() if isinstance(expires, dt.date) else None,
    }


def region_of(uscc: str | None) -> str | None:
    """The registration authority's division code, positions 3-8 of a USCC (GB 32100)."""
    if not isinstance(uscc, str) or len(uscc) != 18 or not uscc[2:8].isdigit():
        return None
    return uscc[2:8]


def as_dict(unit: Unit) -> dict[str, Any]:
    return {
        "uscc": unit.uscc,
        "name": unit.name,
        "account_id": unit.account_id,
        **certificate(unit),
        "updated_at": unit.updated_at.isoformat(),
    }
