"""Visitors: someone without an account who starts a public entry workflow.

Password reset, appeals, registrations and requests for a login image are started by people who
cannot log in. Each such subject gets an account of kind ``visitor`` of its own, holding only the
role ``visitor`` and no password, and a bearer token that is handed back once: the subject is
then reachable with that secret alone, through the same access rules as any applicant's, and a
visitor never sees anything else.
"""

from __future__ import annotations

import secrets

from .auth import issue_token
from .db.models import Account

#: How long the secret of a visitor's subject stays valid (a review may take weeks).
VISITOR_TOKEN_MINUTES = 60 * 24 * 60

#: Stored as the password hash: argon2 never verifies it, so nobody logs in as a visitor.
NO_PASSWORD = "!visitor"


async def new_visitor(display_name: str = "访客") -> tuple[Account, str]:
    """A fresh visitor account and the token that reaches its subject (call in a transaction)."""
    account = await Account.create(
        username=f"visitor-{secrets.token_hex(8)}",
        kind="visitor",
        display_name=display_name[:100],
        password_hash=NO_PASSWORD,
        roles=["visitor"],
    )
    token, _ = await issue_token(account, VISITOR_TOKEN_MINUTES, "visitor")
    return account, token
