"""Image captchas for what anyone may do without an account (a login by QR image, a public
entry workflow): one use, a few minutes, only the answer's hash kept, issued per client in
bounded numbers.

A captcha only raises the cost of automated tries; the throttles behind it do the real
limiting. The stored ``answer_hash`` is SHA-256 over the id and the answer: four characters of
a 31-letter alphabet are under a million answers, so the hash keeps answers out of backups and
query logs but would not stop someone holding the database — the one use and the few minutes
do. Drawing a PNG takes about 10 ms of CPU, so it runs in the default executor, off the loop.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import logging
import random
import re
import secrets
import threading
import unicodedata
from typing import Any

from captcha.image import ImageCaptcha
from tortoise.expressions import F

from . import clock, throttle
from .config import Config
from .db.models import Captcha
from .errors import ApiError, field_error

log = logging.getLogger(__name__)

#: No look-alikes: neither 0/O nor 1/I/L.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Characters drawn, and the picture's size: four fit 200 pixels legibly.
LENGTH = 4
WIDTH, HEIGHT = 200, 70
#: The library's defaults (characters overlapping by a quarter, turned up to 30°) made one
#: captcha in two hard for a person to read when we tried them: less overlap, less turn.
OVERLAP, TURN = 0.08, (-15, 15)
#: Captchas expired this long are deleted (about one issue in ``PRUNE_ONE_IN`` does it).
PRUNE_AFTER = dt.timedelta(hours=1)
PRUNE_ONE_IN = 100
#: The ``client`` column's length; longer client keys are stored as their SHA-256.
_CLIENT_CHARS = 64
_ID = re.compile(r"[0-9a-f]{32}")
_drawers = threading.local()


def _digest(captcha_id: str, answer: str) -> str:
    return hashlib.sha256((captcha_id + answer).encode()).hexdigest()


def _normalised(answer: str) -> str:
    """What the person meant: full-width letters from a Chinese input method, any case."""
    return unicodedata.normalize("NFKC", answer).strip().upper()


def _client(client: str) -> str:
    if len(client) <= _CLIENT_CHARS:
        return client
    return hashlib.sha256(client.encode()).hexdigest()


def random_text() -> str:
    """A fresh answer: ``LENGTH`` characters of ``ALPHABET``, from ``secrets``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _png(text: str) -> bytes:
    """The drawn captcha; one drawer per executor thread, as a FreeType face is not for two
    threads at once."""
    drawer = getattr(_drawers, "drawer", None)
    if drawer is None:
        drawer = _drawers.drawer = ImageCaptcha(width=WIDTH, height=HEIGHT)
        drawer.word_offset_dx, drawer.character_rotate = OVERLAP, TURN
    return drawer.generate(text, format="png").getvalue()


async def issue(client: str, config: Config) -> dict[str, Any]:
    """A new captcha for ``client``: its id, the PNG as a data URL, when it expires.

    Throttled per client (``config.captcha_per_minute``) before any drawing, so refusals cost
    nothing. ``config.captcha_text`` draws the answer when set (tests); else ``random_text``.
    """
    await throttle.hit(
        f"captcha.issue:{client}", limit=config.captcha_per_minute, window=dt.timedelta(minutes=1)
    )
    answer = _normalised((config.captcha_text or random_text)())
    png = await asyncio.get_running_loop().run_in_executor(None, _png, answer)
    captcha_id = secrets.token_hex(16)
    now = clock.now().astimezone(clock.CHINA)  # one offset in the table: SQLite compares text
    expires = now + dt.timedelta(minutes=config.captcha_ttl_minutes)
    await Captcha.create(
        id=captcha_id,
        answer_hash=_digest(captcha_id, answer),
        client=_client(client),
        created_at=now,
        expires_at=expires,
    )
    if random.randrange(PRUNE_ONE_IN) == 0:  # not security: spreading the clean-up out
        try:
            await prune()
        except Exception:  # a failed clean-up must not fail the captcha it rode along with
            log.exception("pruning expired captchas failed")
    return {
        "id": captcha_id,
        "image": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "expires_at": expires.isoformat(),
    }


async def check(captcha_id: str | None, answer: str | None, client: str) -> None:
    """Pass once with the right answer, from the client it was issued to, in time; else 400.

    The first check uses the captcha up, right or wrong: ``used_at`` is set by an update that
    only matches while it is still empty, so of two concurrent checks one alone goes on, and an
    answer cannot be guessed twice. An unknown, used or foreign captcha reads as a wrong one.
    """
    if not isinstance(captcha_id, str) or not isinstance(answer, str) or not answer.strip():
        raise _refused("captcha.required", "请输入验证码", "Enter the captcha")
    captcha_id = captcha_id.strip().lower()
    if not _ID.fullmatch(captcha_id):
        raise _wrong()
    now = clock.now()
    claimed = await Captcha.filter(id=captcha_id, used_at=None).update(
        used_at=now.astimezone(clock.CHINA), attempts=F("attempts") + 1
    )
    found = await Captcha.get_or_none(id=captcha_id) if claimed else None
    if found is None or not hmac.compare_digest(found.client, _client(client)):
        raise _wrong()
    if now >= found.expires_at:
        raise _refused(
            "captcha.expired", "验证码已过期，请刷新", "The captcha has expired: get a new one"
        )
    if not hmac.compare_digest(found.answer_hash, _digest(captcha_id, _normalised(answer))):
        raise _wrong()


async def prune(older_than: dt.timedelta = PRUNE_AFTER) -> int:
    """Delete the captchas expired more than ``older_than`` ago; how many were deleted."""
    cutoff = (clock.now() - older_than).astimezone(clock.CHINA)
    return await Captcha.filter(expires_at__lt=cutoff).delete()


def _wrong() -> ApiError:
    return _refused("captcha.wrong", "验证码错误，请刷新后重试", "Wrong captcha: get a new one")


def _refused(rule: str, zh: str, en: str) -> ApiError:
    return field_error("/captcha", rule, zh, en)
