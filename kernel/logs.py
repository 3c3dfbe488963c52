"""JSON logs, one object per line, each line of a request carrying its request id.

Operators grep and ship these lines, so every one is a JSON object with the same keys (time,
level, logger, message, request_id, then the record's extra fields) and personal numbers are
masked in it: an ID number or a mobile pasted into a message never reaches the log store whole.
``configure`` is called by ``govflow serve``, never at import time, so tests and embedding
programs keep their own logging set-up.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from typing import Any, TextIO

from aiohttp import web

from .errors import Handler
from .masking import mask, mask_text
from .metrics import route_pattern, status_of

HEADER = "X-Request-Id"
#: The id of the request being handled in this task (each aiohttp request runs in its own).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "govflow_request_id", default=None
)
access_log = logging.getLogger("govflow.access")

# A caller's id is kept only if it is a plain token, so it cannot forge log lines or headers.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# Attributes every LogRecord has: what is left over was passed as ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON, with the request id and personal numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = mask(value)
        if record.exc_info:
            line["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: int | str = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as JSON lines; replaces root handlers."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # At DEBUG these write SQL with its parameters: outbox bodies, i.e. verification codes.
    for chatty in ("tortoise", "aiosqlite", "asyncpg"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLogger().level))
    return handler


def _incoming_id(request: web.Request) -> str:
    given = request.headers.get(HEADER, "")
    return given if _ACCEPTABLE_ID.fullmatch(given) else uuid.uuid4().hex


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Take or make the request id, answer with it, and write one access line per request."""
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
        status = status_of(exc)
        raise
    finally:
        access_log.info(
            "%s %s %s",
            request.method,
            route_pattern(request),
            status,
            extra={
                "method": request.method,
                "route": route_pattern(request),
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        request_id.reset(token)
