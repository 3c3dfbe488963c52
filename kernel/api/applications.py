"""Applications: create a draft, read, save, list, delete material, transitions, history."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from tortoise.transactions import in_transaction

from .. import access, agreements, auth, captcha, workflow
from ..attachments import BlobStore
from ..contract import Lookup
from ..core import Kernel, UnknownName
from ..db.models import APPLICANT_KINDS, Account, Application
from ..errors import ApiError, Conflict, Unauthorized, check_against, field_error
from ..idempotency import fingerprint, once
from ..keys import JOBS_WAKE, KERNEL
from ..masking import mask
from ..notify.worker import OUTBOX_WAKE
from ..throttle import client_address
from ..visitors import new_visitor
from .http import (
    cursor,
    etag,
    if_match,
    json_object,
    json_response,
    page_limit,
    storable,
)
from .subjects import actor as actor_of
from .subjects import application_id, open_transition, readable

routes = web.RouteTableDef()


async def represent(
    kernel: Kernel,
    application: Application,
    account: Account,
    *,
    full: bool = True,
    owner: Account | None = None,
) -> dict[str, Any]:
    """An application as its reader may see it, with the transitions open to that reader.

    ``owner``: the owner's account when the caller has it (a list fetches a page's in one go).
    """
    process = kernel.process(application.process)
    wf = process.workflows[application.workflow]
    state = wf.state(application.state)
    owner = owner or await Account.get(id=application.owner_id)
    open_steps = [
        {"name": t.name, "title": t.title.as_dict(), "reply": t.reply}
        for t in wf.leaving(application.state)
        if set(account.roles) & set(t.roles)
    ]
    body = {
        "id": application.id,
        "process": application.process,
        "workflow": application.workflow,
        "matter": application.matter,
        "state": application.state,
        "state_title": state.title.as_dict(),
        "version": application.version,
        "owner": {"id": owner.id, "display_name": owner.display_name},
        "region": application.region,
        "created_at": application.created_at.isoformat(),
        "updated_at": application.updated_at.isoformat(),
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
        "transitions": open_steps,
        "data": application.data,
    }
    return body if full else mask(body)


def _creating(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    process = body.get("process")
    if not isinstance(process, str):
        raise field_error("/process", "request.required", "请选择办理的业务", "process is required")
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise field_error("/data", "request.object", "data应为对象", "data must be an object")
    for key in ("workflow", "matter"):  # names: a list here used to answer 500
        if not isinstance(body.get(key), str | None):
            raise field_error(f"/{key}", "request.string", f"{key}应为文本", f"{key} must be text")
    return process, data


@routes.post("/api/applications")
async def create(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    raw = await request.read()
    body = await json_object(request)
    process, data = _creating(body)
    if request.get(auth.ACCOUNT) is None:
        return await _create_as_visitor(request, kernel, body, process, data)
    actor = actor_of(request)
    if process in kernel.processes:
        await agreements.check(actor.account, kernel.processes[process])

    async def work() -> tuple[int, dict[str, Any]]:
        application = await workflow.create(
            kernel,
            actor,
            process,
            workflow=body.get("workflow"),
            matter=body.get("matter"),
            data=data,
        )
        return 201, await represent(kernel, application, actor.account)

    status, result, replayed = await once(
        actor.account,
        request.headers.get("Idempotency-Key"),
        fingerprint(request.method, request.path, raw),
        work,
    )
    headers = {**etag(result["version"]), "Location": f"/api/applications/{result['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(result, status=status, headers=headers)


async def _create_as_visitor(
    request: web.Request, kernel: Kernel, body: dict[str, Any], process: str, data: dict
) -> web.Response:
    """A public entry workflow started without an account, behind a captcha (one use).

    Answers, once, the token that reaches the new subject: it is stored only hashed.
    """
    try:
        wf = kernel.process(process).workflows.get(body.get("workflow") or "")
    except UnknownName:
        wf = None
    if wf is None or not wf.public:
        raise Unauthorized("log in first: only a public entry workflow starts without an account")
    answer = body.get("captcha") if isinstance(body.get("captcha"), dict) else {}
    await captcha.check(answer.get("id"), answer.get("answer"), client_address(request))
    async with in_transaction():
        account, token = await new_visitor()
        application = await workflow.create(
            kernel,
            workflow.Actor(account, "visitor"),
            process,
            workflow=wf.name,
            matter=None,
            data=data,
        )
    result = await represent(kernel, application, account)
    headers = {**etag(application.version), "Location": f"/api/applications/{application.id}"}
    return json_response({**result, "access_token": token}, status=201, headers=headers)


@routes.get("/api/applications")
async def list_applications(request: web.Request) -> web.Response:
    """Applicants: their own. Reviewers: their queue (filter by process, state, region)."""
    kernel = request.app[KERNEL]
    account = auth.current_account(request)
    limit, after = page_limit(request), cursor(request)
    query = Application.filter(deleted_at=None)
    if account.kind in APPLICANT_KINDS:
        await agreements.check_all(kernel, account)
        query = query.filter(owner_id=account.id)
    filters = _list_filters(request)
    region = access.region_prefix(filters.pop("region")) if "region" in filters else None
    if account.kind == "reviewer":
        query = _scoped(query, account, filters.get("process"), region)
        query = query.filter(submitted_at__isnull=False)  # drafts are the applicants' own
    for key, value in filters.items():
        query = query.filter(**{key: value})
    if region is not None:
        query = query.filter(region__startswith=region)
    if after is not None:
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(limit + 1)
    page = rows[:limit]
    owners = {o.id: o for o in await Account.filter(id__in={a.owner_id for a in page})}
    items = [
        await represent(kernel, a, account, full=False, owner=owners[a.owner_id]) for a in page
    ]
    return json_response(
        {"items": items, "next_cursor": rows[limit - 1].id if len(rows) > limit else None}
    )


#: The list's filters and the longest value each takes (the columns' lengths: a longer value
#: used to reach PostgreSQL and answer 500).
LIST_FILTERS = {"process": 64, "state": 64, "workflow": 64, "matter": 64, "region": 6}


def _list_filters(request: web.Request) -> dict[str, str]:
    """The filters asked for, each checked: a name of at most 64 characters, a region that is
    a division code (a free-text prefix is how a region filter reached other regions)."""
    found: dict[str, str] = {}
    for key, most in LIST_FILTERS.items():
        if key not in request.query:
            continue
        value = request.query[key]
        if key == "region":
            if access.division_code(value) is None:
                raise field_error(
                    "/query/region",
                    "request.region",
                    "地区应为六位行政区划代码",
                    "region must be a six-digit administrative division code",
                )
        elif not value or len(value) > most or not storable(value):
            raise field_error(
                f"/query/{key}",
                "request.filter",
                f"筛选条件应为1到{most}个字符",
                f"{key} must be 1 to {most} characters",
            )
        found[key] = value
    return found


def _scoped(query, account: Account, process: str | None, region: str | None = None):
    """The reviewer's scopes as one OR; ``region``: the prefix the request filters on anyway.

    A scope's region prefix that the requested one already implies (110000 → 11 when the
    request asks for 110105) is left out: PostgreSQL multiplies the two LIKEs' selectivities as
    if independent, underestimates the rows tenfold and chose a scan of the whole table for
    the first page of a district's queue (benchmarks/data_scale.py).
    """
    from tortoise.expressions import Q

    scopes = [s for s in account.scopes if not process or s.get("process") in (process, "*")]
    if not scopes:
        return query.filter(id=-1)
    clauses = []
    for scope in scopes:
        clause = Q() if scope.get("process") == "*" else Q(process=scope["process"])
        if scope.get("region") and access.division_code(scope["region"]) is None:
            continue  # a scope region that is no division covers nothing
        prefix = access.region_prefix(scope.get("region") or "")
        if prefix and not (region and region.startswith(prefix)):
            clause &= Q(region__startswith=prefix)
        clauses.append(clause)
    if not clauses:
        return query.filter(id=-1)
    return query.filter(Q(*clauses, join_type="OR"))


@routes.get("/api/applications/{id}")
async def read(request: web.Request) -> web.Response:
    account = auth.current_account(request)
    application = await readable(request, account, application_id(request))
    body = await represent(request.app[KERNEL], application, account)
    return json_response(body, headers=etag(application.version))


@routes.put("/api/applications/{id}")
async def save(request: web.Request) -> web.Response:
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    version = if_match(request)
    body = await json_object(request)
    data = body.get("data")
    if not isinstance(data, dict):
        raise field_error("/data", "request.object", "data应为对象", "data must be an object")
    saved = await workflow.save(request.app[KERNEL], actor, application, data, version)
    result = await represent(request.app[KERNEL], saved, actor.account)
    return json_response(result, headers=etag(saved.version))


@routes.delete("/api/applications/{id}")
async def delete_material(request: web.Request) -> web.Response:
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    blobs = BlobStore.of(request.app[KERNEL].config)
    kernel = request.app[KERNEL]
    kept = await workflow.delete_material(
        kernel, actor, application, if_match(request), blobs=blobs
    )
    if kept is None:  # a draft never submitted: gone
        return web.Response(status=204)
    body = await represent(kernel, kept, actor.account)
    return json_response(body, headers=etag(kept.version))


@routes.post("/api/applications/{id}/transitions/{name}")
async def take_transition(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    version = if_match(request)
    reply, input = await _step_body(request)
    moved, decision, effects = await workflow.transition(
        kernel,
        actor,
        application,
        request.match_info["name"],
        if_match=version,
        reply=reply,
        input=input,
    )
    _wake(request)
    result = {
        "application": await represent(kernel, moved, actor.account),
        "decision": decision.as_dict(),
    }
    if effects:
        result["effects"] = effects
    return json_response(result, headers=etag(moved.version))


async def _step_body(request: web.Request) -> tuple[str | None, dict[str, Any] | None]:
    """A transition's ``reply`` text and its declared ``input`` fields."""
    body = await json_object(request) if request.can_read_body else {}
    reply, input = body.get("reply"), body.get("input")
    if reply is not None and not isinstance(reply, str):
        raise field_error("/reply", "request.string", "答复意见应为文本", "reply must be text")
    if input is not None and not isinstance(input, dict):
        raise field_error("/input", "request.object", "input应为对象", "input must be an object")
    return reply, input


def _wake(request: web.Request) -> None:
    """Committed notifications and jobs: send and run them now, not at the next poll."""
    for key in (OUTBOX_WAKE, JOBS_WAKE):
        if (event := request.app.get(key)) is not None:
            event.set()


#: The most subjects one batch request may move.
BATCH_LIMIT = 200


@routes.post("/api/batch/transitions/{name}")
async def batch_transition(request: web.Request) -> web.Response:
    """Take one transition on many subjects; each item is atomic on its own.

    Body ``{"items": [{"id", "version"}], "reply", "input"}``. The answer has one result per
    item, in order: its new state, or the problem that refused it (a refusal undoes no other).
    """
    actor = actor_of(request)
    body = await json_object(request)
    check_against(BATCH_BODY, body, "")
    reply, input = body.get("reply"), body.get("input")
    name = request.match_info["name"]
    results = [
        await _batch_item(request, actor, item, name, reply, input) for item in body["items"]
    ]
    _wake(request)
    return json_response({"results": results})


BATCH_BODY = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": BATCH_LIMIT,
            "items": {
                "type": "object",
                "required": ["id", "version"],
                "properties": {
                    "id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                },
            },
        },
        "reply": {"type": "string"},
        "input": {"type": "object"},
    },
}


async def _batch_item(request, actor, item, name, reply, input) -> dict[str, Any]:
    async def batch_only(application: Application) -> None:
        step = request.app[KERNEL].process(application.process).workflows[application.workflow]
        if not any(t.name == name and t.batch for t in step.transitions):
            raise Conflict(f"'{name}' is not a batch transition of {application.workflow}")

    return await step_result(
        request, actor, item["id"], name, item["version"], reply, input, check=batch_only
    )


async def step_result(
    request: web.Request,
    actor: workflow.Actor,
    subject_id: int,
    name: str,
    version: int,
    reply: str | None,
    input: dict[str, Any] | None,
    *,
    check=None,
) -> dict[str, Any]:
    """One guarded transition as one result: the subject moved, or the problem that refused it
    (raised as nothing, so a batch goes on with its next item)."""
    kernel = request.app[KERNEL]
    try:
        application = await readable(request, actor.account, subject_id)
        if check is not None:
            await check(application)
        moved, decision, effects = await workflow.transition(
            kernel, actor, application, name, if_match=version, reply=reply, input=input
        )
    except ApiError as exc:
        return {"id": subject_id, "status": exc.status, "problem": json.loads(exc.response().text)}
    return {
        "id": subject_id,
        "status": 200,
        "application": await represent(kernel, moved, actor.account),
        "decision": decision.as_dict(),
        **({"effects": effects} if effects else {}),
    }


@routes.post("/api/applications/{id}/validate")
async def validate_stored(request: web.Request) -> web.Response:
    """Dry run of a transition on the stored document, with the server's own context."""
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    step = open_transition(kernel, application, request.query.get("transition"))
    decision = await workflow.evaluate(kernel, actor, application, step)
    return json_response(decision.as_dict())


@routes.get("/api/applications/{id}/history")
async def history(request: web.Request) -> web.Response:
    account = auth.current_account(request)
    application = await readable(request, account, application_id(request))
    trail = await Lookup().trail(application.id, decisions=True)
    return json_response({"items": trail})
