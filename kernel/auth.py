"""Who is asking: password login, bearer tokens, throttling of guessed passwords.

Passwords are hashed with argon2; tokens are random and stored only as their SHA-256, so a
leaked database opens no session. Five attempts from one client lock that client out of the
account until the 15-minute window ends (counted atomically in the database, before the hash
is checked); clients and accounts have their own, higher, limits too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import clock, throttle
from .db.models import APPLICANT_KINDS, Account, Token
from .errors import Handler, TooManyRequests, Unauthorized

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
#: Login attempts one client address may make in ``LOCK_MINUTES`` (all accounts together).
MAX_LOGINS_PER_CLIENT = 100
#: Login attempts for one account from all clients together in ``LOCK_MINUTES``.
MAX_LOGINS_PER_ACCOUNT = 200
#: Concurrent argon2 computations: each takes a core for tens of milliseconds.
HASHING_THREADS = 2

ACCOUNT = "govflow.account"
TOKEN = "govflow.token"

_hasher = PasswordHasher()
_HASHING = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")
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


async def hash_password_off_loop(password: str) -> str:
    """``hash_password`` in the same bounded pool as ``check_password``: a registration or a
    reset hashes as long as a login checks."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHING, hash_password, password)


async def check_password(stored: str, password: str) -> bool:
    """``password_matches`` off the event loop: argon2 takes tens of milliseconds of CPU on
    purpose, and 20 logins on the loop held every other request (``/healthz`` 5 ms → 3.6 s).
    At most ``HASHING_THREADS`` hashes run at once; more wait in the pool's queue."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHING, password_matches, stored, password)


def _login_keys(username: str, client: str) -> tuple[tuple[str, int, dt.timedelta], ...]:
    """The counts a login attempt adds to, each with its limit and window.

    Per account *and* client: five wrong passwords lock that pair, so an attacker cannot lock
    the owner out from elsewhere. Per client: one address cannot spray many accounts. Per
    account from everywhere: a distributed guess is bounded too (that one, high, is the only
    lock others can cause). Keyed by the name typed, so an unknown user is counted, locked and
    answered exactly like a known one.
    """
    lock = dt.timedelta(minutes=LOCK_MINUTES)
    name = username.casefold()
    return (
        (f"login:pair:{client}:{name}", MAX_FAILED_LOGINS, lock),
        (f"login:client:{client}", MAX_LOGINS_PER_CLIENT, lock),
        (f"login:account:{name}", MAX_LOGINS_PER_ACCOUNT, lock),
    )


async def login(
    username: str,
    password: str,
    ttl_minutes: int,
    method: str = "password",
    *,
    client: str,
    vouch: Callable[[Account], Awaitable[None]] | None = None,
):
    """A new token for a correct password; ``Unauthorized`` otherwise, never saying which part.

    ``vouch`` may refuse a correct password for the account it belongs to (a captcha the
    account's process asks for): it runs only once the password is right, so a known and an
    unknown user, a right and a wrong captcha, get the same answer to a wrong password.

    Every attempt is counted in the database *before* the password is checked (one atomic
    upsert each, ``kernel.throttle``): 60 parallel guesses get counts 1…60 and only the first
    five are checked at all — the sixth and later answer 429 without a hash. A correct password
    clears its account-and-client count.
    """
    await count_attempt(username, client)
    account = await Account.get_or_none(username=username)
    if account is None or not account.active:
        await check_password(_DUMMY_HASH, password)
        raise Unauthorized("wrong username or password")
    if not await check_password(account.password_hash, password):
        raise Unauthorized("wrong username or password")
    if vouch is not None:
        await vouch(account)
    await forget_attempts(username, client)
    return await issue_token(account, ttl_minutes, method)


async def count_attempt(username: str, client: str) -> None:
    """Count one password attempt at ``username`` from ``client``, *before* the password is
    checked: the login lockout (429 once locked), for every route that checks a password —
    the kernel's login, a process's own (foreignwork's legacy accounts)."""
    for key, limit, window in _login_keys(username, client):
        try:
            await throttle.hit(key, limit=limit, window=window)
        except TooManyRequests as exc:
            wait = exc.extra.get("retry_after")
            raise TooManyRequests(
                "too many login attempts: try again later", retry_after=wait
            ) from None


async def forget_attempts(username: str, client: str) -> None:
    """A right password clears its account-and-client count."""
    pair, _, window = _login_keys(username, client)[0]
    await throttle.forget(pair, window)


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


def require_staff(request: web.Request) -> None:
    """Operations data (metrics, rule sources) for reviewers and admins, unless the operator
    made it public (``GOVFLOW_PUBLIC_OPERATIONS=1``, e.g. for a scraper inside the network)."""
    from .errors import Forbidden
    from .keys import CONFIG

    if request.app[CONFIG].public_operations:
        return
    if current_account(request).kind not in ("reviewer", "admin"):
        raise Forbidden("for reviewers and administrators only")


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
