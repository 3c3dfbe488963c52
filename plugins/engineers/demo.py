"""Demo rows of the engineers tables (``govflow demo``): what the outside services know about
the demo enterprises, registrations from before this service (some about to expire), a
commitment letter shown to the demo enterprise long enough ago for the demo's reports, and the
anomalies a reviewer recorded (EN-07).

Also the demo's own actions (demo.yaml ``run:``): picking, in a 补正资质 or an appeal, the
declaration or anomaly it is for, as the enterprise does in the form from its lists. Their
ids are only known once the demo has created them, so the demo.yaml cannot name them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from kernel import clock, hookimpl, normalise_identifier

from .declarations import LETTER_VERSION
from .models import (
    Anomaly,
    CommitmentShowing,
    Declaration,
    MarketEntity,
    Qualification,
    Registration,
)

#: Declaration states in which a pre-registration has been reported (补正资质 is offered).
REPORTED = ("province_pending", "province_accepted", "ministry_pending", "ministry_accepted")


@hookimpl
async def govflow_demo(folder: Path) -> None:
    rows = yaml.safe_load((folder / "demo-rows.yaml").read_text("utf-8"))
    for row in rows["qualifications"]:
        await Qualification.get_or_create(uscc=row["uscc"], defaults=row)
    for row in rows["market_entities"]:
        await MarketEntity.get_or_create(uscc=row["uscc"], defaults=row)
    today = clock.now().date()
    for row in rows["registrations"]:
        fields = {
            k: v for k, v in row.items() if k not in ("expires_in_days", "registered_years_ago")
        }
        if await Registration.exists(certificate_no=fields["certificate_no"]):
            continue
        await Registration.create(
            **fields,
            registered_on=today - dt.timedelta(days=365 * row["registered_years_ago"]),
            valid_until=today + dt.timedelta(days=row["expires_in_days"]),
        )
    account_model = CommitmentShowing._meta.fields_map["account"].related_model
    for username in rows["commitment_shown_to"]:
        account = await account_model.get(username=username)
        if not await CommitmentShowing.exists(account_id=account.id):
            await CommitmentShowing.create(
                account=account,
                version=LETTER_VERSION,
                shown_at=clock.now() - dt.timedelta(minutes=2),
            )
    for row in rows.get("anomalies", ()):
        reviewer = await account_model.get(username=row["found_by"])
        await Anomaly.get_or_create(
            enterprise_uscc=row["enterprise_uscc"],
            description=row["description"],
            defaults={"found_by_id": reviewer.id, "found_at": clock.now()},
        )


async def _owner_uscc(application: Any) -> str:
    """The USCC of the enterprise account that owns ``application`` (``-``: none)."""
    await application.fetch_related("owner")
    code = (application.owner.profile or {}).get("uscc")
    return normalise_identifier(code) if isinstance(code, str) else "-"


async def _fill(application: Any, **values: Any) -> None:
    """What the enterprise picks in the form, kept as its draft (the demo's typing)."""
    application.data = {**application.data, **values}
    await application.save(update_fields=["data"])


async def qualification_obtained(kernel: Any, application: Any) -> None:
    """The enterprise obtained the qualification whose number its correction gives: the
    register (the local stand-in's table) holds it from now on (EN-04)."""
    await application.fetch_related("owner")
    await Qualification.get_or_create(
        uscc=await _owner_uscc(application),
        defaults={
            "certificate_no": application.data["qualification_certificate_no"],
            "enterprise_name": application.owner.display_name,
        },
    )


async def correct_reported_pre_registration(kernel: Any, application: Any) -> None:
    """补正资质 is for the enterprise's first reported pre-registration (EN-04)."""
    uscc = await _owner_uscc(application)
    found = (
        await Declaration.filter(
            employer_uscc=uscc,
            pre_registration=True,
            application__state__in=REPORTED,
        )
        .order_by("application_id")
        .first()
    )
    if found is not None:
        await _fill(application, declaration_id=found.application_id)


async def appeal_first_anomaly(kernel: Any, application: Any) -> None:
    """The appeal is for the first anomaly recorded against the enterprise (EN-07)."""
    uscc = await _owner_uscc(application)
    found = await Anomaly.filter(enterprise_uscc=uscc, appeal_id=None).order_by("id").first()
    if found is not None:
        await _fill(application, anomaly_id=found.id)
