"""The service a user writes by hand instead of govflow: aiohttp, jsonschema-rs and ``if``s.

The dry runs of the codeassign submission (``rules/codeassign/submit.yaml``) and of the websites
submission (``rules/websites/submit.yaml``), decided in plain Python over the request body: what
``plugins/codeassign/facts.py`` and ``plugins/websites/facts.py`` derive (days to expiry, items
unchanged after trimming, domains and phone numbers compared in canonical form), tested as the
rule files test it. The forms, the rule texts and the HTTP part are ``benchmarks.peer_common``;
the answers are govflow's, byte for byte apart from key order (``benchmarks.peer_load`` checks).

Run: ``python -m benchmarks.peer_handwritten --port P``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from kernel.identifiers import VALIDATORS

from .peer_common import (
    RULES_DIR,
    SCHEMAS_DIR,
    Decide,
    Peer,
    RuleTable,
    Schemas,
    make_app,
    serve,
    today,
)

# -- codeassign ------------------------------------------------------------------------------

CODEASSIGN_MATTERS = ("initial", "change", "reissue", "replacement", "revocation", "extension")
ONLINE = frozenset({"change", "reissue", "replacement", "revocation"})
CODEASSIGN_RULES = (
    "codeassign.login.commitment",
    "codeassign.login.qr-image",
    "codeassign.change.unchanged-item",
    "codeassign.attachments.application-form",
    "codeassign.attachments.change-approval",
    "codeassign.certificate.expiring",
)


def codeassign_accepts(workflow: str | None, matter: str | None, transition: str | None) -> bool:
    return (
        workflow in (None, "application")
        and (matter is None or matter in CODEASSIGN_MATTERS)
        and transition in (None, "submit")
    )


def codeassign_decider(table: RuleTable) -> Decide:
    """The six checks of submit.yaml, with the numbers and types its params name."""
    form_type = table.params["codeassign.attachments.application-form"]["attachment_type"]
    approval_type = table.params["codeassign.attachments.change-approval"]["attachment_type"]
    notice_days = table.params["codeassign.certificate.expiring"]["days"]

    def decide(
        document: Mapping[str, Any], context: Mapping[str, Any], matter: str | None
    ) -> list[str]:
        matter = matter or document["matter"]
        online = matter in ONLINE
        unit = context.get("unit") or None
        validity = unit.get("certificate_validity") if unit else None
        uploaded = context.get("attachments", ())
        commitment = context.get("commitment") or context.get("agreements", {}).get(
            "codeassign.login"
        )
        fired = []
        if not (commitment and commitment.get("in_force")):
            fired.append("codeassign.login.commitment")
        if online and "login_method" in context and context["login_method"] != "qr_image":
            fired.append("codeassign.login.qr-image")
        items = document.get("change_items") or ()
        if any(i["old"].strip() == i["new"].strip() for i in items):
            fired.append("codeassign.change.unchanged-item")
        if online and validity != "long_term" and form_type not in uploaded:
            fired.append("codeassign.attachments.application-form")
        if matter == "change" and validity != "long_term" and approval_type not in uploaded:
            fired.append("codeassign.attachments.change-approval")
        expires = unit.get("certificate_expires") if unit else None
        if (
            validity == "fixed"
            and expires
            and (dt.date.fromisoformat(expires) - today()).days <= notice_days
        ):
            fired.append("codeassign.certificate.expiring")
        return fired

    return decide


# -- websites: canonical forms, as plugins/websites/facts.py compares ---------------------------

WEBSITES_MATTERS = {"new_site": "new", "recheck": "recheck"}
WEBSITES_RULES = (
    "websites.application.sms-code",
    "websites.application.type-matter",
    "websites.domain.chinese-missing",
    "websites.domain.chinese-not-held",
    "websites.domain.english-with-micro-site",
    "websites.name.not-in-title",
    "websites.site.unreachable",
    "websites.ip.ipv4-mismatch",
    "websites.ip.ipv6-mismatch",
    "websites.dns.no-records",
    "websites.dns.lookup-failed",
    "websites.application.duplicate",
    "websites.application.already-approved",
    "websites.application.unit-name",
    "websites.application.handler-contacts",
)
IN_PROGRESS = frozenset(
    {"preliminary_review", "preliminary_failed", "awaiting_materials", "materials_review"}
)
APPROVED = frozenset({"awaiting_mount", "listed"})
_DOMAIN, _MOBILE, _LANDLINE, _EMAIL = (
    VALIDATORS[k] for k in ("public_sector_domain", "mobile_cn", "landline_cn", "email")
)


def websites_accepts(workflow: str | None, matter: str | None, transition: str | None) -> bool:
    in_application = workflow == "application" or (workflow is None and matter is not None)
    return (
        in_application
        and (matter is None or matter in WEBSITES_MATTERS)
        and transition in (None, "submit")
    )


def text(value: Any) -> str:
    """Trimmed, inner runs of white space made one space."""
    return " ".join(str(value).split()) if value is not None else ""


def canonical(check: Callable[[str], str], value: Any) -> str:
    """What ``check`` writes for ``value``; the trimmed text when it refuses it."""
    typed = text(value)
    try:
        return check(typed)
    except ValueError:
        return typed


def domain_key(value: Any) -> str:
    """A domain's A-label, so 北京市公安局.政务 equals its punycode; else lower case."""
    typed = text(value)
    try:
        return _DOMAIN(typed)
    except ValueError:
        return typed.lower()


class DomainKeys:
    """``domain_key`` remembered for one decision: a submission names its two domains in
    several places (the form, the unit's domains, DNS, other applications), and idna is
    the costliest thing a websites decision does."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def __call__(self, value: Any) -> str:
        typed = text(value)
        if typed not in self.known:
            self.known[typed] = domain_key(typed)
        return self.known[typed]


def address(value: Any) -> str:
    try:
        return ipaddress.ip_address(text(value)).compressed
    except ValueError:
        return text(value)


def contacts_match(document: Mapping[str, Any], registration: Mapping[str, Any]) -> bool:
    """Phone (without extension), mobile and e-mail as registered, in canonical form."""

    def landline(value: Any) -> str:
        return "-".join(canonical(_LANDLINE, value).split("-")[:2])

    return (
        landline(document.get("handler_phone")) == landline(registration.get("handler_landline"))
        and canonical(_MOBILE, document.get("handler_mobile"))
        == canonical(_MOBILE, registration.get("handler_mobile"))
        and canonical(_EMAIL, document.get("handler_email")).lower()
        == canonical(_EMAIL, registration.get("handler_email")).lower()
    )


def dns_checks(
    document: Mapping[str, Any], lookups: Mapping[str, Any], key: DomainKeys
) -> list[tuple[str, bool | None, bool | None]]:
    """For each of the application's domains that was looked up: the status, whether the IPv4
    is one it resolves to and whether the IPv6 (when given) is (None when not compared)."""
    by_key = {key(domain): result for domain, result in lookups.items()}
    found = []
    for role in ("chinese_domain", "english_domain"):
        domain = document.get(role)
        result = by_key.get(key(domain)) if domain else None
        if not isinstance(result, Mapping):
            continue
        ipv4 = {address(a) for a in result.get("ipv4") or ()}
        ipv6 = {address(a) for a in result.get("ipv6") or ()}
        status = result.get("status") or ("ok" if ipv4 or ipv6 else "no_records")
        v4 = v6 = None
        if status == "ok":
            v4 = address(document.get("ipv4")) in ipv4
            if document.get("ipv6"):
                v6 = address(document.get("ipv6")) in ipv6
        found.append((status, v4, v6))
    return found


ROLES = ("chinese_domain", "english_domain")


def my_domains(document: Mapping[str, Any], key: DomainKeys) -> set[str]:
    """The application's domains, as A-labels."""
    return {key(document[role]) for role in ROLES if document.get(role)}


def names_one_of(other: Mapping[str, Any], domains: set[str], key: DomainKeys) -> bool:
    """Whether another application names one of ``domains`` (in any spelling)."""
    return any(bool(other.get(role)) and key(other[role]) in domains for role in ROLES)


def other_states(document: Mapping[str, Any], others: Any, key: DomainKeys) -> list[str]:
    """The states of the unit's other applications that name one of this one's domains."""
    mine = my_domains(document, key)
    return [other.get("state") for other in others if names_one_of(other, mine, key)]


def _domain_rules(
    document: Mapping[str, Any], context: Mapping[str, Any], key: DomainKeys
) -> list[str]:
    fired = []
    chinese = document.get("chinese_domain")
    held = context.get("unit_domains")
    if not chinese:
        fired.append("websites.domain.chinese-missing")
    elif held is not None and key(chinese) not in {key(d) for d in held}:
        fired.append("websites.domain.chinese-not-held")
    if document.get("micro_site") is True and document.get("english_domain"):
        fired.append("websites.domain.english-with-micro-site")
    return fired


def _site_rules(document: Mapping[str, Any], site: Any) -> list[str]:
    if not isinstance(site, Mapping):
        return []
    if site.get("reachable") is False:
        return ["websites.site.unreachable"]
    tab = site.get("tab_title")
    if tab is not None and text(document.get("website_name")) not in text(tab):
        return ["websites.name.not-in-title"]
    return []


def _dns_rules(document: Mapping[str, Any], lookups: Any, key: DomainKeys) -> list[str]:
    checks = dns_checks(document, lookups or {}, key)
    fired = []
    if any(status == "ok" and v4 is False for status, v4, _ in checks):
        fired.append("websites.ip.ipv4-mismatch")
    if any(status == "ok" and v6 is False for status, _, v6 in checks):
        fired.append("websites.ip.ipv6-mismatch")
    if any(status == "no_records" for status, _, _ in checks):
        fired.append("websites.dns.no-records")
    if any(status == "error" for status, _, _ in checks):
        fired.append("websites.dns.lookup-failed")
    return fired


def websites_decide(
    document: Mapping[str, Any], context: Mapping[str, Any], matter: str | None
) -> list[str]:
    """The fifteen checks of rules/websites/submit.yaml."""
    fired = []
    sms = context.get("sms_code")
    if not (isinstance(sms, Mapping) and sms.get("verified") is True):
        fired.append("websites.application.sms-code")
    if matter in WEBSITES_MATTERS and WEBSITES_MATTERS[matter] != document.get("application_type"):
        fired.append("websites.application.type-matter")
    key = DomainKeys()
    fired += _domain_rules(document, context, key)
    fired += _site_rules(document, context.get("site"))
    fired += _dns_rules(document, context.get("dns"), key)
    states = other_states(document, context.get("other_applications") or (), key)
    if IN_PROGRESS.intersection(states):
        fired.append("websites.application.duplicate")
    if document.get("application_type") == "new" and APPROVED.intersection(states):
        fired.append("websites.application.already-approved")
    registration = context.get("registration")
    if isinstance(registration, Mapping):
        if text(document.get("unit_name")) != text(registration.get("unit_name")):
            fired.append("websites.application.unit-name")
        if not contacts_match(document, registration):
            fired.append("websites.application.handler-contacts")
    return fired


# -- the service -----------------------------------------------------------------------------


def peers(rules_dir: Path = RULES_DIR, schemas_dir: Path = SCHEMAS_DIR) -> dict[str, Peer]:
    """Both processes, their forms compiled and their rule texts read; refuses rule files
    whose rules are not the ones decided here."""
    schemas = Schemas(schemas_dir)
    codeassign = RuleTable.load("codeassign", "submit", rules_dir)
    codeassign.expect(CODEASSIGN_RULES)
    websites = RuleTable.load("websites", "submit", rules_dir)
    websites.expect(WEBSITES_RULES)
    return {
        "codeassign": Peer(
            schemas.form("codeassign", "application.json"),
            codeassign,
            codeassign_decider(codeassign),
            codeassign_accepts,
        ),
        "websites": Peer(
            schemas.form("websites", "application.json"),
            websites,
            websites_decide,
            websites_accepts,
        ),
    }


def build(rules_dir: Path = RULES_DIR, schemas_dir: Path = SCHEMAS_DIR) -> web.Application:
    return make_app(peers(rules_dir, schemas_dir))


if __name__ == "__main__":
    serve(build, __doc__)
