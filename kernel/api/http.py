"""Small helpers every resource module uses: JSON in and out, versions, pagination."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..errors import PreconditionRequired, field_error


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    return web.json_response(
        data,
        status=status,
        headers=headers,
        dumps=lambda d: json.dumps(d, ensure_ascii=False, default=str),
    )


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or a 400 that says so in both languages."""
    try:
        body = await request.json()
    except ValueError:
        raise field_error(
            "/", "request.json", "请求体不是有效的JSON", "The body is not valid JSON"
        ) from None
    if not isinstance(body, dict):
        raise field_error("/", "request.object", "请求体应为JSON对象", "The body must be an object")
    return body


def if_match(request: web.Request) -> int:
    """The version the client read: ``If-Match: "3"`` (an ETag) or ``3``."""
    raw = request.headers.get("If-Match")
    if raw is None:
        raise PreconditionRequired("send If-Match with the version you read (the ETag)")
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise field_error(
            "/headers/If-Match",
            "request.if-match",
            "If-Match应为版本号",
            "If-Match must be the version number",
        )
    return int(value)


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def page_limit(request: web.Request, default: int = 20, most: int = 100) -> int:
    raw = request.query.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise field_error(
            "/query/limit",
            "request.limit",
            f"每页数量应为1到{most}",
            f"limit must be between 1 and {most}",
        )
    return int(raw)


def cursor(request: web.Request) -> int | None:
    """Keyset pagination: the id after which the next page starts (newest first)."""
    raw = request.query.get("cursor")
    if raw is None:
        return None
    if not raw.isdigit():
        raise field_error("/query/cursor", "request.cursor", "分页游标无效", "Invalid cursor")
    return int(raw)
