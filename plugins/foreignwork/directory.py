"""Finding an account by what its profile says, in the database (FW-02, FW-04, FW-12).

A unit is found by its full name or its USCC, a person by the ID number of its profile: the
values live in the kernel's ``account.profile`` JSON (``effects.sync_account`` keeps them as
the profiles say), so each look-up is one indexed query on an expression of that column —
``json_extract`` on SQLite, ``->>`` on PostgreSQL — never a scan of every account in Python.
The migration ``0002_account_lookups`` creates an index on each expression used here; the
text of an expression must stay the same in both places for the index to be used.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import RawSQL

from kernel.db.models import Account


def _field(dialect: str, key: str) -> str:
    """The profile's ``key`` as text (``key`` is one of this module's constants, never input)."""
    return f"profile->>'{key}'" if dialect == "postgres" else f"json_extract(profile, '$.{key}')"


def unit_name_expression(dialect: str) -> str:
    """The unit's full name: its profile's, else the account's display name."""
    return f"COALESCE(NULLIF({_field(dialect, 'unit_name')}, ''), display_name)"


def upper_expression(dialect: str, key: str) -> str:
    return f"UPPER({_field(dialect, key)})"


#: The indexes of the migration: name -> the expression, per dialect.
INDEXES = {
    "foreignwork_account_unit_name": unit_name_expression,
    "foreignwork_account_uscc": lambda dialect: upper_expression(dialect, "uscc"),
    "foreignwork_account_id_number": lambda dialect: upper_expression(dialect, "id_number"),
}


def _dialect() -> str:
    return Account._meta.db.capabilities.dialect


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


async def unit_by_name(unit_name: Any) -> Account | None:
    """FW-04: the legal-person account whose unit has exactly this full name."""
    name = _text(unit_name)
    if name is None:
        return None
    query = Account.annotate(unit_key=RawSQL(unit_name_expression(_dialect())))
    return await query.filter(kind="legal_person", unit_key=name).order_by("id").first()


async def unit_by_uscc(uscc: Any, *, besides: int | None = None) -> Account | None:
    """FW-02: the platform's legal-person account of the unit with this USCC, if any."""
    code = _text(uscc)
    if code is None:
        return None
    query = Account.annotate(uscc_key=RawSQL(upper_expression(_dialect(), "uscc")))
    query = query.filter(kind="legal_person", uscc_key=code.upper())
    if besides is not None:
        query = query.exclude(id=besides)
    return await query.order_by("id").first()


async def person_by_id_number(id_number: Any) -> Account | None:
    """FW-12: the natural person whose profile has this ID number (case folded, as stored)."""
    number = _text(id_number)
    if number is None:
        return None
    query = Account.annotate(id_key=RawSQL(upper_expression(_dialect(), "id_number")))
    return await query.filter(kind="natural_person", id_key=number.upper()).order_by("id").first()


async def person_by_login_or_id(value: Any) -> Account | None:
    """FW-12: the account a grant names, by login name or by the ID number of its profile."""
    text = _text(value)
    if text is None:
        return None
    found = await Account.get_or_none(username=text)
    if found is not None and found.kind in ("natural_person", "legal_person"):
        return found
    return await person_by_id_number(text)
