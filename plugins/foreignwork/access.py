"""What the rules see about who may act: authorizations given and matters opened (FW-12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Fact


def grant(document: Mapping[str, Any], context: Mapping[str, Any]) -> list[Fact]:
    """An authorization being given: its matters, and the account it is given to.

    ``context["grantee"]``: the account found by the grantee's login name (``account_type``);
    absent when there is none.
    """
    found = context.get("grantee")
    grantee = found.get("username") if isinstance(found, Mapping) else None
    grantee = grantee or document.get("grantee")
    facts: list[Fact] = [
        {"kind": "grant_matter", "matter": matter, "grantee": grantee}
        for matter in document.get("matters") or ()
    ]
    if isinstance(found, Mapping):
        facts.append({"kind": "grantee", "account_type": found.get("account_type")})
    return facts


def matter_request(document: Mapping[str, Any]) -> list[Fact]:
    keys = ("matter", "applicant_type", "unit")
    return [{"kind": "matter_request", **{k: document.get(k) for k in keys}}]


def profile(context: Mapping[str, Any]) -> list[Fact]:
    """FW-13: the acting user's own profile (``context["profile"]``).

    Give ``missing``, the fields the stored profile lacks (the ``schema.required`` outcomes of
    validating it against its schema), or ``complete`` directly. The schema stays the one
    place that says what is required.
    """
    found = context.get("profile")
    if not isinstance(found, Mapping):
        return []
    if "missing" in found:
        missing = list(found.get("missing") or ())
        return [{"kind": "profile", "complete": not missing, "missing_count": len(missing)}]
    return [{"kind": "profile", "complete": found.get("complete")}]
