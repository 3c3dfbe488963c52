"""Applications: create a draft, read, save, list, delete material, transitions, history."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import access, auth, workflow
from ..attachments import BlobStore
from ..core import Kernel
from ..db.models import APPLICANT_KINDS, Account, Application, AuditRecord
from ..errors import field_error
from ..idempotency import fingerprint, once
from ..keys import KERNEL
from ..masking import mask
from ..notify.worker import OUTBOX_WAKE
from .http import (
    cursor,
    etag,
    if_match,
    json_object,
    json_response,
    page_limit,
)
from .subjects import actor as actor_of
from .subjects import application_id, open_transition

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


@routes.post("/api/applications")
async def create(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    raw = await request.read()
    body = await json_object(request)
    process = body.get("process")
    if not isinstance(process, str):
        raise field_error("/process", "request.required", "请选择办理的业务", "process is required")
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise field_error("/data", "request.object", "data应为对象", "data must be an object")
    for key in ("workflow", "matter"):  # names: a list here used to answer 500
        if not isinstance(body.get(key), str | None):
            raise field_error(f"/{key}", "request.string", f"{key}应为文本", f"{key} must be text")

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


@routes.get("/api/applications")
async def list_applications(request: web.Request) -> web.Response:
    """Applicants: their own. Reviewers: their queue (filter by process, state, region)."""
    kernel = request.app[KERNEL]
    account = auth.current_account(request)
    limit, after = page_limit(request), cursor(request)
    query = Application.all()
    if account.kind in APPLICANT_KINDS:
        query = query.filter(owner_id=account.id)
    region = request.query["region"].rstrip("0") if "region" in request.query else None
    if account.kind == "reviewer":
        query = _scoped(query, account, request.query.get("process"), region)
    for key in ("process", "state", "workflow", "matter"):
        if key in request.query:
            query = query.filter(**{key: request.query[key]})
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
        prefix = (scope.get("region") or "").rstrip("0") or scope.get("region")
        if prefix and not (region and region.startswith(prefix)):
            clause &= Q(region__startswith=prefix)
        clauses.append(clause)
    return query.filter(Q(*clauses, join_type="OR"))


@routes.get("/api/applications/{id}")
async def read(request: web.Request) -> web.Response:
    account = auth.current_account(request)
    application = await access.readable(account, application_id(request))
    body = await represent(request.app[KERNEL], application, account)
    return json_response(body, headers=etag(application.version))


@routes.put("/api/applications/{id}")
async def save(request: web.Request) -> web.Response:
    actor = actor_of(request)
    application = await access.readable(actor.account, application_id(request))
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
    application = await access.readable(actor.account, application_id(request))
    blobs = BlobStore.of(request.app[KERNEL].config)
    await workflow.delete_material(actor, application, if_match(request), blobs=blobs)
    return web.Response(status=204)


@routes.post("/api/applications/{id}/transitions/{name}")
async def take_transition(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await access.readable(actor.account, application_id(request))
    version = if_match(request)
    body = await json_object(request) if request.can_read_body else {}
    reply = body.get("reply")
    if reply is not None and not isinstance(reply, str):
        raise field_error("/reply", "request.string", "答复意见应为文本", "reply must be text")
    moved, decision = await workflow.transition(
        kernel, actor, application, request.match_info["name"], if_match=version, reply=reply
    )
    if (wake := request.app.get(OUTBOX_WAKE)) is not None:
        wake.set()  # its notifications are committed: send them now, not at the next poll
    result = {
        "application": await represent(kernel, moved, actor.account),
        "decision": decision.as_dict(),
    }
    return json_response(result, headers=etag(moved.version))


@routes.post("/api/applications/{id}/validate")
async def validate_stored(request: web.Request) -> web.Response:
    """Dry run of a transition on the stored document, with the server's own context."""
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await access.readable(actor.account, application_id(request))
    step = open_transition(kernel, application, request.query.get("transition"))
    decision = await workflow.evaluate(kernel, actor, application, step)
    return json_response(decision.as_dict())


@routes.get("/api/applications/{id}/history")
async def history(request: web.Request) -> web.Response:
    account = auth.current_account(request)
    application = await access.readable(account, application_id(request))
    records = (
        await AuditRecord.filter(application_id=application.id)
        .order_by("seq")
        .prefetch_related("actor")
    )
    return json_response(
        {
            "items": [
                {
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "action": r.action,
                    "actor": r.actor.display_name,
                    "transition": r.transition,
                    "from": r.from_state,
                    "to": r.to_state,
                    "reply": r.reply,
                    "decision": r.decision,
                }
                for r in records
            ]
        }
    )
