"""The generic HTTP resources of the kernel: processes, dry-run validation, rules, health."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from tortoise import connections

from .. import auth
from ..core import Kernel, UnknownName
from ..db import database as dbconf
from ..keys import CONFIG, KERNEL
from ..problem import bad_request, problem
from ..rules.facts import FactError
from .http import json_response, strict_loads

routes = web.RouteTableDef()


async def _database_reachable(url: str) -> bool:
    """The database answers and takes writes: a worker whose database is unreachable,
    read-only or deleted under it should leave the pool.

    The write probe is an UPDATE that matches no row: it needs the write lock (a read-only
    SQLite file or a PostgreSQL standby refuses it) and changes nothing.
    """
    if dbconf.sqlite_file_gone(url):
        return False
    try:
        conn = connections.get("default")
        await conn.execute_query("SELECT 1")
        await conn.execute_query('UPDATE throttle_window SET "count" = "count" WHERE 1 = 0')
    except Exception:  # whatever the driver raises, the answer is the same: not reachable
        return False
    return True


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness for the load balancer: database reachable, rules loaded, reload errors."""
    kernel = request.app[KERNEL]
    database = await _database_reachable(dbconf.database_url_of(request.app[CONFIG]))
    errors = {
        path: [p.as_dict() for p in problems] for path, problems in kernel.rules.errors.items()
    }
    last = kernel.rules.last_refresh
    return json_response(
        {
            "status": "ok" if database else "degraded",
            "database": "ok" if database else "unreachable",
            "rulesets": len(kernel.rules.names()),
            "last_reload": last.isoformat() if last else None,
            "reload_errors": errors,
            # Which implementation each outside service uses (``local`` ones stand in).
            "adapters": kernel.adapter_choices,
        },
        status=200 if database else 503,
    )


@routes.get("/api/processes")
async def list_processes(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    return json_response(
        {
            "items": [
                {"name": p.name, "title": p.title.as_dict(), "version": p.version}
                for p in kernel.processes.values()
            ]
        }
    )


@routes.get("/api/processes/{process}")
async def get_process(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    try:
        process = kernel.process(request.match_info["process"])
    except UnknownName as exc:
        return _not_found(str(exc))
    return json_response(process.as_dict())


@routes.post("/api/processes/{process}/validate")
async def validate(request: web.Request) -> web.Response:
    """Dry run: the decision a submission would get now; nothing is stored."""
    kernel: Kernel = request.app[KERNEL]
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    as_of = None
    if "as_of" in body:
        try:
            as_of = dt.date.fromisoformat(str(body["as_of"]))
        except ValueError:
            return bad_request(
                "/as_of",
                "request.as_of",
                "日期格式应为YYYY-MM-DD",
                "as_of must be a date written YYYY-MM-DD",
            )
    try:
        decision = kernel.validate(
            request.match_info["process"],
            body["document"],
            workflow=body.get("workflow"),
            matter=body.get("matter"),
            transition=body.get("transition"),
            context=body.get("context") or {},
            as_of=as_of,
        )
    except UnknownName as exc:
        return _not_found(str(exc))
    except FactError as exc:
        return bad_request(exc.pointer, "request.fact", "提交的数据无法校验", str(exc))
    return json_response(decision.as_dict())


async def _body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = strict_loads(await request.read())
    except (ValueError, RecursionError):
        return bad_request(
            "/", "request.json", "请求体不是有效的JSON", "The body is not valid JSON"
        )
    if not isinstance(body, dict) or not isinstance(body.get("document"), dict):
        return bad_request(
            "/document",
            "request.document",
            "请提供document对象",
            "The body needs a 'document' object",
        )
    if not isinstance(body.get("context", {}), dict):
        return bad_request(
            "/context", "request.context", "context应为对象", "'context' must be an object"
        )
    for key in ("workflow", "matter", "transition"):  # names: a list here used to answer 500
        if not isinstance(body.get(key, ""), str | None):
            return bad_request(
                f"/{key}", "request.string", f"{key}应为文本", f"'{key}' must be a string"
            )
    return body


@routes.get("/api/rules")
async def list_rules(request: web.Request) -> web.Response:
    auth.require_staff(request)
    book = request.app[KERNEL].rules
    items = []
    for name in book.names():
        loaded = book.get(name)
        items.append(
            {
                "name": name,
                "title": loaded.ruleset.title.as_dict(),
                "version": loaded.version,
                "sha256": loaded.ruleset.sha256,
                "source": loaded.ruleset.path,
                "rules": [r.id for r in loaded.ruleset.rules],
                "history": [h.as_dict() for h in book.history(name)],
            }
        )
    return json_response({"items": items})


def _not_found(detail: str) -> web.Response:
    return problem(404, "not-found", "未找到", "Not found", detail=detail)
