"""Every request observed once: its request id, its access log line and its metrics.

These were three middlewares, and each looked up the matched route's pattern again; one
middleware reads the route and the clock once and hands both to the access line and to
Prometheus. It is the outermost middleware, so that errors answered by the ones inside are
counted with the status the client saw.
"""

from __future__ import annotations

import logging
import random
import re
import time

from aiohttp import web

from . import metrics
from .errors import Handler
from .keys import KERNEL
from .logs import request_id

HEADER = "X-Request-Id"
access_log = logging.getLogger("govflow.access")

# A caller's id is kept only if it is a plain token, so it cannot forge log lines or headers.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def _incoming_id(request: web.Request) -> str:
    given = request.headers.get(HEADER, "")
    if _ACCEPTABLE_ID.fullmatch(given):
        return given
    # 128 random bits, as uuid4 has, without its system call: an id to find lines by, no secret.
    return f"{random.getrandbits(128):032x}"


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take or make the request id and answer with it; then one access line and the request's
    count and time, by the route's pattern (never the raw path: ids and personal numbers)."""
    rid = _incoming_id(request)
    token = request_id.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:  # a streamed response has sent its headers already
            response.headers[HEADER] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[HEADER] = rid
        raise
    except BaseException as exc:
        status = metrics.status_of(exc)
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = metrics.route_pattern(request)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s",
                request.method,
                route,
                status,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                },
            )
        if (kernel := request.app.get(KERNEL)) is not None:
            kernel.metrics.request(request.method, route, status, elapsed)
        request_id.reset(token)
