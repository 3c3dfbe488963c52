"""Realistic submissions of the four built-in processes, and a hand-written codeassign floor.

The documents are those of the plugin tests (``tests/factories.py``, ``tests/test_plugin_*.py``),
taken from there so that both always decide the same cases; the contexts have the shape
``kernel.workflow.server_context`` gives a real transition (owner profile, login method,
attachments, agreements, ...). ``codeassign_floor`` is the codeassign submission decided by
plain Python: the JSON Schema and the six rules of ``rules/codeassign/submit.yaml`` (the
counter-only matters are refused at creation, by ``create.yaml``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kernel import clock
from kernel.identifiers import VALIDATORS
from tests.factories import CHANGE_DOCUMENT, WEBSITE_APPLICATION
from tests.test_foreignwork_rule_units import person
from tests.test_rules_websites_unit import application_context


@dataclass(frozen=True)
class Submission:
    """One ``Kernel.validate`` call: which process, transition, document and context."""

    label: str
    process: str
    document: dict[str, Any]
    workflow: str | None = None
    matter: str | None = None
    transition: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow,
            "matter": self.matter,
            "transition": self.transition,
            "context": self.context,
        }


# -- codeassign: the change application (CA-06) -------------------------------------------------


def codeassign_context(
    *,
    validity: str = "long_term",
    expires: str | None = None,
    attachments: tuple[str, ...] = (),
    agreed: bool = True,
    login_method: str | None = "qr_image",
) -> dict[str, Any]:
    """What the server gives the submit transition of a unit's application: the kernel's
    ``server_context`` (agreements with ``in_force`` against the text in force) and the
    plugin's ``govflow_context`` (``unit``: the certificate as the register records it)."""
    owner: dict[str, Any] = {
        "kind": "unit",
        "username": "unit-demo",
        "display_name": "北京市某某区机关事务管理局",
        "region": "110108",
        "email": "office@unit-demo.gov.cn",
    }
    unit: dict[str, Any] = {"certificate_validity": validity, "certificate_expires": expires}
    context: dict[str, Any] = {
        "transition": "submit",
        "state": "draft",
        "actor": {"kind": "unit", "roles": ["unit"], "username": "unit-demo"},
        "owner": owner,
        "unit": unit,
        "attachments": sorted(attachments),
        "agreements": (
            {
                "codeassign.login": {
                    "version": "2024-01",
                    "agreed_at": "2026-01-05T09:00:00+08:00",
                    "in_force": True,
                }
            }
            if agreed
            else {}
        ),
    }
    if login_method is not None:
        context["login_method"] = login_method
    return context


# -- the other processes: their main submission, everything in order ----------------------------

ENGINEERS_NAME, ENGINEERS_USCC = "北京华筑建筑设计有限公司", "91110108MA01KQ7B2N"
DECLARATION = {
    "declaration_no": "SB2024-000123",
    "person_name": "张伟",
    "id_type": "resident_id",
    "id_number": "110101194910010319",
    "mobile": "13912345678",
    "profession": "structural_1",
    "registration_type": "initial",
    "pre_registration": False,
    "employer_name": ENGINEERS_NAME,
    "employer_uscc": ENGINEERS_USCC,
}
#: What plugins/engineers/context.py builds for a qualified enterprise that saved its basic
#: information and confirms the commitment letter 75 s after it was shown.
ENGINEERS_CONTEXT = {
    "state": "unreported",
    "account": {"name": ENGINEERS_NAME, "uscc": ENGINEERS_USCC},
    "enterprise": {
        "info_saved": True,
        "has_qualification": True,
        "industry": "design",
        "name": ENGINEERS_NAME,
    },
    "commitment": {
        "showing_id": 1,
        "version": 1,
        "shown_at": "2024-05-06T09:00:00+08:00",
        "confirmed_at": "2024-05-06T09:01:15+08:00",
    },
    "input": {"ticked": True},
}
PERSON = person()
PERSON_CONTEXT = {
    "state": "national_verified",
    "previous": {**PERSON, "mobile": "13900139000"},
    "actor": {"role": "natural_person"},
}
WEBSITES_CONTEXT = application_context()

SUBMISSIONS = [
    Submission(
        "codeassign: change, accepted",
        "codeassign",
        CHANGE_DOCUMENT,
        matter="change",
        transition="submit",
        context=codeassign_context(),
    ),
    Submission(
        "codeassign: change, refused (fixed-term unit, no uploads)",
        "codeassign",
        CHANGE_DOCUMENT,
        matter="change",
        transition="submit",
        context=codeassign_context(validity="fixed", expires="2030-01-01"),
    ),
    Submission(
        "engineers: declaration report",
        "engineers",
        DECLARATION,
        matter="engineer",
        transition="report",
        context=ENGINEERS_CONTEXT,
    ),
    Submission(
        "foreignwork: person profile save",
        "foreignwork",
        PERSON,
        workflow="person_profile",
        transition="save",
        context=PERSON_CONTEXT,
    ),
    Submission(
        "websites: new site submit",
        "websites",
        WEBSITE_APPLICATION,
        workflow="application",
        matter="new_site",
        transition="submit",
        context=WEBSITES_CONTEXT,
    ),
]


# -- inputs to check the codeassign floor against the kernel ----------------------------------

_ONLINE = ("change", "reissue", "replacement", "revocation")
_MATTERS = (*_ONLINE, "initial", "extension")
_ITEMS = (
    "name",
    "address",
    "legal_representative",
    "function",
    "funding_source",
    "registration_authority",
    "other",
)
_FIELDS = {
    "matter",
    "unit_name",
    "uscc",
    "handler",
    "handler_mobile",
    "office_phone",
    "change_items",
    "reason",
}


def codeassign_variants(rng: random.Random, count: int) -> list[tuple[dict, dict]]:
    """``count`` (document, context) pairs over every matter, certificate and login case,
    a few of them schema-invalid, so every rule and the schema gate are exercised."""
    today = clock.today()
    broken = [
        {"uscc": "1110000000004JUR68"},  # wrong check character
        {"handler_mobile": "1380013800"},
        {"handler": ""},
        {"extra": 1},
        {"change_items": []},
    ]
    pairs = []
    for n in range(count):
        matter = rng.choice(_MATTERS)
        doc: dict[str, Any] = {**CHANGE_DOCUMENT, "matter": matter}
        if matter == "change":
            doc["change_items"] = [
                {"item": rng.choice(_ITEMS), "old": "旧", "new": rng.choice(["旧", "新", " 旧 "])}
                for _ in range(rng.randint(1, 3))
            ]
        else:
            doc.pop("change_items")
            if matter in ("reissue", "replacement", "revocation"):
                doc["reason"] = "证书遗失"
        if n % 10 == 9:
            doc.update(broken[(n // 10) % len(broken)])
        expires = rng.choice([None, 10, 300])
        context = codeassign_context(
            validity=rng.choice(["long_term", "fixed", "fixed"]),
            expires=(today + dt.timedelta(days=expires)).isoformat() if expires else None,
            attachments=tuple(
                t for t in ("application_form", "change_approval") if rng.random() < 0.5
            ),
            agreed=rng.random() < 0.7,
            login_method=rng.choice(["qr_image", "qr_image", "password", None]),
        )
        pairs.append((doc, context))
    return pairs


# -- the floor -------------------------------------------------------------------------------

_USCC, _MOBILE, _LANDLINE = (VALIDATORS[k] for k in ("uscc", "mobile_cn", "landline_cn"))


def _text(value: Any, shortest: int, longest: int) -> bool:
    return isinstance(value, str) and shortest <= len(value) <= longest


def _identifier(check: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        check(value)
    except ValueError:
        return False
    return True


def _change_item_ok(item: Any) -> bool:
    return (
        isinstance(item, Mapping)
        and item.keys() == {"item", "old", "new"}
        and item["item"] in _ITEMS
        and _text(item["old"], 0, 500)
        and _text(item["new"], 1, 500)
    )


def codeassign_schema_ok(doc: Mapping[str, Any]) -> bool:
    """``schemas/codeassign/application.json`` by hand, with the kernel's identifier checks
    (the same functions the schema's ``format`` keywords call)."""
    if not isinstance(doc, Mapping) or not doc.keys() <= _FIELDS:
        return False
    matter = doc.get("matter")
    items = doc.get("change_items")
    return (
        matter in _MATTERS
        and _text(doc.get("unit_name"), 1, 100)
        and _identifier(_USCC, doc.get("uscc"))
        and _text(doc.get("handler"), 1, 50)
        and _identifier(_MOBILE, doc.get("handler_mobile"))
        and ("office_phone" not in doc or _identifier(_LANDLINE, doc["office_phone"]))
        and ("reason" not in doc or _text(doc["reason"], 1, 500))
        and (
            items is None
            if "change_items" not in doc
            else isinstance(items, list)
            and 1 <= len(items) <= 20
            and all(map(_change_item_ok, items))
        )
        and (matter != "change" or "change_items" in doc)
        and (matter not in ("reissue", "replacement", "revocation") or "reason" in doc)
    )


def codeassign_floor(doc: Mapping[str, Any], context: Mapping[str, Any]) -> set[str] | None:
    """The submission decided by hand: None if the schema refuses it, else the rule ids that
    hold (the facts ``plugins/codeassign/facts.py`` builds, tested as ``submit.yaml`` does)."""
    if not codeassign_schema_ok(doc):
        return None
    fired = set()
    matter = doc["matter"]
    online = matter in _ONLINE
    unit = context.get("unit") or context.get("owner")
    fixed = bool(unit) and unit.get("certificate_validity") == "fixed"
    uploaded = set(context.get("attachments", ()))
    if not (context.get("commitment") or context.get("agreements", {}).get("codeassign.login")):
        fired.add("codeassign.login.commitment")
    if online and "login_method" in context and context["login_method"] != "qr_image":
        fired.add("codeassign.login.qr-image")
    if any(i["old"].strip() == i["new"].strip() for i in doc.get("change_items", ())):
        fired.add("codeassign.change.unchanged-item")
    if online and fixed and "application_form" not in uploaded:
        fired.add("codeassign.attachments.application-form")
    if matter == "change" and fixed and "change_approval" not in uploaded:
        fired.add("codeassign.attachments.change-approval")
    expires = unit.get("certificate_expires") if fixed else None
    if expires and (dt.date.fromisoformat(expires) - clock.today()).days <= 30:
        fired.add("codeassign.certificate.expiring")
    return fired
