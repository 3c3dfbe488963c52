"""The same hand-made service with the rules as GoRules zen-engine decisions.

One JDM graph per ruleset (input → one decision table, hit policy ``collect``, a row per rule
→ output), so the conditions of ``rules/codeassign/submit.yaml`` and ``rules/websites/submit.yaml``
are zen expressions, as a user who keeps rules in zen writes them. What zen cannot derive by
itself (days to expiry, items unchanged after trimming, domains and phone numbers compared in
canonical form) is computed in Python into the decision's input, the facts the govflow plugins
build; the form and the rule texts are those of ``benchmarks.peer_common``, like the
hand-written peer.

zen is called its fastest way for tables this small (measured here, µs per call of the codeassign
table): ``ZenEngine.evaluate(key, …)`` on a static loader, about 15 µs; a precompiled
``ZenDecision.evaluate`` costs about 240 µs, a Python loader callback returning the graph about
65 µs.

Run: ``python -m benchmarks.peer_zen --port P``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import zen
from aiohttp import web

from .peer_common import (
    RULES_DIR,
    SCHEMAS_DIR,
    Decide,
    Peer,
    RuleTable,
    Schemas,
    make_app,
    one_table,
    serve,
    today,
)
from .peer_handwritten import (
    CODEASSIGN_RULES,
    WEBSITES_MATTERS,
    WEBSITES_RULES,
    DomainKeys,
    codeassign_accepts,
    contacts_match,
    dns_checks,
    my_domains,
    names_one_of,
    text,
    websites_accepts,
)

ONLINE = '["change", "reissue", "replacement", "revocation"]'


def graph(inputs: tuple[str, ...], rows: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """A JDM decision: one table whose columns are ``inputs`` (``$`` is the column's value in a
    cell; an empty cell holds always) and whose rows answer their rule's id."""
    table = {
        "hitPolicy": "collect",
        "inputs": [{"id": name, "name": name, "field": name} for name in inputs],
        "outputs": [{"id": "rule", "name": "rule", "field": "rule"}],
        "rules": [
            {"_id": str(n), **{c: cells.get(c, "") for c in inputs}, "rule": f'"{rule}"'}
            for n, (rule, cells) in enumerate(rows)
        ],
    }
    return one_table(table)


# -- codeassign ------------------------------------------------------------------------------


def codeassign_graph(table: RuleTable) -> dict[str, Any]:
    """submit.yaml's six rules, with the numbers and types its params name."""
    form_type = table.params["codeassign.attachments.application-form"]["attachment_type"]
    approval_type = table.params["codeassign.attachments.change-approval"]["attachment_type"]
    days = table.params["codeassign.certificate.expiring"]["days"]
    not_long_term = '$ == null or $.certificate_validity != "long_term"'
    rows = [
        ("codeassign.login.commitment", {"commitment": "$ == null or $.in_force != true"}),
        (
            "codeassign.login.qr-image",
            {
                "application": f"$.matter in {ONLINE}",
                "session": '$ != null and $.login_method != "qr_image"',
            },
        ),
        ("codeassign.change.unchanged-item", {"change_items": "some($, #.unchanged == true)"}),
        (
            "codeassign.attachments.application-form",
            {
                "application": f"$.matter in {ONLINE}",
                "unit": not_long_term,
                "attachments": f'not(contains($, "{form_type}"))',
            },
        ),
        (
            "codeassign.attachments.change-approval",
            {
                "application": '$.matter == "change"',
                "unit": not_long_term,
                "attachments": f'not(contains($, "{approval_type}"))',
            },
        ),
        (
            "codeassign.certificate.expiring",
            {
                "unit": f'$ != null and $.certificate_validity == "fixed" '
                f"and $.days_to_expiry != null and $.days_to_expiry <= {days}"
            },
        ),
    ]
    columns = ("application", "session", "commitment", "unit", "attachments", "change_items")
    return graph(columns, rows)


def codeassign_input(
    document: Mapping[str, Any], context: Mapping[str, Any], matter: str | None
) -> dict[str, Any]:
    """The facts of plugins/codeassign/facts.py, one entry per kind."""
    unit = context.get("unit") or None
    commitment = context.get("commitment") or context.get("agreements", {}).get("codeassign.login")
    facts: dict[str, Any] = {
        "application": {"matter": matter or document["matter"]},
        "session": {"login_method": context["login_method"]} if "login_method" in context else None,
        "commitment": {"in_force": bool(commitment.get("in_force"))} if commitment else None,
        "unit": None,
        "attachments": [t for t in context.get("attachments", ()) if isinstance(t, str)],
        "change_items": [
            {"unchanged": i["old"].strip() == i["new"].strip()}
            for i in document.get("change_items") or ()
        ],
    }
    if unit:
        validity = unit.get("certificate_validity")
        facts["unit"] = {"certificate_validity": validity if isinstance(validity, str) else None}
        expires = unit.get("certificate_expires")
        if expires:
            facts["unit"]["days_to_expiry"] = (dt.date.fromisoformat(expires) - today()).days
    return facts


# -- websites --------------------------------------------------------------------------------

IN_PROGRESS = (
    '["preliminary_review", "preliminary_failed", "awaiting_materials", "materials_review"]'
)
APPROVED = '["awaiting_mount", "listed"]'


def websites_graph() -> dict[str, Any]:
    """submit.yaml's fifteen rules over the application's facts."""
    rows = [
        ("websites.application.sms-code", {"sms_code": "$ == null or $.verified != true"}),
        ("websites.application.type-matter", {"application": "$.type_matches_matter == false"}),
        ("websites.domain.chinese-missing", {"application": "$.has_chinese_domain == false"}),
        ("websites.domain.chinese-not-held", {"application": "$.chinese_domain_held == false"}),
        (
            "websites.domain.english-with-micro-site",
            {"application": "$.micro_site == true and $.has_english_domain == true"},
        ),
        ("websites.name.not-in-title", {"site": "$ != null and $.name_in_title == false"}),
        ("websites.site.unreachable", {"site": "$ != null and $.reachable == false"}),
        ("websites.ip.ipv4-mismatch", {"dns": 'some($, #.status == "ok" and #.ipv4 == false)'}),
        ("websites.ip.ipv6-mismatch", {"dns": 'some($, #.status == "ok" and #.ipv6 == false)'}),
        ("websites.dns.no-records", {"dns": 'some($, #.status == "no_records")'}),
        ("websites.dns.lookup-failed", {"dns": 'some($, #.status == "error")'}),
        (
            "websites.application.duplicate",
            {"other_applications": f"some($, #.same_domain and #.state in {IN_PROGRESS})"},
        ),
        (
            "websites.application.already-approved",
            {
                "application": '$.application_type == "new"',
                "other_applications": f"some($, #.same_domain and #.state in {APPROVED})",
            },
        ),
        (
            "websites.application.unit-name",
            {"registered_unit": "$ != null and $.unit_name_matches == false"},
        ),
        (
            "websites.application.handler-contacts",
            {"registered_unit": "$ != null and $.handler_contacts_match == false"},
        ),
    ]
    columns = ("application", "sms_code", "site", "dns", "other_applications", "registered_unit")
    return graph(columns, rows)


def _application(
    document: Mapping[str, Any], matter: str | None, held: Any, key: DomainKeys
) -> dict[str, Any]:
    chinese = document.get("chinese_domain")
    fact: dict[str, Any] = {
        "application_type": document.get("application_type"),
        "micro_site": document.get("micro_site") is True,
        "has_chinese_domain": bool(chinese),
        "has_english_domain": bool(document.get("english_domain")),
    }
    if matter in WEBSITES_MATTERS:
        fact["type_matches_matter"] = WEBSITES_MATTERS[matter] == document.get("application_type")
    if chinese and held is not None:
        fact["chinese_domain_held"] = key(chinese) in {key(d) for d in held}
    return fact


def _site(document: Mapping[str, Any], site: Any) -> dict[str, Any] | None:
    if not isinstance(site, Mapping):
        return None
    fact = {"reachable": site.get("reachable") is not False}
    tab = site.get("tab_title")
    if fact["reachable"] and tab is not None:
        fact["name_in_title"] = text(document.get("website_name")) in text(tab)
    return fact


def websites_input(
    document: Mapping[str, Any], context: Mapping[str, Any], matter: str | None
) -> dict[str, Any]:
    """The facts of plugins/websites/facts.py for a submission, one entry per kind."""
    sms = context.get("sms_code")
    registration = context.get("registration")
    key = DomainKeys()
    mine = my_domains(document, key)
    return {
        "application": _application(document, matter, context.get("unit_domains"), key),
        "sms_code": {"verified": sms.get("verified") is True} if isinstance(sms, Mapping) else None,
        "site": _site(document, context.get("site")),
        "dns": [
            {"status": status, "ipv4": v4, "ipv6": v6}
            for status, v4, v6 in dns_checks(document, context.get("dns") or {}, key)
        ],
        "other_applications": [
            {"same_domain": names_one_of(other, mine, key), "state": other.get("state")}
            for other in context.get("other_applications") or ()
        ],
        "registered_unit": {
            "unit_name_matches": text(document.get("unit_name"))
            == text(registration.get("unit_name")),
            "handler_contacts_match": contacts_match(document, registration),
        }
        if isinstance(registration, Mapping)
        else None,
    }


# -- the service -----------------------------------------------------------------------------


def zen_decider(engine: zen.ZenEngine, key: str, facts: Callable[..., dict[str, Any]]) -> Decide:
    """Facts in Python, the rules in zen: the ids of the rows that hit."""

    def decide(
        document: Mapping[str, Any], context: Mapping[str, Any], matter: str | None
    ) -> list[str]:
        hits = engine.evaluate(key, facts(document, context, matter))["result"]
        return [hit["rule"] for hit in hits]

    return decide


def peers(rules_dir: Path = RULES_DIR, schemas_dir: Path = SCHEMAS_DIR) -> dict[str, Peer]:
    """Both processes: forms compiled, rule texts read, one zen graph per ruleset loaded."""
    schemas = Schemas(schemas_dir)
    codeassign = RuleTable.load("codeassign", "submit", rules_dir)
    codeassign.expect(CODEASSIGN_RULES)
    websites = RuleTable.load("websites", "submit", rules_dir)
    websites.expect(WEBSITES_RULES)
    graphs = {"codeassign": codeassign_graph(codeassign), "websites": websites_graph()}
    engine = zen.ZenEngine({"loader": {"type": "static", "content": graphs}})
    return {
        "codeassign": Peer(
            schemas.form("codeassign", "application.json"),
            codeassign,
            zen_decider(engine, "codeassign", codeassign_input),
            codeassign_accepts,
        ),
        "websites": Peer(
            schemas.form("websites", "application.json"),
            websites,
            zen_decider(engine, "websites", websites_input),
            websites_accepts,
        ),
    }


def build(rules_dir: Path = RULES_DIR, schemas_dir: Path = SCHEMAS_DIR) -> web.Application:
    return make_app(peers(rules_dir, schemas_dir))


if __name__ == "__main__":
    serve(build, __doc__)
