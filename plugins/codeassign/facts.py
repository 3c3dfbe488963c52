"""What the codeassign rules see about a subject and the unit behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kernel import hookimpl, today

#: The text id under which a unit's agreement to the login commitment (CA-03) is recorded.
COMMITMENT = "codeassign.login"


@hookimpl
def facts_for(
    workflow: str, matter: str | None, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The application (its matter is the application's, never the document's), its change
    items, the unit's certificate as the register holds it, attachments, the commitment agreed
    and how the session was opened.

    ``context`` is what the server built (``unit`` from the register, ``agreements``,
    ``attachments``, ``login_method``), or in a what-if dry run what the caller supplied.
    """
    facts: list[dict[str, Any]] = [{"kind": "attachment", "type": t} for t in _types(context)]
    if workflow == "qr_request":
        return [{"kind": "qr_request", "reason": document.get("reason")}, *facts]
    items = document.get("change_items") or []
    facts.append(
        {
            "kind": "application",
            "matter": matter or document.get("matter"),
            "change_item_count": len(items),
        }
    )
    facts += [
        {
            "kind": "change_item",
            "item": item.get("item"),
            "unchanged": (item.get("old") or "").strip() == (item.get("new") or "").strip(),
        }
        for item in items
    ]
    if context.get("unit"):
        facts.append(_unit(context["unit"]))
    commitment = context.get("commitment") or context.get("agreements", {}).get(COMMITMENT)
    if commitment:
        facts.append(
            {
                "kind": "commitment",
                "version": commitment.get("version"),
                "in_force": bool(commitment.get("in_force")),
            }
        )
    if "login_method" in context:
        facts.append({"kind": "session", "login_method": context["login_method"]})
    return facts


def _types(context: Mapping[str, Any]) -> list[str]:
    return list(context.get("attachments", ()))


def _unit(unit: Mapping[str, Any]) -> dict[str, Any]:
    fact = {"kind": "unit", "certificate_validity": unit.get("certificate_validity")}
    expires = unit.get("certificate_expires")
    if expires:
        fact["certificate_expires"] = expires
        fact["days_to_expiry"] = (dt.date.fromisoformat(expires) - today()).days
    return fact
