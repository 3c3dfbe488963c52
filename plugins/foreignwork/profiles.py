"""What the rules see about a profile: the identity document, the unit, what changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel.clock import today

from .common import Fact, date

#: Never compared: the login name is not part of the verified data.
_NOT_DATA = frozenset({"login_name"})


def identity(data: Mapping[str, Any], holder: str) -> Fact:
    """The ID document of a natural person, a main agent or a legal representative.

    ``validity_reversed`` and ``days_to_expiry`` are worked out here: a rule cannot compare two
    fields of one fact, nor know today's date.
    """
    fact: Fact = {"kind": "identity", "holder": holder}
    for key in ("identity_type", "id_type", "id_long_term", "id_valid_from", "id_valid_until"):
        fact[key] = data.get(key)
    start, end = date(data.get("id_valid_from")), date(data.get("id_valid_until"))
    if start and end:
        fact["validity_reversed"] = end < start
    if end:
        fact["days_to_expiry"] = (end - today()).days
    return fact


def legal_person(document: Mapping[str, Any]) -> Fact:
    return {
        "kind": "legal_person",
        "region_type": document.get("region_type"),
        "legal_person_type": document.get("legal_person_type"),
    }


def changes(document: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Fact]:
    """One ``change`` fact per field that differs from the stored profile (dotted if nested).

    Without a stored profile (the first save) nothing has changed: there was nothing verified.
    """
    if not isinstance(previous, Mapping):
        return []
    now, before = _flat(document), _flat(previous)
    return [
        {"kind": "change", "item": item}
        for item in sorted(now.keys() | before.keys())
        if item not in _NOT_DATA and _same(now.get(item)) != _same(before.get(item))
    ]


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _same(value: Any) -> Any:
    """Blank and missing are the same; surrounding spaces do not make a change."""
    if isinstance(value, str):
        return value.strip() or None
    return value
