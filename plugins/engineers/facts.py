"""What the engineers rules see about a subject, the enterprise behind it and its other work.

``context`` may carry (beside the kernel's ``transition`` and ``state``):

- ``account``: the legal-person account of the national platform (``name``, ``uscc``);
- ``enterprise``: the saved basic information (``name``, ``industry``, ``has_qualification``),
  absent while it has never been saved;
- ``commitment``: the enterprise commitment letter (``shown_at``, ``confirmed_at``, ISO date-times,
  and ``ticked``); the seconds between the two are computed here, naive times are China time;
- ``declaration``: the declaration a qualification correction is for (``state``,
  ``pre_registration``, ``employer_uscc``);
- ``declarations``: the enterprise's registration declarations (``declaration_no``, ``state``),
  for the name change;
- ``attachments``: the attachment types present;
- ``qualification_lookup``: ``{"certificate_no": ...}`` when the system found the enterprise's
  qualification certificate, absent or ``None`` when it did not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from kernel import hookimpl, normalise_identifier
from kernel.clock import CHINA, now

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
        facts.append(
            {
                "kind": "enterprise",
                "info_saved": bool(enterprise.get("info_saved", True)),
                "industry": enterprise.get("industry"),
                "has_qualification": enterprise.get("has_qualification"),
            }
        )
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
    commitment = context.get("commitment")
    if commitment:
        facts.append(_commitment(commitment))
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
            }
        )
    found = (context.get("qualification_lookup") or {}).get("certificate_no")
    lookup: Fact = {"kind": "qualification_lookup", "found": bool(found)}
    if found:
        typed = document.get("qualification_certificate_no")
        lookup["matches_typed"] = _code(typed) == _code(found)
    return [*facts, lookup]


def _name_change(
    matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[Fact]:
    """EN-09: both names as the platform and the records hold them; declarations in progress."""
    account = context.get("account") or {}
    enterprise = context.get("enterprise") or {}
    fact: Fact = {
        "kind": "name_change",
        "name_unchanged": _same_text(document.get("former_name"), document.get("current_name")),
    }
    if account:
        fact["current_from_account"] = _same_text(document.get("current_name"), account.get("name"))
        fact["uscc_from_account"] = _code(document.get("uscc")) == _code(account.get("uscc"))
    if enterprise.get("name"):
        fact["former_from_records"] = _same_text(document.get("former_name"), enterprise["name"])
    others = [
        {
            "kind": "other_declaration",
            "declaration_no": d.get("declaration_no"),
            "state": d.get("state"),
        }
        for d in context.get("declarations", ())
    ]
    return [fact, *others]


_WORKFLOWS: dict[str, Callable[[str | None, Mapping[str, Any], Mapping[str, Any]], list[Fact]]] = {
    "enterprise_info": _enterprise_info,
    "declaration": _declaration,
    "qualification_correction": _qualification_correction,
    "name_change": _name_change,
}


# -- helpers ------------------------------------------------------------------------------------


def _commitment(commitment: Mapping[str, Any]) -> Fact:
    """EN-02: how long the letter was shown before the enterprise confirmed, in seconds."""
    fact: Fact = {"kind": "commitment", "ticked": commitment.get("ticked") is True}
    shown = _moment(commitment.get("shown_at"))
    confirmed = _moment(commitment.get("confirmed_at")) if "confirmed_at" in commitment else now()
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
