"""Small helpers every resource module uses: JSON in and out, versions, pagination."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from .. import jsontext
from ..errors import PreconditionRequired, field_error


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """``data`` as UTF-8 JSON with Chinese readable (``kernel/jsontext.py``)."""
    return web.Response(
        body=jsontext.dumps(data),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


#: The largest id or version the database stores (a 32-bit integer column).
MAX_NUMBER = 2**31 - 1


def whole_number(raw: str | None, least: int = 0, most: int = MAX_NUMBER) -> int | None:
    """``raw`` as an integer in ``least..most``, else ``None``.

    ``str.isdigit`` is not enough: it accepts ``²`` and other digits ``int`` refuses, and a
    twenty-digit number overflows the database's integer column: both used to answer 500.
    """
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if least <= value <= most else None


#: How deeply a request body may nest objects and arrays. No form is deeper than a few levels;
#: a draft 500 deep used to crash every list that masked it, 100k deep the JSON parser itself.
MAX_DEPTH = 32


class UnreadableJson(ValueError):
    """A body that is no JSON we store: not JSON, too deep, or a number JSON cannot carry."""


def _no_constant(name: str) -> Any:
    raise UnreadableJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise UnreadableJson(f"{text[:20]} is out of range")
    return value


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting(text: str) -> int:
    """The deepest nesting of brackets outside strings, counted without recursion."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def strict_loads(data: bytes) -> Any:
    """A body as JSON, refusing what a store cannot keep faithfully: ``NaN``/``Infinity``
    (not JSON; they came back as themselves), numbers out of a double's range (``1e400``
    became ``Infinity``), and nesting deeper than ``MAX_DEPTH``.

    orjson reads it where it can (``kernel/jsontext.py``), and its depth is checked after; what
    orjson refuses is read by ``json`` with the hooks and the depth checked before parsing,
    which word the reason."""
    value = jsontext.loads(data, _strict_json)
    # Fewer brackets than the limit cannot nest past it: most bodies need no walk at all.
    brackets = data.count(b"{") + data.count(b"[")
    if brackets > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise UnreadableJson(f"nested deeper than {MAX_DEPTH} levels")
    return value


def _strict_json(text: str) -> Any:
    if nesting(text) > MAX_DEPTH:
        raise UnreadableJson(f"nested deeper than {MAX_DEPTH} levels")
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest deeper than ``limit`` in ``value``, level by level
    (no recursion: the value may be as deep as orjson reads)."""
    level, depth = [value], 0
    while containers := [item for item in level if isinstance(item, dict | list)]:
        depth += 1
        if depth > limit:
            return True
        level = [
            c for item in containers for c in (item.values() if isinstance(item, dict) else item)
        ]
    return False


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or a 400 that says so in both languages."""
    try:
        body = strict_loads(await request.read())
    except UnreadableJson as exc:
        raise field_error(
            "/",
            "request.json",
            f"请求体不是可保存的JSON（嵌套不超过{MAX_DEPTH}层，数值须为有限数）",
            f"The body is not storable JSON: {exc}",
        ) from None
    except (ValueError, RecursionError):
        raise field_error(
            "/", "request.json", "请求体不是有效的JSON", "The body is not valid JSON"
        ) from None
    if not isinstance(body, dict):
        raise field_error("/", "request.object", "请求体应为JSON对象", "The body must be an object")
    if (where := _unstorable(body, "")) is not None:
        raise field_error(
            where or "/",
            "request.text",
            "文本中含有无法保存的字符（空字符或不成对的代理字符）",
            "The text holds a character that cannot be stored (NUL or a lone surrogate)",
        )
    return body


def _unstorable(value: Any, pointer: str) -> str | None:
    """Where a string (key or value) holds what no database text column takes: ``\\u0000``
    (PostgreSQL refuses it in text and JSON) or half of a surrogate pair (not UTF-8)."""
    if isinstance(value, str):
        return pointer if not storable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            if not storable(key):
                return here
            if (found := _unstorable(item, here)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _unstorable(item, f"{pointer}/{index}")) is not None:
                return found
    return None


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def if_match(request: web.Request) -> int:
    """The version the client read: ``If-Match: "3"`` (an ETag) or ``3``."""
    raw = request.headers.get("If-Match")
    if raw is None:
        raise PreconditionRequired("send If-Match with the version you read (the ETag)")
    value = whole_number(raw.strip().removeprefix("W/").strip('"'))
    if value is None:
        raise field_error(
            "/headers/If-Match",
            "request.if-match",
            "If-Match应为版本号",
            "If-Match must be the version number",
        )
    return value


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def page_limit(request: web.Request, default: int = 20, most: int = 100) -> int:
    limit = whole_number(request.query.get("limit", str(default)), 1, most)
    if limit is None:
        raise field_error(
            "/query/limit",
            "request.limit",
            f"每页数量应为1到{most}",
            f"limit must be between 1 and {most}",
        )
    return limit


def cursor(request: web.Request) -> int | None:
    """Keyset pagination: the id after which the next page starts (newest first)."""
    raw = request.query.get("cursor")
    if raw is None:
        return None
    after = whole_number(raw)
    if after is None:
        raise field_error("/query/cursor", "request.cursor", "分页游标无效", "Invalid cursor")
    return after
