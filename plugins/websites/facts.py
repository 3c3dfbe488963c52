"""What the websites rules see about a registration or an application, and what was observed.

Everything fiddly is worked out here, in Python, so that the rule files stay plain: whether
the password (the registration's transition input, never the document) follows the policy
and was typed the same twice (the password itself never becomes a fact), whether a
domain is one the unit holds, whether the IP address is the one the domain resolves to,
whether the website name is in the home page's title, how many pages lack
the identification code. Domains, addresses and phone numbers are compared in their
canonical forms, so ``中国机构编制网.政务`` equals its punycode and ``+86 10 52035000`` equals
``010-52035000``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from kernel import hookimpl, validate_identifier

Fact = dict[str, Any]

#: Which ``application_type`` each matter of the manifest stands for.
MATTER_TYPES = {"new_site": "new", "recheck": "recheck"}


@hookimpl
def facts_for(
    workflow: str,
    matter: str | None,
    document: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[Fact]:
    """The facts of a registration or an application from its document and the context."""
    if workflow == "registration":
        return registration_facts(document, context)
    if workflow == "application":
        return application_facts(document, matter, context)
    return []


# -- WS-01 registration ---------------------------------------------------------------------------


def registration_facts(document: Mapping[str, Any], context: Mapping[str, Any]) -> list[Fact]:
    """The form, the password typed (the step's ``input``), the register of organs' answer
    about the unit, an existing name account.

    ``context`` may carry ``input`` (``password``, ``password_confirm``), ``organ_register``
    (``found``, ``nature``), ``name_system_account`` (the unit's existing login account of
    the online-name system) and ``sms_code`` (``verified``: the handler's mobile confirmed).
    """
    typed = context.get("input") or {}
    password = typed.get("password")
    facts: list[Fact] = [
        {
            "kind": "registration",
            "system_category": document.get("system_category"),
            "password_given": isinstance(password, str) and password != "",
            "password_valid": password_valid(password),
            "password_confirmed": password == typed.get("password_confirm"),
            "agreement_accepted": document.get("agreement_accepted") is True,
        }
    ]
    register = context.get("organ_register")
    if isinstance(register, Mapping):
        facts.append(
            {
                "kind": "organ_register",
                "found": register.get("found"),
                "nature": register.get("nature"),
            }
        )
    account = context.get("name_system_account")
    if account:
        if isinstance(account, Mapping):
            account = account.get("account")
        facts.append({"kind": "name_system_account", "account": str(account)})
    sms = context.get("sms_code")
    if isinstance(sms, Mapping):
        facts.append({"kind": "sms_code", "verified": sms.get("verified") is True})
    return facts


# -- WS-03..WS-06 application ---------------------------------------------------------------------


def application_facts(
    document: Mapping[str, Any], matter: str | None, context: Mapping[str, Any]
) -> list[Fact]:
    """The application and what is known around it.

    ``context`` may carry: ``unit_domains`` (domains the unit holds in the online-name
    system), ``registration`` (the unit's registration document), ``sms_code``
    (``{"verified": bool}``), ``site`` (``reachable``, ``tab_title``), ``dns``
    (domain -> ``{"status", "ipv4": [...], "ipv6": [...]}``), ``other_applications`` (the
    unit's other applications: ``chinese_domain``, ``english_domain``, ``state``),
    ``paper_materials`` (``type``, ``stamped``) and ``mount_check`` (``reachable``, ``pages``:
    ``[{"url", "found", "before_body_end"}]``, ``pages_not_reached``: ``[url]``).
    """
    facts = [_application(document, matter, context.get("unit_domains"))]
    registration = context.get("registration")
    if isinstance(registration, Mapping):
        facts.append(_registered_unit(document, registration))
    sms = context.get("sms_code")
    if isinstance(sms, Mapping):
        facts.append({"kind": "sms_code", "verified": sms.get("verified") is True})
    site = context.get("site")
    if isinstance(site, Mapping):
        facts.append(_site(document, site))
    facts += _dns(document, context.get("dns") or {})
    facts += _others(document, context.get("other_applications") or ())
    facts += [
        {"kind": "paper_material", "type": m.get("type"), "stamped": m.get("stamped") is True}
        for m in context.get("paper_materials") or ()
    ]
    mount = context.get("mount_check")
    if isinstance(mount, Mapping):
        facts.append(mount_check_fact(mount))
    return facts


def _application(
    document: Mapping[str, Any], matter: str | None, held: Iterable[str] | None
) -> Fact:
    chinese = document.get("chinese_domain")
    fact: Fact = {
        "kind": "application",
        "application_type": document.get("application_type"),
        "micro_site": document.get("micro_site") is True,
        "has_chinese_domain": bool(chinese),
        "has_english_domain": bool(document.get("english_domain")),
    }
    if matter in MATTER_TYPES:
        fact["matter"] = matter
        fact["type_matches_matter"] = MATTER_TYPES[matter] == document.get("application_type")
    if chinese and held is not None:
        fact["chinese_domain_held"] = domain_key(chinese) in {domain_key(d) for d in held}
    return fact


def _registered_unit(document: Mapping[str, Any], registration: Mapping[str, Any]) -> Fact:
    pairs = (
        (_landline(document.get("handler_phone")), _landline(registration.get("handler_landline"))),
        (_mobile(document.get("handler_mobile")), _mobile(registration.get("handler_mobile"))),
        (_email(document.get("handler_email")), _email(registration.get("handler_email"))),
    )
    return {
        "kind": "registered_unit",
        "unit_name_matches": _text(document.get("unit_name"))
        == _text(registration.get("unit_name")),
        "handler_contacts_match": all(mine == registered for mine, registered in pairs),
    }


def password_valid(password: Any) -> bool:
    """WS-01: 8-16 half-width characters mixing letters and digits (kernel policy A)."""
    try:
        validate_identifier("password_a", password)
    except (ValueError, TypeError):
        return False
    return True


def _site(document: Mapping[str, Any], site: Mapping[str, Any]) -> Fact:
    """WS-03 (re-check): the website name is the one in the browser tab, the home page's
    ``<title>``; the title may say more (中国机构编制网 - 首页), so it must contain the name."""
    fact: Fact = {"kind": "site_observation", "reachable": site.get("reachable") is not False}
    tab = site.get("tab_title")
    if fact["reachable"] and tab is not None:
        fact["name_in_title"] = _text(document.get("website_name")) in _text(tab)
    return fact


def _dns(document: Mapping[str, Any], lookups: Mapping[str, Any]) -> list[Fact]:
    """One fact per domain of the application that was looked up."""
    by_key = {domain_key(domain): result for domain, result in lookups.items()}
    facts = []
    for role in ("chinese", "english"):
        domain = document.get(f"{role}_domain")
        result = by_key.get(domain_key(domain)) if domain else None
        if isinstance(result, Mapping):
            facts.append(dns_fact(role, document, result))
    return facts


def dns_fact(role: str, document: Mapping[str, Any], result: Mapping[str, Any]) -> Fact:
    """Whether the application's addresses are the ones ``result`` says the domain resolves to."""
    ipv4 = {_address(a) for a in result.get("ipv4") or ()}
    ipv6 = {_address(a) for a in result.get("ipv6") or ()}
    status = result.get("status") or ("ok" if ipv4 or ipv6 else "no_records")
    fact: Fact = {"kind": "dns", "domain_role": role, "status": status}
    if status == "ok":
        fact["ipv4_matches"] = _address(document.get("ipv4")) in ipv4
        if document.get("ipv6"):
            fact["ipv6_matches"] = _address(document.get("ipv6")) in ipv6
    return fact


def _others(document: Mapping[str, Any], others: Iterable[Mapping[str, Any]]) -> list[Fact]:
    """The unit's other applications, each with its state and whether it names one of this
    application's domains (in any spelling: compared as A-labels)."""
    mine = {
        domain_key(document[key])
        for key in ("chinese_domain", "english_domain")
        if document.get(key)
    }
    return [
        {
            "kind": "other_application",
            "state": other.get("state"),
            "same_domain": any(
                other.get(key) and domain_key(other[key]) in mine
                for key in ("chinese_domain", "english_domain")
            ),
        }
        for other in others
    ]


def mount_check_fact(check: Mapping[str, Any]) -> Fact:
    """Counts of the pages fetched, those without the code, those with it in the wrong place,
    and those the crawl's time bound left unfetched."""
    pages = list(check.get("pages") or ())
    return {
        "kind": "mount_check",
        "reachable": check.get("reachable") is not False,
        "pages_checked": len(pages),
        "pages_missing_code": sum(1 for p in pages if not p.get("found")),
        "pages_misplaced_code": sum(
            1 for p in pages if p.get("found") and p.get("before_body_end") is False
        ),
        "pages_not_reached": len(check.get("pages_not_reached") or ()),
    }


# -- canonical forms -------------------------------------------------------------------------------


def domain_key(value: Any) -> str:
    """The A-label form of a domain; what was typed, lower-cased, if it is not a valid one."""
    text = _text(value)
    try:
        return validate_identifier("public_sector_domain", text)
    except ValueError:
        return text.lower()


def _canonical(kind: str, value: Any) -> str:
    text = _text(value)
    try:
        return validate_identifier(kind, text)
    except ValueError:
        return text


def _landline(value: Any) -> str:
    """``0AREA-LOCAL`` without the extension: the extension is entered apart at registration."""
    return "-".join(_canonical("landline_cn", value).split("-")[:2])


def _mobile(value: Any) -> str:
    return _canonical("mobile_cn", value)


def _email(value: Any) -> str:
    return _canonical("email", value).lower()


def _address(value: Any) -> str:
    try:
        return ipaddress.ip_address(_text(value)).compressed
    except ValueError:
        return _text(value)


def _text(value: Any) -> str:
    """Trimmed, with inner runs of white space (full-width too) made one space."""
    return " ".join(str(value).split()) if value is not None else ""
