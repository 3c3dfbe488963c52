"""Errors a request can end in, each answered as RFC 9457 problem+json in Chinese and English.

Handlers raise these; ``problem_middleware`` turns them into responses, so no handler builds
an error body by hand and every error names its field and rule the same way.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import jsonschema
from aiohttp import web

from .decision import Outcome
from .problem import problem
from .rules.model import Text
from .schema_messages import describe

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400
    code = "bad-request"
    title = Text("请求无效", "Bad request")

    def __init__(self, detail: str = "", violations: Iterable[Outcome] = (), **extra) -> None:
        super().__init__(detail or self.title.en)
        self.detail = detail
        self.violations = list(violations)
        self.extra = extra

    def response(self) -> web.Response:
        return problem(
            self.status,
            self.code,
            self.title.zh,
            self.title.en,
            detail=self.detail or None,
            violations=self.violations,
            **self.extra,
        )


def field_error(field: str, rule: str, zh: str, en: str) -> ApiError:
    """A request field that breaks a rule of the API itself (not of the process)."""
    return BadRequest(
        en, [Outcome(rule=rule, kind="violation", message=Text(zh, en), fields=(field,))]
    )


class BadRequest(ApiError):
    pass


def check_against(schema: Mapping[str, Any], value: Any, prefix: str) -> None:
    """A request part checked against its JSON Schema: every problem, each naming its field
    by the schema's ``title`` (``请填写设置登录密码``, never ``请填写password``)."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    outcomes: list[Outcome] = []
    for error in errors:
        base = prefix + "".join(f"/{p}" for p in error.absolute_path)
        for pointer, _, message in describe(error, base, _titles_in(schema, prefix)):
            outcomes.append(
                Outcome(
                    rule="request.schema",
                    kind="violation",
                    message=message,
                    fields=(pointer or "/",),
                )
            )
    raise BadRequest(f"{prefix or '/'} is not valid", outcomes)


def _titles_in(schema: Mapping[str, Any], prefix: str) -> Callable[[str], Text | None]:
    """The title of the property at a pointer, following ``properties`` and ``items`` of an
    inline schema (a ``then`` that requires a field does not repeat its title)."""

    def title_of(pointer: str) -> Text | None:
        node: Any = schema
        for part in pointer.removeprefix(prefix).split("/")[1:]:
            if not isinstance(node, Mapping):
                return None
            node = node.get("items") if part.isdigit() else (node.get("properties") or {}).get(part)
        if not isinstance(node, Mapping) or not node.get("title"):
            return None
        return Text(node["title"], node.get("x-title-en") or node["title"])

    return title_of


class Unauthorized(ApiError):
    status, code, title = 401, "unauthorized", Text("请先登录", "Log in first")


class Forbidden(ApiError):
    status, code, title = 403, "forbidden", Text("没有权限办理该事项", "Not allowed")


class NotFound(ApiError):
    status, code, title = 404, "not-found", Text("未找到", "Not found")


class Conflict(ApiError):
    status, code, title = (
        409,
        "conflict",
        Text("数据已被修改，请刷新后重试", "Changed by someone else: reload and try again"),
    )


class WrongState(Conflict):
    """Not a lost race: the step does not start from the state the subject is in."""

    code = "wrong-state"
    title = Text("申请当前所处状态不能进行此操作", "This step cannot be taken in the current state")


class PreconditionRequired(ApiError):
    status, code, title = (
        428,
        "precondition-required",
        Text("请在If-Match中提供版本号", "Send the version in If-Match"),
    )


class Unprocessable(ApiError):
    status, code, title = (
        422,
        "violations",
        Text("提交的内容不符合要求，请按以下提示修改", "The submission breaks the rules listed"),
    )


class TooManyRequests(ApiError):
    status, code, title = (
        429,
        "too-many-requests",
        Text("尝试次数过多，请稍后再试", "Too many attempts: try again later"),
    )


class ServiceUnavailable(ApiError):
    status, code, title = (
        503,
        "database-unavailable",
        Text(
            "数据库暂不可用，请求未保存，请稍后重试",
            "The database is unavailable: nothing was saved",
        ),
    )


#: Words of the drivers' errors that mean the database cannot take writes at all.
_UNAVAILABLE = (
    "readonly",
    "read-only",
    "unable to open",
    "disk i/o",
    "no such table",
    "connection is closed",  # asyncpg: the server closed the connection under a query
    "pool is closing",
)
#: SQLSTATE classes (PostgreSQL) that say the database, not the request, is at fault:
#: connection exceptions, authorization (the role gone), the database gone (3D), operator
#: intervention (terminated, shutting down, not accepting connections), out of resources.
_UNAVAILABLE_CLASSES = ("08", "28", "3D", "53", "57P")
#: And single states: a read-only transaction (a standby), a database that refuses new
#: connections (``ALLOW_CONNECTIONS false``), the connect privilege revoked.
_UNAVAILABLE_STATES = {"25006": "", "55000": "accepting connections", "42501": "for database"}


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unusable (not that this request was wrong).

    The whole chain is looked at: tortoise wraps some of asyncpg's errors and lets others (a
    failed reconnect from its pool) through as they are.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _unavailable_one(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _unavailable_one(exc: BaseException) -> bool:
    from tortoise.exceptions import DBConnectionError, OperationalError

    from .db.database import DatabaseUnavailable

    if isinstance(exc, DatabaseUnavailable | DBConnectionError | ConnectionError):
        return True
    if isinstance(exc, socket.gaierror):  # the database's host name does not resolve
        return True
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        if state.startswith(_UNAVAILABLE_CLASSES):
            return True
        if state in _UNAVAILABLE_STATES:
            return _UNAVAILABLE_STATES[state] in str(exc).lower()
    if type(exc).__module__.startswith("asyncpg") or isinstance(exc, OperationalError):
        return any(w in str(exc).lower() for w in _UNAVAILABLE)
    return False


class PayloadTooLarge(ApiError):
    status, code, title = 413, "too-large", Text("提交的内容过大", "The request is too large")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPRequestEntityTooLarge:
        from .keys import CONFIG  # errors is imported by what keys imports

        return PayloadTooLarge(f"at most {request.app[CONFIG].max_body_bytes} bytes").response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        zh = _HTTP_TITLES_ZH.get(exc.status, exc.reason)
        response = problem(exc.status, f"http-{exc.status}", zh, exc.reason)
        if isinstance(exc, web.HTTPMethodNotAllowed):  # RFC 9110: a 405 says what is allowed
            response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        return response
    except Exception as exc:
        if unavailable(exc):
            log.error("%s %s: the database is unavailable: %s", request.method, request.path, exc)
            return ServiceUnavailable(str(exc)[:200]).response()
        # A bug or a crash half-way: a transaction it interrupted is rolled back already; the
        # client learns only that, in both languages, and the log holds the traceback (with the
        # request id the answer carries in its header).
        log.exception("%s %s failed", request.method, request.path)
        return problem(
            500,
            "internal",
            "服务内部错误，请求未完成，请稍后重试",
            "Internal error: the request did not complete; try again later",
        )


_HTTP_TITLES_ZH = {
    404: "未找到",
    405: "不支持该请求方法",
    406: "无法提供所要求的格式",
    415: "不支持该内容类型",
}
