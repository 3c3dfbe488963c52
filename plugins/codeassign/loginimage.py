"""Login QR images as keys (CA-02): issued once, stored only as a hash, revoked on reissue.

An image carries ``GFQR1.<secret>``: 32 random bytes (256 bits), url-safe. The register keeps
only the secret's SHA-256, so neither a database dump nor an administrator can print a unit's
key again; a unit that lost its image asks for a new one, and issuing it revokes every earlier
image of the unit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from kernel import now, qrimage

from .models import LoginImage, Unit

PREFIX = "GFQR1."


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


async def issue(
    unit: Unit, request_id: int, issued_by: int, channel: str, to: str | None, db: Any
) -> dict[str, Any]:
    """A new image for ``unit``, every earlier one revoked, in the caller's transaction.

    Returns the PNG once, for the registry authority to hand over through ``channel``.
    """
    await LoginImage.filter(unit_id=unit.id, revoked_at=None).using_db(db).update(revoked_at=now())
    secret = new_secret()
    await LoginImage.create(
        unit=unit,
        request_id=request_id,
        secret_sha256=digest(secret),
        channel=channel,
        delivered_to=to,
        issued_by_id=issued_by,
        using_db=db,
    )
    png = qrimage.make_png(PREFIX + secret, caption=unit.name)
    return {
        "filename": f"{unit.uscc}-登录二维码.png",
        "media_type": "image/png",
        "content_base64": base64.b64encode(png).decode("ascii"),
    }


async def account_for(upload: bytes) -> int | None:
    """The account a login image opens, or ``None`` for anything else whatsoever."""
    payload = qrimage.decode(upload)
    if not payload or not payload.startswith(PREFIX):
        return None
    secret = payload.removeprefix(PREFIX)
    if not secret.isascii() or not 40 <= len(secret) <= 64:
        return None
    found = await LoginImage.get_or_none(secret_sha256=digest(secret)).prefetch_related("unit")
    if found is None or found.revoked_at is not None:
        return None
    # The lookup was by hash; compare again in constant time all the same.
    if not hmac.compare_digest(found.secret_sha256, digest(secret)):
        return None
    return found.unit.account_id
