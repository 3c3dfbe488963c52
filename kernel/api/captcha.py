"""Image captchas: what a visitor solves before a public entry workflow or an image login.

Anonymous on purpose (a visitor has no account yet); throttled per client address in
``kernel.captcha``. The answer is never in the response, only drawn in the image.
"""

from __future__ import annotations

from aiohttp import web

from .. import captcha
from ..errors import TooManyRequests
from ..keys import CONFIG
from ..throttle import client_address
from .http import json_response

routes = web.RouteTableDef()


@routes.post("/api/captchas")
async def issue_captcha(request: web.Request) -> web.StreamResponse:
    """201: a new image captcha (获取图形验证码) — its id, the PNG, when it expires; one use.

    429 with Retry-After past the per-client limit. Never cached: each image is one use.
    """
    try:
        issued = await captcha.issue(client_address(request), request.app[CONFIG])
    except TooManyRequests as exc:
        response = exc.response()
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response
    return json_response(issued, status=201, headers={"Cache-Control": "no-store"})
