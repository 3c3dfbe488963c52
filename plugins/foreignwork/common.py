"""Facts every foreignwork workflow may use: the actor, the real-name state, uploads, units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from kernel import InvalidIdentifier, validate_identifier
from kernel.clock import CHINA

Fact = dict[str, Any]

# FW-04/FW-11 name jpg and jpeg as two formats; they are one.
_FORMAT_ALIASES = {"jpeg": "jpg", "jpe": "jpg"}
_FORMATS = {"jpg", "png", "gif", "bmp", "pdf"}


def instant(value: Any) -> dt.datetime | None:
    """An ISO date-time (or a datetime) as an aware instant; naive ones are China time."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def canonical(kind: str, value: Any) -> str | None:
    """The identifier as stored (so ``+86 138 0013 8000`` equals ``13800138000``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return validate_identifier(kind, value)
    except InvalidIdentifier:
        return value.strip().upper()


def actor(context: Mapping[str, Any]) -> list[Fact]:
    role = (context.get("actor") or {}).get("role")
    return [{"kind": "actor", "role": role}] if role else []


def realname(state: Any) -> list[Fact]:
    return [{"kind": "realname", "state": state}] if state else []


def attachments(context: Mapping[str, Any]) -> list[Fact]:
    """One fact per upload; ``current`` is false when it predates the last change of the data.

    An entry is a type name or a mapping with ``type``, ``format`` (found from the content),
    ``size`` (bytes) and ``uploaded_at``; ``context["changed_at"]`` is when the profile's
    data last changed (FW-11: a change during review needs the files uploaded again).
    """
    changed = instant(context.get("changed_at"))
    return [_attachment(entry, changed) for entry in context.get("attachments") or ()]


def _attachment(entry: str | Mapping[str, Any], changed: dt.datetime | None) -> Fact:
    if isinstance(entry, str):
        return {"kind": "attachment", "type": entry, "current": True}
    fact: Fact = {"kind": "attachment", "type": entry.get("type"), "size": entry.get("size")}
    fmt = entry.get("format")
    if isinstance(fmt, str):
        fmt = fmt.strip().lower().lstrip(".")
        fmt = _FORMAT_ALIASES.get(fmt, fmt)
        fact["format"] = fmt if fmt in _FORMATS else "other"
    uploaded = instant(entry.get("uploaded_at"))
    fact["current"] = not (changed and uploaded and uploaded < changed)
    return fact


def unit(context: Mapping[str, Any]) -> list[Fact]:
    """The unit concerned (``context["unit"]``: ``account``, ``status``)."""
    found = context.get("unit")
    if not isinstance(found, Mapping):
        return []
    return [{"kind": "unit", "account": found.get("account"), "status": found.get("status")}]


def authorizations(entries: Iterable[Mapping[str, Any]] | None) -> list[Fact]:
    """FW-12: authorizations (``unit``, ``matter``, ``grantee``, ``status``, ``manage_unit``,
    ``main``: the unit's main agent, for every matter)."""
    keys = ("unit", "matter", "grantee", "status", "manage_unit", "main")
    return [{"kind": "authorization", **{k: entry.get(k) for k in keys}} for entry in entries or ()]
