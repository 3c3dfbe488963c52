"""What engineers transitions do besides changing state, inside their transaction.

- ``declare``: the declaration's searchable row (the enterprise's 注册申报管理 list);
- ``report``: the acceptance of the commitment letter, stored with the report (EN-02);
- ``ministry_approve``: the person enters the enterprise's register (EN-05);
- ``correct``: the declaration records its qualification certificate (EN-04);
- name change ``approve``: the account takes the new name and keeps the former one (EN-09);
- appeal ``submit``: the anomaly names its appeal (EN-07);
- every change of state of a declaration, name change or appeal: a message to the
  enterprise's inbox (EN-08).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from tortoise import Tortoise

from kernel import Actor, Subject, clock, hookimpl, normalise_identifier

from .models import Anomaly, CommitmentShowing, Declaration, Message, Registration

#: Seed silent on the validity of a registration: three years, as the registration rules say.
VALIDITY_YEARS = 3


def _account_model():
    return Tortoise.apps["govflow"]["Account"]


async def declare(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    """The row the enterprise's list searches (name, ID number, profession, date), written or,
    for a returned item declared again, rewritten: its document may have changed meanwhile."""
    data = subject.data
    values = {
        "declarant_id": subject.owner_id,
        "employer_uscc": normalise_identifier(data["employer_uscc"]),
        "person_name": data["person_name"],
        "id_number": data["id_number"],
        "profession": data["profession"],
        "pre_registration": bool(data.get("pre_registration")),
        "declared_at": clock.now(),
        "reported_at": None,
    }
    row = await Declaration.get_or_none(application_id=subject.id).using_db(db)
    if row is None:
        await Declaration.create(application_id=subject.id, **values, using_db=db)
    else:
        await Declaration.filter(id=row.id).using_db(db).update(**values)


async def report(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    """The acceptance: which showing of the letter, confirmed when, ticked (the rules saw to
    it that the showing is 60 s old or more by the server's clock)."""
    shown = (
        await CommitmentShowing.filter(account_id=actor.id)
        .using_db(db)
        .order_by("-shown_at", "-id")
        .first()
    )
    moment = clock.now()
    await (
        Declaration.filter(application_id=subject.id)
        .using_db(db)
        .update(
            reported_at=moment,
            commitment_showing_id=shown.id if shown else None,
            commitment_confirmed_at=moment,
            commitment_text_version=shown.version if shown else None,
        )
    )


async def approve_registration(
    subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any
) -> None:
    """准予注册 puts the person into the enterprise's register (EN-05), which the export and
    the expiry job read; the person's name and ID are the declaration's, from the account."""
    data = subject.data
    today = clock.now().date()
    until = input.get("valid_until")
    await Registration.create(
        enterprise_uscc=normalise_identifier(data["employer_uscc"]),
        person_id=subject.owner_id,
        declaration_id=subject.id,
        person_name=data["person_name"],
        id_type=data["id_type"],
        id_number=data["id_number"],
        profession=data["profession"],
        certificate_no=input["certificate_no"],
        registered_on=today,
        valid_until=dt.date.fromisoformat(until) if until else _years_after(today),
        using_db=db,
    )


def _years_after(day: dt.date, years: int = VALIDITY_YEARS) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


async def correct(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    """补正资质 done: the declaration carries the certificate number and is not offered the
    correction again (the rules checked that it is this enterprise's pre-registration)."""
    await (
        Declaration.filter(application_id=subject.data["declaration_id"])
        .using_db(db)
        .update(
            qualification_certificate_no=subject.data["qualification_certificate_no"],
            qualification_corrected_at=clock.now(),
        )
    )


async def rename(subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any) -> None:
    """The account's name becomes the new one; the former names are kept in its profile."""
    account = await _account_model().get(id=subject.owner_id).using_db(db)
    former = list(account.profile.get("former_names") or [])
    if account.display_name not in former:
        former.append(account.display_name)
    account.profile = {**account.profile, "former_names": former}
    account.display_name = subject.data["current_name"]
    await account.save(using_db=db, update_fields=["display_name", "profile"])


async def appeal_submitted(subject: Subject, actor: Actor, input: Mapping[str, Any], db) -> None:
    """The anomaly names its appeal: 申辩管理 shows it, and a second appeal is refused."""
    await Anomaly.filter(id=subject.data["anomaly_id"]).using_db(db).update(appeal_id=subject.id)


EFFECTS = {
    ("declaration", "declare"): declare,
    ("declaration", "report"): report,
    ("declaration", "ministry_approve"): approve_registration,
    ("qualification_correction", "correct"): correct,
    ("name_change", "approve"): rename,
    ("appeal", "submit"): appeal_submitted,
}


@cache
def _titles() -> dict[str, Any]:
    """State and workflow titles from the manifest, for the messages."""
    manifest = yaml.safe_load((Path(__file__).parent / "process.yaml").read_text("utf-8"))
    return {
        name: {
            "title": wf["title"]["zh"],
            "states": {s["name"]: s["title"]["zh"] for s in wf["states"]},
        }
        for name, wf in manifest["workflows"].items()
    }


async def message(subject: Subject, transition: str, db: Any) -> None:
    """我的消息: the enterprise is told of every change of state of its business."""
    if subject.workflow == "enterprise_info":
        return
    if subject.workflow == "declaration":
        uscc = subject.data.get("employer_uscc")
        about = f"{subject.data.get('person_name', '')}的注册申报（编号{subject.id}）"
    else:
        owner = await _account_model().get(id=subject.owner_id).using_db(db)
        uscc = owner.profile.get("uscc")
        about = f"{_titles()[subject.workflow]['title']}（编号{subject.id}）"
    if not isinstance(uscc, str):
        return
    state = _titles()[subject.workflow]["states"][subject.state]
    await Message.create(
        enterprise_uscc=normalise_identifier(uscc),
        subject_id=subject.id,
        title=f"{about}状态变更为：{state}",
        body=f"{about}已变更为“{state}”。",
        created_at=clock.now(),
        using_db=db,
    )


@hookimpl
async def govflow_transition_effects(
    transition: str, subject: Subject, actor: Actor, input: Mapping[str, Any], db: Any
) -> None:
    effect = EFFECTS.get((subject.workflow, transition))
    if effect is not None:
        await effect(subject, actor, input, db)
    await message(subject, transition, db)
