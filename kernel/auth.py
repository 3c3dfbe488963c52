"""Who is asking: password login, bearer tokens, throttling of guessed passwords.

Passwords are hashed with argon2; tokens are random and stored only as their SHA-256, so a
leaked database opens no session. Five wrong passwords lock an account for 15 minutes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import clock
from .db.models import APPLICANT_KINDS, Account, Token
from .errors import Handler, TooManyRequests, Unauthorized

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15

ACCOUNT = "govflow.account"
TOKEN = "govflow.token"

_hasher = PasswordHasher()
# A hash to verify against when the username does not exist, so both cases take as long.
_DUMMY_HASH = _hasher.hash("govflow-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


async def login(username: str, password: str, ttl_minutes: int, method: str = "password"):
    """A new token for a correct password; ``Unauthorized`` otherwise, never saying which part."""
    account = await Account.get_or_none(username=username)
    now = clock.now()
    if account is not None and account.locked_until and account.locked_until > now:
        wait = int((account.locked_until - now).total_seconds()) + 1
        raise TooManyRequests(f"locked for {wait} more seconds", retry_after=wait)
    if account is None or not account.active:
        password_matches(_DUMMY_HASH, password)
        raise Unauthorized("wrong username or password")
    if not password_matches(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            account.failed_logins = 0
        await account.save(update_fields=["failed_logins", "locked_until"])
        raise Unauthorized("wrong username or password")
    if account.failed_logins or account.locked_until:
        account.failed_logins, account.locked_until = 0, None
        await account.save(update_fields=["failed_logins", "locked_until"])
    return await issue_token(account, ttl_minutes, method)


async def issue_token(account: Account, ttl_minutes: int, method: str) -> tuple[str, Token]:
    token = secrets.token_urlsafe(32)
    record = await Token.create(
        account=account,
        token_hash=token_digest(token),
        login_method=method,
        expires_at=clock.now() + dt.timedelta(minutes=ttl_minutes),
    )
    return token, record


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the account of a valid bearer token; anonymous requests go on without one."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = await Token.get_or_none(
            token_hash=token_digest(header[7:].strip())
        ).prefetch_related("account")
        now = clock.now()
        if token is None or token.revoked_at or token.expires_at <= now or not token.account.active:
            raise Unauthorized("the token is unknown, expired or revoked")
        request[TOKEN] = token
        request[ACCOUNT] = token.account
    return await handler(request)


def current_account(request: web.Request) -> Account:
    account = request.get(ACCOUNT)
    if account is None:
        raise Unauthorized("log in and send the token as 'Authorization: Bearer …'")
    return account


def is_applicant(account: Account) -> bool:
    return account.kind in APPLICANT_KINDS


def public_account(account: Account) -> dict[str, Any]:
    """What an account may see of itself."""
    return {
        "id": account.id,
        "username": account.username,
        "kind": account.kind,
        "display_name": account.display_name,
        "roles": account.roles,
        "scopes": account.scopes,
        "region": account.region,
    }
