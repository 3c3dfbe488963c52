"""What the rules see about logging in: legacy accounts, password resets, appeals, codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import normalise_identifier

from .common import Fact, canonical


def legacy_account(document: Mapping[str, Any], context: Mapping[str, Any]) -> list[Fact]:
    """FW-02: the two questions of the decision table, answered from the platform's records.

    ``context["platform_account"]``: the unit's own legal-person account on the platform, if
    any. ``context["name_taken_by"]``: the platform account already using the legacy login
    name, if any, with its ``uscc`` or ``unit_name``. A clash with the unit's own account
    means the unit has a platform account (case 5).
    """
    taken_by = context.get("name_taken_by")
    if not isinstance(taken_by, Mapping):
        clash = "none"
    elif _same_unit(document, taken_by):
        clash = "same_unit"
    else:
        clash = "other_unit"
    has_account = bool(context.get("platform_account")) or clash == "same_unit"
    return [{"kind": "legacy_account", "platform_account": has_account, "name_clash": clash}]


def _same_unit(document: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    mine, theirs = document.get("uscc"), other.get("uscc")
    if mine and theirs:
        return canonical("uscc", mine) == canonical("uscc", theirs)
    name = _text(document.get("unit_name"))
    return name is not None and name == _text(other.get("unit_name"))


def password_reset(document: Mapping[str, Any], context: Mapping[str, Any]) -> list[Fact]:
    """FW-03: the form compared with itself (typed twice) and with the account found.

    ``context["account"]``: the account the login name found (``account_type``, ``mobile``,
    ``email``, ``unit_name``, ``uscc``); absent when none was found.
    """
    method = document.get("method")
    fact: Fact = {
        "kind": "reset",
        "account_type": document.get("account_type"),
        "method": method,
        "password_confirmed": document.get("new_password") == document.get("new_password_confirm"),
    }
    if method == "mobile":
        fact["mobile_confirmed"] = _mobile(document.get("reserved_mobile")) == _mobile(
            document.get("reserved_mobile_confirm")
        )
    account = context.get("account")
    if not isinstance(account, Mapping):
        return [fact]
    fact.update(_against_account(document, account))
    found = {
        "kind": "account",
        "account_type": account.get("account_type"),
        "has_mobile": bool(account.get("mobile")),
        "has_email": bool(account.get("email")),
    }
    return [fact, found]


def _against_account(document: Mapping[str, Any], account: Mapping[str, Any]) -> Fact:
    kind, method = document.get("account_type"), document.get("method")
    compared: Fact = {"account_type_matches": kind == account.get("account_type")}
    if method == "mobile":
        mine = _mobile(document.get("reserved_mobile"))
        compared["mobile_matches"] = mine is not None and mine == _mobile(account.get("mobile"))
    if method == "email":
        mine = _text(document.get("reserved_email"), fold=True)
        theirs = _text(account.get("email"), fold=True)
        compared["email_matches"] = mine is not None and mine == theirs
    if kind == "legal_person":
        same_name = _text(document.get("unit_name")) == _text(account.get("unit_name"))
        same_code = _code(document.get("uscc")) == _code(account.get("uscc"))
        compared["unit_matches"] = same_name and same_code
    return compared


def appeal(matter: str | None, context: Mapping[str, Any]) -> list[Fact]:
    """FW-04: which kind of appeal; for a unit, whether its full name found it (``unit``)."""
    if matter == "appeal_legal_person":
        found = bool(context.get("unit"))
        return [{"kind": "appeal", "account_type": "legal_person", "unit_found": found}]
    return [{"kind": "appeal", "account_type": "natural_person"}]


def verification_code(document: Mapping[str, Any], context: Mapping[str, Any]) -> list[Fact]:
    """FW-04: the SMS code, as the server's code store judged it (``context["code"]``).

    ``code`` holds ``sent`` and ``correct`` (the server checked the code the person typed in
    time, ``kernel.verification.check``: an expired or used code is never ``correct``);
    ``None`` when no code was requested. Only a context with a ``code`` entry gets this fact.
    """
    if "code" not in context:
        return []
    code = context.get("code")
    if not isinstance(code, Mapping):
        return [{"kind": "verification_code", "sent": False}]
    return [{"kind": "verification_code", "sent": True, "correct": code.get("correct")}]


def _mobile(value: Any) -> str | None:
    return canonical("mobile_cn", value)


def _code(value: Any) -> str | None:
    return normalise_identifier(value) if isinstance(value, str) and value.strip() else None


def _text(value: Any, *, fold: bool = False) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().casefold() if fold else value.strip()
