"""What the server knows about a websites subject beyond its document (WS-01..WS-06).

Everything here is built from the database and the adapters, never from the request: whether
the body is an organ (the register of organs), the domains the unit holds, the unit's
registration (its account), whether the handler's mobile was confirmed with an SMS code the
server checked, what DNS answers for the domains, the site's title, the papers the authority
recorded, the latest mount check. The only client values a rule sees are the document and the
transition's declared ``input`` (the password of a registration, typed twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import Actor, Lookup, Subject, hookimpl, validate_identifier

from .facts import domain_key
from .models import MobileConfirmation, MountCheck, PaperMaterial
from .regions import region_code

ORGANS = "websites_organ_register"
NAME_SYSTEM = "websites_name_system"
DNS = "websites_dns"
FETCHER = "websites_fetcher"

#: The registration fields kept in the unit's account profile: prefilled into its applications.
PROFILE_FIELDS = (
    "region",
    "unit_name",
    "system_category",
    "superior_unit",
    "mailing_address",
    "function_intro",
    "postal_code",
    "head",
    "handler",
    "handler_landline",
    "handler_landline_ext",
    "handler_fax",
    "handler_fax_ext",
    "handler_mobile",
    "handler_email",
)


def unit_profile(unit: Mapping[str, Any]) -> dict[str, Any]:
    """The account profile of a unit, from its registration or from what the online-name
    system knows of it: ``PROFILE_FIELDS``, and the handler's mobile and e-mail as the
    account's own (where the kernel sends its codes and notices)."""
    profile = {k: unit[k] for k in PROFILE_FIELDS if k in unit}
    return profile | {"mobile": unit.get("handler_mobile"), "email": unit.get("handler_email")}


@hookimpl
async def govflow_context(
    subject: Subject, transition: str, lookup: Lookup, adapters: Mapping[str, Any]
) -> dict[str, Any]:
    if subject.workflow == "registration":
        context = await registration_context(subject.data, adapters)
        if transition == "register":
            context["sms_code"] = {"verified": await mobile_confirmed(subject.id, subject.data)}
        return context
    return await application_context(subject, transition, lookup, adapters)


async def registration_context(
    document: Mapping[str, Any], adapters: Mapping[str, Any]
) -> dict[str, Any]:
    """``organ_register``: what the register of organs says of the name;
    ``name_system_account``: the unit's account of the online-name system, when it has one
    (it logs in with that instead of registering, WS-01)."""
    name = document.get("unit_name")
    if not isinstance(name, str) or not name.strip():
        return {}
    row = await adapters[ORGANS].lookup(name)
    context: dict[str, Any] = {
        "organ_register": {"found": row is not None, "nature": row and row["nature"]}
    }
    account = await adapters[NAME_SYSTEM].account_of(name)
    if account:
        context["name_system_account"] = account
    return context


async def application_context(
    subject: Subject, transition: str, lookup: Lookup, adapters: Mapping[str, Any]
) -> dict[str, Any]:
    """The unit's domains and registration (its account's profile), the papers recorded, the
    latest mount check; on submit also the SMS confirmation, DNS and (re-check) the site."""
    data = subject.data
    owner = await lookup.account(subject.owner_id) or {}
    profile = owner.get("profile") or {}
    unit_name = profile.get("unit_name") or owner.get("display_name") or ""
    organ = await adapters[ORGANS].lookup(unit_name) if unit_name else None
    context: dict[str, Any] = {
        "unit_domains": list(organ["domains"]) if organ else [],
        "paper_materials": [
            {"type": p.type, "stamped": p.stamped}
            for p in await PaperMaterial.filter(application_id=subject.id).order_by("id")
        ],
    }
    if profile.get("unit_name"):
        context["registration"] = {k: profile[k] for k in PROFILE_FIELDS if k in profile}
    if transition == "submit":
        context["sms_code"] = {"verified": await mobile_confirmed(subject.id, data)}
        context["dns"] = await resolve_domains(data, adapters[DNS])
        if data.get("application_type") == "recheck":
            context["site"] = await home_page(data, context["dns"], adapters[FETCHER])
    latest = await MountCheck.filter(application_id=subject.id).order_by("-id").first()
    if latest is not None:
        context["mount_check"] = {
            "reachable": latest.reachable,
            "pages": latest.pages,
            "pages_not_reached": latest.pages_not_reached,
        }
    return context


def canonical_mobile(value: Any) -> str | None:
    try:
        return validate_identifier("mobile_cn", str(value))
    except ValueError:
        return None


async def mobile_confirmed(application_id: int, data: Mapping[str, Any]) -> bool:
    """The handler's mobile now in the registration or application was confirmed with a code
    the server checked (``routes.confirm_mobile``); a mobile changed since needs a new code."""
    mobile = canonical_mobile(data.get("handler_mobile"))
    if mobile is None:
        return False
    return await MobileConfirmation.exists(application_id=application_id, mobile=mobile)


def site_host(data: Mapping[str, Any]) -> str | None:
    """The host a visitor reaches the site at: the English domain, else the Chinese one."""
    for key in ("english_domain", "chinese_domain"):
        if data.get(key):
            return domain_key(data[key])
    return None


async def resolve_domains(data: Mapping[str, Any], resolver: Any) -> dict[str, Any]:
    """What DNS answers for each domain of the application, by domain as typed."""
    answers: dict[str, Any] = {}
    for key in ("chinese_domain", "english_domain"):
        domain = data.get(key)
        if isinstance(domain, str) and domain.strip():
            answers[domain] = await resolver.resolve(domain_key(domain))
    return answers


def site_address(data: Mapping[str, Any], answers: Mapping[str, Any]) -> str | None:
    """The address the site is fetched at: the application's IPv4 when DNS confirms it, else
    the first address DNS gives (so a site is never fetched at an address DNS does not name)."""
    host = site_host(data)
    for domain, answer in answers.items():
        if domain_key(domain) != host or answer.get("status") != "ok":
            continue
        ipv4 = list(answer.get("ipv4") or ())
        if data.get("ipv4") in ipv4:
            return str(data["ipv4"])
        return (ipv4 or list(answer.get("ipv6") or ()) or [None])[0]
    return None


async def home_page(data: Mapping[str, Any], answers: Mapping[str, Any], fetcher: Any) -> dict:
    """The home page's title, fetched at the address DNS confirmed; unreachable without one."""
    host, address = site_host(data), site_address(data, answers)
    if host is None or address is None:
        return {"reachable": False}
    return await fetcher.title(host, address)


@hookimpl
async def govflow_server_fields(workflow: str, actor: Actor) -> dict[str, Any]:
    """An application names the unit as its registration does (WS-03: 单位信息 prefilled,
    read-only): the name, the category and the mailing address come from the account."""
    if workflow != "application":
        return {}
    profile = actor.profile
    fields = {"unit_name": profile.get("unit_name") or actor.display_name}
    for key in ("system_category", "mailing_address"):
        if profile.get(key):
            fields[key] = profile[key]
    return fields


@hookimpl
def govflow_region(workflow: str, document: Mapping[str, Any]) -> str | None:
    """A registration goes to the establishment authority of the region the unit chose."""
    if workflow != "registration":
        return None
    region = document.get("region")
    return region_code(region.get("area")) if isinstance(region, Mapping) else None
