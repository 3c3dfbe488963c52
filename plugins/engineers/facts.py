"""What the engineers rules see about a subject, the enterprise behind it and its other work.

``context`` is what ``context.py`` built on the server (or, in a what-if dry run of
``POST /api/processes/engineers/validate``, what the caller supplied). It may carry, beside the
kernel's ``transition``, ``state`` and ``input``:

- ``account``: the legal-person account of the national platform (``name``, ``uscc``);
- ``enterprise``: ``info_saved``, ``industry``, ``name`` of the saved basic information and
  ``has_qualification`` (the qualification register's answer);
- ``commitment``: the last showing of the commitment letter (``shown_at``) and this moment
  (``confirmed_at``), ISO date-times; ``input.ticked`` is the 本公司作出上述承诺 box;
- ``employer`` and ``region_matches_employer``: the enterprise a declaration is declared to, as
  the market regulator knows it;
- ``declaration``: the declaration a qualification correction is for (``None``: not one of the
  enterprise's); ``qualification_lookup``: the register's certificate (``certificate_no``);
- ``regulator`` and ``declarations``: the regulator's name now and the enterprise's declarations
  (``declaration_no``, ``state``), for the name change;
- ``anomaly``: the anomaly an appeal is for;
- ``attachments``: the attachment types present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from kernel import clock, hookimpl, normalise_identifier
from kernel.clock import CHINA

Fact = dict[str, Any]


@hookimpl
def facts_for(
    workflow: str, matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """Facts common to every workflow, then those of ``workflow``."""
    build = _WORKFLOWS.get(workflow)
    if build is None:
        return []
    return _common(context) + build(matter, document, context)


def _common(context: Mapping[str, Any]) -> list[Fact]:
    facts: list[Fact] = []
    account = context.get("account")
    if account:
        facts.append({"kind": "account", "uscc": _code(account.get("uscc"))})
    enterprise = context.get("enterprise")
    if enterprise:
        fact = {"kind": "enterprise", "info_saved": enterprise.get("info_saved") is True}
        for key in ("industry", "has_qualification"):
            if enterprise.get(key) is not None:
                fact[key] = enterprise[key]
        facts.append(fact)
    facts += [{"kind": "attachment", "type": t} for t in context.get("attachments", ())]
    return facts


# -- per workflow -------------------------------------------------------------------------------


def _enterprise_info(
    matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """EN-01: the name and USCC are the account's, read-only."""
    account = context.get("account")
    if not account:
        return [{"kind": "enterprise_info"}]
    return [
        {
            "kind": "enterprise_info",
            "name_from_account": _same_text(document.get("enterprise_name"), account.get("name")),
            "uscc_from_account": _code(document.get("uscc")) == _code(account.get("uscc")),
        }
    ]


def _declaration(
    matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """EN-02, EN-03: the declaration in its current state, and the commitment letter."""
    facts = [
        {
            "kind": "declaration",
            "state": context.get("state"),
            "matter": matter,
            "profession": document.get("profession"),
            "registration_type": document.get("registration_type"),
            "pre_registration": bool(document.get("pre_registration", False)),
            "employer_uscc": _code(document.get("employer_uscc")),
        }
    ]
    if "region_matches_employer" in context:
        facts[0]["region_matches_employer"] = context["region_matches_employer"] is True
    employer = context.get("employer")
    if employer:
        fact: Fact = {"kind": "employer", "known": employer.get("known") is True}
        if employer.get("name"):
            fact["name_matches"] = _same_text(document.get("employer_name"), employer["name"])
        facts.append(fact)
    commitment = context.get("commitment")
    if commitment:
        ticked = (context.get("input") or {}).get("ticked", commitment.get("ticked"))
        facts.append(_commitment({**commitment, "ticked": ticked}))
    return facts


def _qualification_correction(
    matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """EN-04: the declaration corrected, and what the system found about the qualification."""
    facts: list[Fact] = []
    declaration = context.get("declaration")
    if declaration:
        facts.append(
            {
                "kind": "declaration",
                "state": declaration.get("state"),
                "pre_registration": bool(declaration.get("pre_registration", False)),
                "employer_uscc": _code(declaration.get("employer_uscc")),
                "corrected": declaration.get("corrected") is True,
            }
        )
    found = (context.get("qualification_lookup") or {}).get("certificate_no")
    typed = document.get("qualification_certificate_no")
    lookup: Fact = {"kind": "qualification_lookup", "found": bool(found), "typed": bool(typed)}
    if found and typed:
        lookup["matches_typed"] = _code(typed) == _code(found)
    return [*facts, lookup]


def _name_change(
    matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """EN-09: both names as the platform and the records hold them; declarations in progress."""
    account = context.get("account") or {}
    fact: Fact = {
        "kind": "name_change",
        "name_unchanged": _same_text(document.get("former_name"), document.get("current_name")),
    }
    if account:
        fact["former_from_account"] = _same_text(document.get("former_name"), account.get("name"))
        fact["uscc_from_account"] = _code(document.get("uscc")) == _code(account.get("uscc"))
    regulator = context.get("regulator")
    if regulator is not None:
        name = regulator.get("name")
        facts_regulator: Fact = {"kind": "regulator", "known": name is not None}
        if name is not None:
            fact["current_from_regulator"] = _same_text(document.get("current_name"), name)
    else:
        facts_regulator = None
    others = [
        {
            "kind": "other_declaration",
            "declaration_no": d.get("declaration_no"),
            "state": d.get("state"),
        }
        for d in context.get("declarations", ())
    ]
    return [fact, *others, *([facts_regulator] if facts_regulator else [])]


def _appeal(
    matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """EN-07: the anomaly appealed, as the server found it for this enterprise."""
    anomaly = context.get("anomaly")
    if not anomaly:
        return []
    fact: Fact = {"kind": "anomaly", "found": anomaly.get("found") is True}
    if "appealed_elsewhere" in anomaly:
        fact["appealed_elsewhere"] = anomaly["appealed_elsewhere"] is True
    return [fact]


_WORKFLOWS: dict[str, Callable[[str | None, Mapping[str, Any], Mapping[str, Any]], list[Fact]]] = {
    "enterprise_info": _enterprise_info,
    "declaration": _declaration,
    "qualification_correction": _qualification_correction,
    "name_change": _name_change,
    "appeal": _appeal,
}


# -- helpers ------------------------------------------------------------------------------------


def _commitment(commitment: Mapping[str, Any]) -> Fact:
    """EN-02: how long the letter was shown before the enterprise confirmed, in seconds."""
    fact: Fact = {"kind": "commitment", "ticked": commitment.get("ticked") is True}
    fact["showing_found"] = bool(commitment.get("shown_at"))
    shown = _moment(commitment.get("shown_at"))
    confirmed = _moment(commitment.get("confirmed_at") or clock.now())
    if shown is not None and confirmed is not None:
        fact["shown_seconds"] = (confirmed - shown).total_seconds()
    return fact


def _moment(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time (or a datetime); naive ones are China time; else None."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


def _code(value: Any) -> str | None:
    return normalise_identifier(value) if isinstance(value, str) else None


def _same_text(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.strip() == b.strip()
