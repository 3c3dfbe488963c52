"""Accounts a plugin's effects create (the unit a login image is issued to, a registration's
account), with the kernel's rules for them: unique names, hashed or no passwords."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import clock
from .auth import hash_password_off_loop
from .db.models import ACCOUNT_KINDS, APPLICANT_KINDS, Account, Token

#: Stored as the password hash of an account that never logs in with a password: argon2 never
#: verifies it (a unit logs in with its QR image).
NO_PASSWORD = "!no-password"


async def create_account(
    db: Any,
    *,
    username: str,
    kind: str,
    roles: list[str],
    display_name: str,
    region: str | None = None,
    profile: Mapping[str, Any] | None = None,
    password: str | None = None,
) -> int:
    """A new applicant account inside the caller's transaction ``db``; its id.

    ``password``: hashed with argon2 before it is stored; ``None``: no password login at all.
    """
    if kind not in APPLICANT_KINDS or kind not in ACCOUNT_KINDS:
        raise ValueError(f"a plugin creates applicant accounts only, not '{kind}'")
    password_hash = await hash_password_off_loop(password) if password else NO_PASSWORD
    account = await Account.create(
        username=username,
        kind=kind,
        roles=roles,
        display_name=display_name[:100],
        region=region,
        profile=dict(profile or {}),
        password_hash=password_hash,
        using_db=db,
    )
    return account.id


async def find_account(username: str) -> int | None:
    found = await Account.get_or_none(username=username)
    return found.id if found else None


async def set_password(db: Any, account_id: int, password: str) -> None:
    """A new password for an applicant account (a reset), inside the caller's transaction.

    Stored only as its argon2 hash; every session the account had is revoked with it, so
    whoever knew the old password is logged out, and a lock from wrong guesses is lifted.
    """
    password_hash = await hash_password_off_loop(password)
    await (
        Account.filter(id=account_id, kind__in=APPLICANT_KINDS)
        .using_db(db)
        .update(password_hash=password_hash, failed_logins=0, locked_until=None)
    )
    await (
        Token.filter(account_id=account_id, revoked_at=None)
        .using_db(db)
        .update(revoked_at=clock.now())
    )
