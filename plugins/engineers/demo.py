"""Demo rows of the engineers tables (``govflow demo``): what the outside services know about
the demo enterprises, registrations from before this service (some about to expire), and a
commitment letter shown to the demo enterprise long enough ago for the demo's reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from kernel import clock, hookimpl

from .declarations import LETTER_VERSION
from .models import CommitmentShowing, MarketEntity, Qualification, Registration


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
