"""Verification codes sent to a mobile or a mailbox: 5 minutes, single use, 5 tries.

Only a salted HMAC of a code is stored (``code_hash`` = 16 hex characters of random salt, then
48 of HMAC-SHA256 over purpose, target and code), so the table never holds a live code and a
hash cannot be copied to another target or purpose. Six digits are few, so the hash alone
would not stop someone holding the database for long — the 5-minute life and the attempt
limit do; the hash keeps codes out of backups and query logs. The code is written only into
the outbox row that delivers it (in the same transaction as its hash), never into a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import re
import secrets
from collections.abc import Collection

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from . import clock, throttle
from .db.models import OutboxMessage, VerificationCode
from .decision import Outcome
from .errors import ApiError, TooManyRequests, Unprocessable, field_error
from .identifiers import InvalidIdentifier, validate
from .notify.senders import mask_recipient
from .rules.model import Text

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5
#: channel -> identifier kind of its target
CHANNELS = {"sms": "mobile_cn", "email": "email"}
_PURPOSE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_SALT_CHARS = 16

_REFUSALS = {
    "code.missing": ("请先获取验证码", "Request a code first"),
    "code.expired": ("验证码已过期，请重新获取", "The code has expired: request a new one"),
    "code.used": ("验证码已使用，请重新获取", "The code was already used: request a new one"),
    "code.attempts": (
        "验证码错误次数过多，已失效，请重新获取",
        "Too many wrong codes: this one is dead, request a new one",
    ),
}


def _refuse(rule: str, zh: str | None = None, en: str | None = None) -> ApiError:
    zh, en = (zh, en) if zh and en else _REFUSALS[rule]
    violation = Outcome(rule=rule, kind="violation", message=Text(zh, en), fields=("/code",))
    error = TooManyRequests if rule == "code.attempts" else Unprocessable
    return error(en, [violation])


#: The request's fields as the page names them: a Chinese message never shows ``target``.
_FIELDS = {
    "channel": ("发送方式", "The channel"),
    "purpose": ("验证码用途", "The purpose"),
    "target": ("手机号码或电子邮箱", "The mobile number or e-mail address"),
}


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        zh, en = _FIELDS[field]
        raise field_error(f"/{field}", "request.required", f"请填写{zh}", f"{en} is required")
    return value.strip()


def normalise_target(channel: str, target: str) -> str:
    """The canonical mobile (11 digits) or e-mail address; 400 naming ``/target`` otherwise."""
    kind = CHANNELS.get(channel)
    if kind is None:
        raise field_error(
            "/channel", "request.channel", "发送方式应为sms或email", "channel must be sms or email"
        )
    try:
        return validate(kind, target)
    except InvalidIdentifier as exc:
        rule = f"format.{kind.replace('_', '-')}.{exc.reason}"
        raise field_error("/target", rule, exc.message_zh, exc.message_en) from None


def _digest(salt: str, target: str, purpose: str, code: str) -> str:
    message = f"{purpose}\0{target}\0{code}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[: 64 - _SALT_CHARS]


async def _latest(target: str, purpose: str, conn=None) -> VerificationCode | None:
    return (
        await VerificationCode.filter(target=target, purpose=purpose)
        .using_db(conn)
        .order_by("-created_at", "-id")
        .first()
    )


async def _refuse_if_too_soon(target: str, purpose: str, now: dt.datetime, conn) -> None:
    """One code a minute per target and purpose: a number cannot be flooded through us.

    Checked inside the issuing transaction. SQLite runs those one at a time; on PostgreSQL two
    requests in the same instant would both find no recent code, so there the transaction first
    takes an advisory lock on the target and purpose (released when it ends).
    """
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(
            "SELECT pg_advisory_xact_lock(hashtext($1))", [f"{purpose}\n{target}"]
        )
    previous = await _latest(target, purpose, conn)
    if previous is None or now - previous.created_at >= RESEND_AFTER:
        return
    wait = math.ceil((previous.created_at + RESEND_AFTER - now).total_seconds())
    violation = Outcome(
        rule="code.too-soon",
        kind="violation",
        message=Text(f"请{wait}秒后再获取验证码", f"Wait {wait} s before requesting again"),
        fields=("/target",),
    )
    raise TooManyRequests("a code was sent less than a minute ago", [violation], retry_after=wait)


#: Codes one target may receive in an hour and in a day, whatever the purpose.
PER_TARGET_HOUR, PER_TARGET_DAY = 5, 10
#: Codes one client address may ask for in an hour, whatever the targets.
PER_CLIENT_HOUR = 20


async def _count(target: str, client: str) -> None:
    """The flood limits beyond one a minute per target and purpose: per target per hour and
    day, per client per hour (30 purposes used to mean 30 SMS to one number in seconds)."""
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    for key, limit, window in (
        (f"code:client:{client}", PER_CLIENT_HOUR, hour),
        (f"code:target:{target}", PER_TARGET_HOUR, hour),
        (f"code:target-day:{target}", PER_TARGET_DAY, day),
    ):
        await throttle.hit(key, limit=limit, window=window)


async def issue(
    channel: object,
    target: object,
    purpose: object,
    *,
    purposes: Collection[str] | None = None,
    client: str = "unknown",
) -> VerificationCode:
    """A new code for ``target``, queued for delivery; 429 within 60 s of the previous one,
    or past the hourly and daily limits per target and per client.

    ``purposes``: those the processes declare (``verification_purposes`` in a manifest); any
    other is refused with 400. ``None`` (kernel callers) accepts any well-formed one.
    """
    channel, purpose = _text("channel", channel), _text("purpose", purpose)
    target = normalise_target(channel, _text("target", target))
    if not _PURPOSE.fullmatch(purpose) or (purposes is not None and purpose not in purposes):
        raise field_error(
            "/purpose",
            "request.purpose",
            f"用途应为以下之一：{'、'.join(sorted(purposes or ())) or '无'}",
            f"purpose must be one the processes declare: {', '.join(sorted(purposes or ()))}",
        )
    await _count(target, client)
    now = clock.now()
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(_SALT_CHARS // 2)
    minutes = int(CODE_TTL.total_seconds() // 60)
    async with in_transaction() as conn:
        await _refuse_if_too_soon(target, purpose, now, conn)
        record = await VerificationCode.create(
            channel=channel,
            target=target,
            purpose=purpose,
            code_hash=salt + _digest(salt, target, purpose, code),
            created_at=now,
            expires_at=now + CODE_TTL,
            using_db=conn,
        )
        await OutboxMessage.create(
            channel=channel,
            recipient=target,
            subject="政务服务验证码",
            body=f"您的验证码为{code}，{minutes}分钟内有效。请勿告诉他人；如非本人操作，请忽略。",
            next_attempt_at=now,
            secret=True,
            using_db=conn,
        )
    log.info(
        "verification code %s issued for %s (%s, %s)",
        record.id,
        mask_recipient(target),
        channel,
        purpose,
    )
    return record


def _unusable(record: VerificationCode, now: dt.datetime) -> ApiError | None:
    if record.used_at is not None:
        return _refuse("code.used")
    if record.attempts >= MAX_ATTEMPTS:
        return _refuse("code.attempts")
    if now >= record.expires_at:
        return _refuse("code.expired")
    return None


async def check(target: str, purpose: str, code: str) -> VerificationCode:
    """Use the newest code of ``target`` for ``purpose``, or raise why it cannot be used.

    Each try is counted before the comparison, in one conditional update, so parallel guesses
    cannot share an attempt; the comparison takes the same time whatever the digits.
    """
    channel = "email" if "@" in target else "sms"
    try:
        target = validate(CHANNELS[channel], target)
    except InvalidIdentifier:
        raise _refuse("code.missing") from None
    record = await _latest(target, purpose)
    if record is None:
        raise _refuse("code.missing")
    now = clock.now()
    if (error := _unusable(record, now)) is not None:
        raise error
    counted = await VerificationCode.filter(
        id=record.id, used_at=None, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    await record.refresh_from_db(fields=["attempts", "used_at"])
    if not counted:
        raise _unusable(record, now) or _refuse("code.used")
    salt, stored = record.code_hash[:_SALT_CHARS], record.code_hash[_SALT_CHARS:]
    if not hmac.compare_digest(_digest(salt, target, purpose, str(code).strip()), stored):
        left = MAX_ATTEMPTS - record.attempts
        if left <= 0:
            raise _refuse("code.attempts")
        raise _refuse(
            "code.wrong",
            f"验证码错误，还可尝试{left}次",
            f"Wrong code: {left} more {'try' if left == 1 else 'tries'}",
        )
    if not await VerificationCode.filter(id=record.id, used_at=None).update(used_at=now):
        raise _refuse("code.used")
    record.used_at = now
    return record
