"""RFC 9457 problem details, in Chinese and English, with the decision's violations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from . import jsontext
from .decision import Outcome
from .rules.model import Text

CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    code: str,
    title_zh: str,
    title_en: str,
    *,
    detail: str | None = None,
    violations: Iterable[Outcome] = (),
    **extra: Any,
) -> web.Response:
    body = {
        "type": f"https://govflow.local/problems/{code}",
        "title": title_en,
        "title_zh": title_zh,
        "status": status,
        **({"detail": detail} if detail else {}),
        "violations": [v.as_dict() for v in violations],
        **extra,
    }
    return web.Response(
        status=status,
        body=jsontext.dumps(body),
        content_type=CONTENT_TYPE,
        charset="utf-8",
    )


def bad_request(field: str, code: str, zh: str, en: str) -> web.Response:
    """A request the API cannot read, naming the field and the rule it broke."""
    violation = Outcome(rule=code, kind="violation", message=Text(zh, en), fields=(field,))
    return problem(400, code, "请求无效", "Bad request", detail=en, violations=[violation])
