"""Requesting a verification code by SMS or e-mail (registration, password reset, ...).

Open to anonymous callers on purpose — someone resetting a password has no session. The auth
middleware lets requests without a token through and only handlers that call
``auth.current_account`` require one; this one never does. What stops it being used to flood a
number is the one-code-a-minute limit per target and purpose, the hourly and daily limits per
target and the hourly one per client in ``kernel.verification``; and only the purposes the
processes declare (``verification_purposes`` in their manifests) are accepted.
"""

from __future__ import annotations

from aiohttp import web

from .. import verification
from ..keys import KERNEL
from ..notify.senders import mask_recipient
from ..notify.worker import OUTBOX_WAKE
from ..throttle import client_address
from .http import json_object, json_response

routes = web.RouteTableDef()


@routes.post("/api/verification-codes")
async def request_code(request: web.Request) -> web.Response:
    """202: the code is queued for delivery; the answer never contains it."""
    body = await json_object(request)
    kernel = request.app[KERNEL]
    purposes = {p for proc in kernel.processes.values() for p in proc.verification_purposes}
    record = await verification.issue(
        body.get("channel"),
        body.get("target"),
        body.get("purpose"),
        purposes=purposes,
        client=client_address(request),
    )
    if (wake := request.app.get(OUTBOX_WAKE)) is not None:
        wake.set()  # committed: someone is waiting for this SMS, send it now
    return json_response(
        {
            "channel": record.channel,
            "target": mask_recipient(record.target),
            "purpose": record.purpose,
            "expires_at": record.expires_at.isoformat(),
            "resend_after": (record.created_at + verification.RESEND_AFTER).isoformat(),
        },
        status=202,
    )
