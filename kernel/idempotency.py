"""``Idempotency-Key``: a retried creating request returns the first result, creates nothing.

The key is reserved (a unique row) before the work starts, so two copies of one request racing
each other cannot both create; the loser is told to retry and then gets the stored answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from .db.models import Account, IdempotentRequest
from .errors import Conflict, field_error

IN_PROGRESS = 0


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


async def once(
    account: Account,
    key: str | None,
    print_: str,
    work: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> tuple[int, dict[str, Any], bool]:
    """``(status, body, replayed)``: run ``work`` once per key and account."""
    if key is None:
        status, body = await work()
        return status, body, False
    if not 1 <= len(key) <= 128:
        raise field_error(
            "/headers/Idempotency-Key",
            "request.idempotency-key",
            "Idempotency-Key长度应为1到128",
            "Idempotency-Key must be 1-128 long",
        )
    try:
        slot = await IdempotentRequest.create(
            account=account, key=key, fingerprint=print_, status=IN_PROGRESS, body={}
        )
    except IntegrityError:
        return await _replay(account, key, print_)
    try:
        status, body = await work()
    except BaseException:
        await slot.delete()  # nothing was created: a retry may try again
        raise
    slot.status, slot.body = status, body
    await slot.save(update_fields=["status", "body"])
    return status, body, False


async def _replay(account: Account, key: str, print_: str) -> tuple[int, dict[str, Any], bool]:
    first = await IdempotentRequest.get(account=account, key=key)
    if first.fingerprint != print_:
        raise field_error(
            "/headers/Idempotency-Key",
            "request.idempotency-key-reused",
            "该Idempotency-Key已用于另一个请求",
            "This Idempotency-Key was used for a different request",
        )
    if first.status == IN_PROGRESS:
        raise Conflict("the first request with this key is still running; retry shortly")
    return first.status, first.body, True
