"""二维码登录 (FW-01): a login image issued to an account, and logging in by uploading it.

The same mechanism as codeassign's (kernel/qrimage.py draws and reads the code): the image
carries ``GFFW1.<secret>``, 32 random bytes; only the secret's SHA-256 is stored, and issuing a
new image revokes the earlier ones, so a lost image can be made useless.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from kernel import Call, Unauthorized, captcha_check, field_error, now, qrimage, throttle_hit

from .models import LoginImage

PREFIX = "GFFW1."
LOGIN_FORM_BYTES = 4 * 2**20


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


async def issue_image(call: Call) -> dict[str, Any]:
    """A new login image for the caller, every earlier one revoked; the PNG is handed once."""
    await LoginImage.filter(account_id=call.actor.id, revoked_at=None).update(revoked_at=now())
    secret = secrets.token_urlsafe(32)
    await LoginImage.create(account_id=call.actor.id, secret_sha256=_digest(secret))
    png = qrimage.make_png(PREFIX + secret)
    return {
        "filename": f"{call.actor.username}-登录二维码.png",
        "media_type": "image/png",
        "content_base64": base64.b64encode(png).decode("ascii"),
    }


def _text(raw: bytes | None) -> str | None:
    return raw.decode("utf-8", "replace").strip() if raw is not None else None


async def qr_login(call: Call) -> dict[str, Any]:
    """Log in with the saved login image (+ captcha); every refusal reads the same (401)."""
    await throttle_hit(
        f"foreignwork.qr-login:{call.client}", limit=10, window=dt.timedelta(minutes=1)
    )
    form = await call.form(LOGIN_FORM_BYTES)
    await captcha_check(
        _text(form.get("captcha_id")), _text(form.get("captcha_answer")), call.client
    )
    image = form.get("image")
    if not image:
        raise field_error(
            "/image",
            "foreignwork.qr-login.image",
            "请上传登录二维码图片",
            "Upload the login QR image",
        )
    payload = qrimage.decode(image)
    if not payload or not payload.startswith(PREFIX):
        raise Unauthorized("this is not a valid login image")
    secret = payload.removeprefix(PREFIX)
    if not secret.isascii() or not 40 <= len(secret) <= 64:
        raise Unauthorized("this is not a valid login image")
    found = await LoginImage.get_or_none(secret_sha256=_digest(secret))
    if found is None or found.revoked_at is not None:
        raise Unauthorized("this is not a valid login image")
    if not hmac.compare_digest(found.secret_sha256, _digest(secret)):
        raise Unauthorized("this is not a valid login image")
    return await call.open_session(found.account_id, "qr_image")
