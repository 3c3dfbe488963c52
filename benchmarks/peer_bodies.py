"""The dry runs govflow and its peers are compared on (issue #13): 25 codeassign submissions
and 18 websites submissions, each a ``POST /api/processes/<process>/validate`` body.

They vary what the rules read, so that every rule of ``rules/codeassign/submit.yaml`` and of
``rules/websites/submit.yaml`` holds in some bodies and not in others: for codeassign the matter
(the four online ones and the two counter-only ones, in the document and in the body), the
certificate's validity and expiry (boundaries of the 30-day notice included), attachments,
the commitment agreed or not (both ways a context carries it), the login method, change items
(unchanged after trimming, several items); for websites the matter and the type ticked, the
unit's domains (held, not held, punycode), the micro-site, the site's title and reachability,
DNS answers (matching, not, no records, failed), the SMS code, other applications, the
registration. A few bodies are refused by the form's schema (wrong identifiers, a missing or
empty field, a field the form does not have), so the peers answer those as govflow does too.

The documents and contexts are those of the plugin tests (``tests/factories.py``,
``tests/test_rules_websites_unit.py``); dates are counted from today, so a body decides the
same whatever day it is sent.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from kernel import clock
from tests.factories import CHANGE_DOCUMENT, WEBSITE_APPLICATION
from tests.test_rules_websites_unit import application_context

CODEASSIGN = "/api/processes/codeassign/validate"
WEBSITES = "/api/processes/websites/validate"

Body = dict[str, Any]


def _days(n: int) -> str:
    return (clock.today() + dt.timedelta(days=n)).isoformat()


def _document(matter: str, **changes: Any) -> dict[str, Any]:
    """The change document of the plugin tests, as another matter: no change items but a
    reason for reissue, replacement and revocation; neither for the counter-only ones."""
    document = {k: v for k, v in CHANGE_DOCUMENT.items() if k != "change_items"}
    document["matter"] = matter
    if matter == "change":
        document["change_items"] = copy.deepcopy(CHANGE_DOCUMENT["change_items"])
    elif matter in ("reissue", "replacement", "revocation"):
        document["reason"] = {"reissue": "证书遗失", "replacement": "证书破损"}.get(
            matter, "单位撤销"
        )
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def _context(
    *,
    validity: str | None = "long_term",
    expires: int | None = None,
    attachments: tuple[str, ...] = (),
    agreed: bool | None = True,
    login: str | None = "qr_image",
    **extra: Any,
) -> dict[str, Any]:
    """What a unit's submission is checked against: the register's certificate (``validity``
    None: no validity recorded), attachments, the login commitment in force (``agreed`` None:
    never agreed), how the session was opened (None: not said)."""
    unit: dict[str, Any] = {}
    if validity is not None:
        unit["certificate_validity"] = validity
    if expires is not None:
        unit["certificate_expires"] = _days(expires)
    context: dict[str, Any] = {"unit": unit, "attachments": list(attachments)}
    if agreed is not None:
        context["agreements"] = {
            "codeassign.login": {
                "version": "2024-01" if agreed else "2023-01",
                "agreed_at": "2026-01-05T09:00:00+08:00",
                "in_force": agreed,
            }
        }
    if login is not None:
        context["login_method"] = login
    context.update(extra)
    return context


BOTH = ("application_form", "change_approval")
ITEMS = [
    {"item": "address", "old": "东大街1号", "new": "西大街2号"},
    {"item": "name", "old": "北京市某某区机关事务管理局", "new": "北京市某某区机关事务管理局"},
]


def codeassign_bodies() -> list[tuple[str, Body]]:
    """25 codeassign dry runs, labelled by what they decide."""
    change = _document("change")
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("change, all in order", {"document": change, "context": _context()}),
        (
            "change, six outcomes (the http_load body)",
            {
                "document": _document("change", change_items=ITEMS),
                "context": _context(validity="fixed", expires=20, agreed=None, login="password"),
            },
        ),
        (
            "change, fixed term, both uploads, far from expiry",
            {
                "document": change,
                "context": _context(validity="fixed", expires=300, attachments=BOTH),
            },
        ),
        (
            "change, fixed term, the approval missing",
            {"document": change, "context": _context(validity="fixed", attachments=BOTH[:1])},
        ),
        (
            "change, fixed term, expiring in exactly 30 days",
            {
                "document": change,
                "context": _context(validity="fixed", expires=30, attachments=BOTH),
            },
        ),
        (
            "change, fixed term, expiring in 31 days",
            {
                "document": change,
                "context": _context(validity="fixed", expires=31, attachments=BOTH),
            },
        ),
        (
            "change, fixed term, expired 5 days ago",
            {
                "document": change,
                "context": _context(validity="fixed", expires=-5, attachments=BOTH),
            },
        ),
        (
            "change, unit not in the register",
            {"document": change, "context": {**_context(), "unit": {}}},
        ),
        (
            "change, no validity recorded, an expiry date",
            {"document": change, "context": _context(validity=None, expires=10)},
        ),
        (
            "change, commitment given as an old version",
            {
                "document": change,
                "context": _context(
                    agreed=None, commitment={"version": "2023-01", "in_force": False}
                ),
            },
        ),
        (
            "change, agreed to a version no longer in force",
            {"document": change, "context": _context(agreed=False)},
        ),
        (
            "change, three items, one unchanged but for spaces",
            {
                "document": _document(
                    "change",
                    change_items=[
                        {"item": "address", "old": "东大街1号", "new": " 东大街1号 "},
                        {"item": "function", "old": "机关事务", "new": "机关事务和后勤"},
                        {"item": "other", "old": "", "new": "新增事项"},
                    ],
                ),
                "context": _context(),
            },
        ),
        (
            "change, three items changed, office phone, commitment as given",
            {
                "document": _document(
                    "change",
                    office_phone="010-52035000",
                    change_items=[
                        {"item": "address", "old": "东大街1号", "new": "西大街2号"},
                        {"item": "funding_source", "old": "财政拨款", "new": "财政补助"},
                        {"item": "legal_representative", "old": "李四", "new": "王五"},
                    ],
                ),
                "context": _context(
                    agreed=None, commitment={"version": "2024-01", "in_force": True}
                ),
            },
        ),
        ("reissue, all in order", {"document": _document("reissue"), "context": _context()}),
        (
            "reissue, fixed term, no uploads, password login",
            {
                "document": _document("reissue"),
                "context": _context(validity="fixed", login="password"),
            },
        ),
        (
            "replacement, fixed term, form uploaded, expiring in 10 days",
            {
                "document": _document("replacement"),
                "context": _context(validity="fixed", expires=10, attachments=BOTH[:1]),
            },
        ),
        (
            "revocation, login method not said, fixed term, no uploads",
            {
                "document": _document("revocation"),
                "context": _context(validity="fixed", login=None),
            },
        ),
        (
            "revocation, password login, never agreed",
            {
                "document": _document("revocation"),
                "context": _context(login="password", agreed=None),
            },
        ),
        (
            "initial (counter-only), password login, never agreed, expiring",
            {
                "document": _document("initial"),
                "context": _context(validity="fixed", expires=3, login="password", agreed=None),
            },
        ),
        (
            "extension (counter-only), in order",
            {"document": _document("extension"), "context": _context()},
        ),
        (
            "change document submitted as a reissue (the body's matter decides)",
            {
                "document": _document("change", change_items=ITEMS),
                "matter": "reissue",
                "context": _context(validity="fixed"),
            },
        ),
        (
            "change, as of a past date, transition named",
            {
                "document": change,
                "matter": "change",
                "transition": "submit",
                "as_of": "2026-03-01",
                "context": _context(validity="fixed", attachments=BOTH),
            },
        ),
        (
            "refused by the form: wrong check character, mobile too short",
            {
                "document": _document(
                    "change", uscc="1110000000004JUR68", handler_mobile="1380013800"
                ),
                "context": _context(),
            },
        ),
        (
            "refused by the form: a reissue without its reason",
            {"document": _document("reissue", reason=None), "context": _context()},
        ),
        (
            "refused by the form: unknown item, empty new value, a field not in the form",
            {
                "document": _document(
                    "change",
                    extra="x",
                    change_items=[{"item": "colour", "old": "红", "new": ""}],
                ),
                "context": _context(validity="fixed"),
            },
        ),
    ]
    return [(f"codeassign: {label}", body) for label, body in bodies]


# -- websites --------------------------------------------------------------------------------


def _site(
    document: dict[str, Any] | None = None, matter: str | None = "new_site", **context: Any
) -> Body:
    body: Body = {
        "document": document or WEBSITE_APPLICATION,
        "workflow": "application",
        "transition": "submit",
        "context": application_context(**context),
    }
    if matter is not None:
        body["matter"] = matter
    return body


def _changed(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(WEBSITE_APPLICATION)
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


RESOLVED = {"ipv4": ["202.106.0.20"], "ipv6": ["2400:3200::1"]}


def websites_bodies() -> list[tuple[str, Body]]:
    """18 websites submission dry runs, labelled by what they decide."""
    micro = _changed(micro_site=True, english_domain=None)
    recheck = _changed(application_type="recheck")
    bodies = [
        ("new site, all in order", _site()),
        ("new site, no matter named", _site(matter=None)),
        ("new site ticked but started as a re-check", _site(matter="recheck")),
        (
            "no Chinese domain, none held",
            _site(
                _changed(chinese_domain=None), unit_domains=[], dns={"gaj.beijing.gov.cn": RESOLVED}
            ),
        ),
        ("a Chinese domain the unit does not hold", _site(unit_domains=["北京市交通委员会.政务"])),
        (
            "the domain held, written as punycode",
            _site(unit_domains=["xn--1lqw0etvbf0rf0ac1f.xn--zfr164b"]),
        ),
        ("micro-site, no English domain", _site(micro, dns={"北京市公安局.政务": RESOLVED})),
        ("micro-site and an English domain", _site(_changed(micro_site=True))),
        ("a name not in the site's title", _site(_changed(website_name="北京公安网"))),
        ("the site unreachable", _site(site={"reachable": False})),
        (
            "addresses other than DNS answers (domain in capitals)",
            _site(dns={"GAJ.Beijing.gov.cn": {"ipv4": ["202.106.0.99"], "ipv6": ["2400:3200::2"]}}),
        ),
        (
            "no DNS records, and a failed lookup",
            _site(
                dns={
                    "gaj.beijing.gov.cn": {"ipv4": [], "ipv6": []},
                    "北京市公安局.政务": {"status": "error"},
                }
            ),
        ),
        (
            "SMS code not verified; a longer title, an IPv6 written out",
            _site(
                sms_code={"verified": False},
                site={"reachable": True, "tab_title": "北京市公安局网 - 首页"},
                dns={
                    "gaj.beijing.gov.cn": {
                        "ipv4": ["202.106.0.20"],
                        "ipv6": ["2400:3200:0:0:0:0:0:1"],
                    }
                },
            ),
        ),
        (
            "the same domain in progress and already listed",
            _site(
                other_applications=[
                    {"chinese_domain": "北京市公安局.政务", "state": "preliminary_review"},
                    {"english_domain": "GAJ.beijing.gov.cn", "state": "listed"},
                    {"english_domain": "jtw.beijing.gov.cn", "state": "materials_review"},
                ]
            ),
        ),
        (
            "a re-check of a listed site",
            _site(
                recheck,
                matter="recheck",
                other_applications=[{"english_domain": "gaj.beijing.gov.cn", "state": "listed"}],
            ),
        ),
        (
            "unit name and handler's mobile not as registered, phone reformatted",
            _site(
                _changed(
                    unit_name="北京市公安局交通管理局",
                    handler_mobile="13900139000",
                    handler_phone="+86 10 52035000",
                )
            ),
        ),
        (
            "refused by the form: a URL, an IPv4 in the IPv6 box, an empty name",
            _site(
                _changed(
                    english_domain="https://gaj.beijing.gov.cn",
                    ipv6="202.106.0.20",
                    website_name="",
                )
            ),
        ),
        (
            "refused by the form: no IPv4, a bad e-mail, a .gov.cn name as the Chinese domain",
            _site(
                _changed(ipv4=None, handler_email="service@", chinese_domain="gaj.beijing.gov.cn")
            ),
        ),
    ]
    return [(f"websites: {label}", body) for label, body in bodies]


def bodies() -> dict[str, list[tuple[str, Body]]]:
    """Every dry run, by the path it is posted to."""
    return {CODEASSIGN: codeassign_bodies(), WEBSITES: websites_bodies()}
