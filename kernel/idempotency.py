"""``Idempotency-Key``: a retried creating request returns the first result, creates nothing.

The key's row, the work and the stored answer are committed in one transaction: a crash leaves
either all of them or none, so a retry after any failure either replays the answer or does the
work afresh — never both, never neither. Two copies of one request racing each other meet at the
row's unique key: the second waits for the first to commit, then replays its answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from .db.models import Account, IdempotentRequest
from .errors import field_error

PENDING = 0  # never seen by others: the answer replaces it in the same transaction


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
    if await IdempotentRequest.exists(account=account, key=key):
        return await _replay(account, key, print_)
    try:
        async with in_transaction():
            try:
                slot = await IdempotentRequest.create(
                    account=account, key=key, fingerprint=print_, status=PENDING, body={}
                )
            except IntegrityError:  # a concurrent copy committed the same key meanwhile
                raise _Taken from None
            status, body = await work()  # its own transactions nest as savepoints
            slot.status, slot.body = status, body
            await slot.save(update_fields=["status", "body"])
    except _Taken:
        return await _replay(account, key, print_)
    return status, body, False


class _Taken(Exception):
    pass


async def _replay(account: Account, key: str, print_: str) -> tuple[int, dict[str, Any], bool]:
    first = await IdempotentRequest.get(account=account, key=key)
    if first.fingerprint != print_:
        raise field_error(
            "/headers/Idempotency-Key",
            "request.idempotency-key-reused",
            "该Idempotency-Key已用于另一个请求",
            "This Idempotency-Key was used for a different request",
        )
    return first.status, first.body, True
