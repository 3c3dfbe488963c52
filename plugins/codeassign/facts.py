"""What the codeassign rules see about an application and the unit behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kernel.clock import today


def facts_for(
    workflow: str, document: Mapping[str, Any], context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The application, its change items, the unit's certificate, attachments, commitment.

    ``context`` is what the kernel knows (``owner``: the unit's account profile with
    ``certificate_validity`` and ``certificate_expires``; ``agreements``; ``attachments``, the
    types uploaded; ``login_method``). A dry run may pass ``unit`` and ``commitment`` directly.
    """
    if workflow != "application":
        return []
    items = document.get("change_items") or []
    facts: list[dict[str, Any]] = [
        {"kind": "application", "matter": document.get("matter"), "change_item_count": len(items)}
    ]
    facts += [
        {
            "kind": "change_item",
            "item": item.get("item"),
            "unchanged": (item.get("old") or "").strip() == (item.get("new") or "").strip(),
        }
        for item in items
    ]
    unit = context.get("unit") or context.get("owner")
    if unit:
        facts.append(_unit(unit))
    facts += [{"kind": "attachment", "type": t} for t in context.get("attachments", ())]
    commitment = context.get("commitment") or context.get("agreements", {}).get(COMMITMENT)
    if commitment:
        facts.append({"kind": "commitment", "version": commitment.get("version")})
    if "login_method" in context:
        facts.append({"kind": "session", "login_method": context["login_method"]})
    return facts


#: The text id under which a unit's agreement to the login commitment (CA-03) is recorded.
COMMITMENT = "codeassign.login"


def _unit(unit: Mapping[str, Any]) -> dict[str, Any]:
    fact = {"kind": "unit", "certificate_validity": unit.get("certificate_validity")}
    expires = unit.get("certificate_expires")
    if expires:
        fact["certificate_expires"] = expires
        fact["days_to_expiry"] = (dt.date.fromisoformat(expires) - today()).days
    return fact
