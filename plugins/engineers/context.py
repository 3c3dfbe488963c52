"""What the server knows about an engineers subject beyond its document.

Every fact the rules read is built here from the database, the clock and the adapters: the
acting enterprise's account and saved basic information (EN-01), its qualification as the
qualification register has it (EN-04), when the commitment letter was last shown to it
(EN-02), the declaration a correction is for, its declarations in progress and the market
regulator's name for it (EN-09), the anomaly an appeal is for (EN-07). Only the document and
the transition's declared ``input`` (the 本公司作出上述承诺 box) come from the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Lookup, Subject, clock, hookimpl, normalise_identifier

from .adapters import QUALIFICATIONS, REGULATOR
from .models import Anomaly, CommitmentShowing, Declaration

PROCESS = "engineers"
#: States in which the enterprise takes no part in a declaration: the individual's own.
INDIVIDUALS_ONLY = ("draft", "returned")


def uscc_of(actor: Actor) -> str | None:
    """The enterprise's USCC, as the legal-person account of the national platform has it."""
    code = actor.profile.get("uscc")
    return normalise_identifier(code) if isinstance(code, str) else None


def region_of(uscc: Any) -> str | None:
    """The registration authority's division code, positions 3-8 of a USCC (GB 32100)."""
    if not isinstance(uscc, str) or len(uscc) != 18 or not uscc[2:8].isdigit():
        return None
    return uscc[2:8]


@hookimpl
async def govflow_context(
    subject: Subject,
    actor: Actor,
    transition: str,
    lookup: Lookup,
    adapters: Mapping[str, Any],
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if "enterprise" in actor.roles:
        context |= await _enterprise(actor, lookup, adapters)
    build = _BY_WORKFLOW.get(subject.workflow)
    if build is not None:
        context |= await build(subject, actor, transition, adapters)
    return context


async def enterprise_context(actor: Actor, adapters: Mapping[str, Any]) -> dict[str, Any]:
    """What a step of this enterprise's would know of it (``_enterprise``), for a route's form
    hints before any subject exists."""
    return await _enterprise(actor, Lookup(), adapters)


async def _enterprise(actor: Actor, lookup: Lookup, adapters: Mapping[str, Any]) -> dict:
    """``account`` (name and USCC of the platform account) and ``enterprise`` (saved basic
    information, and whether the qualification register knows a certificate of it)."""
    uscc = uscc_of(actor)
    infos = await lookup.subjects(owner_id=actor.id, process=PROCESS, workflow="enterprise_info")
    saved = next((i for i in infos if i["state"] == "saved"), None)
    certificate = await adapters[QUALIFICATIONS].certificate(uscc) if uscc else None
    enterprise: dict[str, Any] = {"info_saved": saved is not None}
    enterprise["has_qualification"] = certificate is not None
    if saved is not None:
        enterprise |= {"industry": saved.get("industry"), "name": saved.get("enterprise_name")}
    return {
        "account": {"name": actor.display_name, "uscc": uscc},
        "enterprise": enterprise,
        "qualification_lookup": certificate,
    }


async def _declaration(subject: Subject, actor: Actor, transition: str, adapters) -> dict:
    context: dict[str, Any] = {}
    employer_uscc = subject.data.get("employer_uscc")
    if transition == "declare":
        name = await adapters[REGULATOR].name_of(employer_uscc) if employer_uscc else None
        context["employer"] = {"known": name is not None, "name": name}
        context["region_matches_employer"] = subject.region == region_of(employer_uscc)
    if transition == "report":
        context["commitment"] = await _commitment(actor)
    return context


async def _commitment(actor: Actor) -> dict[str, Any] | None:
    """The last showing of the letter to this account, and this moment as the confirmation:
    the seconds between the two are the server's, whatever the client's clock says."""
    shown = await CommitmentShowing.filter(account_id=actor.id).order_by("-shown_at", "-id").first()
    if shown is None:
        return None
    return {
        "showing_id": shown.id,
        "version": shown.version,
        "shown_at": shown.shown_at.isoformat(),
        "confirmed_at": clock.now().isoformat(),
    }


async def _qualification_correction(subject: Subject, actor: Actor, transition, adapters) -> dict:
    """The declaration corrected, if it is one of this enterprise's."""
    found = await Declaration.get_or_none(
        application_id=subject.data.get("declaration_id"), employer_uscc=uscc_of(actor) or "-"
    ).prefetch_related("application")
    if found is None:
        return {"declaration": None}
    return {
        "declaration": {
            "state": found.application.state,
            "pre_registration": found.pre_registration,
            "employer_uscc": found.employer_uscc,
            "corrected": found.qualification_corrected_at is not None,
        }
    }


async def _name_change(subject: Subject, actor: Actor, transition, adapters) -> dict:
    """The regulator's name for the enterprise now, and every declaration made to it."""
    uscc = uscc_of(actor)
    rows = await Declaration.filter(employer_uscc=uscc or "-").values(
        "application_id", "application__state"
    )
    return {
        "regulator": {"name": await adapters[REGULATOR].name_of(uscc) if uscc else None},
        "declarations": [
            {"declaration_no": str(r["application_id"]), "state": r["application__state"]}
            for r in rows
        ],
    }


async def _appeal(subject: Subject, actor: Actor, transition, adapters) -> dict:
    found = await Anomaly.get_or_none(
        id=subject.data.get("anomaly_id"), enterprise_uscc=uscc_of(actor) or "-"
    )
    if found is None:
        return {"anomaly": {"found": False}}
    elsewhere = found.appeal_id is not None and found.appeal_id != subject.id
    return {"anomaly": {"found": True, "appealed_elsewhere": elsewhere}}


_BY_WORKFLOW = {
    "declaration": _declaration,
    "qualification_correction": _qualification_correction,
    "name_change": _name_change,
    "appeal": _appeal,
}


@hookimpl
async def govflow_takes_part(subject: Subject, actor: Actor) -> bool:
    """The enterprise a declaration was declared to takes part in it (views, reports,
    returns, answers a withdrawal), from 未上报 on and until it returns it."""
    if subject.workflow != "declaration" or "enterprise" not in actor.roles:
        return False
    if subject.state in INDIVIDUALS_ONLY:
        return False
    employer = subject.data.get("employer_uscc")
    return isinstance(employer, str) and normalise_identifier(employer) == uscc_of(actor)


@hookimpl
def govflow_server_fields(workflow: str, actor: Actor) -> dict[str, Any]:
    """What a document says about who makes it is the account's, never the client's."""
    profile = actor.profile
    if workflow in ("enterprise_info", "name_change"):
        name_field = "enterprise_name" if workflow == "enterprise_info" else "former_name"
        fields = {name_field: actor.display_name}
        if uscc_of(actor):
            fields["uscc"] = uscc_of(actor)
        return fields
    if workflow == "declaration":
        fields = {"person_name": actor.display_name}
        for key in ("id_type", "id_number", "mobile"):
            if profile.get(key):
                fields[key] = profile[key]
        return fields
    return {}


@hookimpl
def govflow_region(workflow: str, document: Mapping[str, Any]) -> str | None:
    """A declaration belongs to the province of the enterprise it is declared to; the
    enterprise's own business to the region its USCC names."""
    return region_of(document.get("employer_uscc") or document.get("uscc"))
