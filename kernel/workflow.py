"""Running a process's workflow: drafts, saves and guarded transitions, safely.

A transition checks, in order: the actor's role and ownership, the state it starts from, the
document against its schema, then the rulesets guarding it. Only when all pass does one database
transaction change the state, bump the version, append the audit record with the decision and
queue the notifications. Every write names the version it read (``If-Match``); a stale version
finds no row to update and answers 409, so two reviewers can never both act on one state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from . import access, clock
from .core import Kernel, UnknownName
from .db.models import APPLICANT_KINDS, Account, Agreement, Application, Attachment, AuditRecord
from .decision import Decision, Outcome
from .errors import Conflict, Forbidden, NotFound, Unprocessable
from .notify.outbox import transition_messages
from .process import Process, Transition, Workflow
from .rules.facts import FactError
from .rules.model import Text

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from .attachments import BlobStore


@dataclass(frozen=True)
class Actor:
    """The account acting, and how it logged in (some rules ask, e.g. QR-image login)."""

    account: Account
    login_method: str = "password"


def _workflow(kernel: Kernel, application: Application) -> tuple[Process, Workflow]:
    process = kernel.process(application.process)
    return process, process.workflows[application.workflow]


def _offline(matter_title: Text) -> Outcome:
    return Outcome(
        rule="matter.offline",
        kind="requirement",
        requirement="in_person",
        message=Text(
            f"{matter_title.zh}需要现场办理，不能在网上申请",
            f"{matter_title.en} must be handled in person, not online",
        ),
        fields=("/matter",),
    )


async def create(
    kernel: Kernel,
    actor: Actor,
    process_name: str,
    *,
    workflow: str | None,
    matter: str | None,
    data: Mapping[str, Any],
) -> Application:
    """A new subject in its workflow's initial state, owned by the actor."""
    try:
        process = kernel.process(process_name)
    except UnknownName as exc:  # a name the client sent: 404, not a server error
        raise NotFound(str(exc)) from None
    if matter is not None:
        found = next((m for m in process.matters if m.name == matter), None)
        if found is None:
            raise NotFound(f"process '{process.name}' has no matter '{matter}'")
        if not found.online:
            raise Unprocessable(f"{matter} is handled in person", [_offline(found.title)])
        workflow = workflow or found.workflow
    workflow = workflow or next(iter(process.workflows))
    if workflow not in process.workflows:
        raise NotFound(f"process '{process.name}' has no workflow '{workflow}'")
    wf = process.workflows[workflow]
    starts = wf.leaving(wf.initial.name)
    if actor.account.kind not in APPLICANT_KINDS or not any(
        set(actor.account.roles) & set(t.roles) for t in starts
    ):
        raise Forbidden(f"this account cannot start a '{workflow}' in '{process.name}'")
    async with in_transaction() as conn:
        application = await Application.create(
            process=process.name,
            workflow=workflow,
            matter=matter,
            state=wf.initial.name,
            data=dict(data),
            owner=actor.account,
            region=actor.account.region,
            using_db=conn,
        )
        await AuditRecord.create(
            application=application,
            seq=1,
            actor=actor.account,
            action="create",
            to_state=wf.initial.name,
            using_db=conn,
        )
    return application


class MaterialLocked(Conflict):
    title = Text(
        "申报材料已在审核中，当前状态下不能修改申报信息和附件",
        "The material is being reviewed: its data and attachments cannot change in this state",
    )


def check_open(kernel: Kernel, application: Application, roles: Iterable[str]) -> None:
    """Material changes only in a state the applicant can still act from (draft, returned)."""
    wf = kernel.process(application.process).workflows[application.workflow]
    if not any(set(roles) & set(t.roles) for t in wf.leaving(application.state)):
        state = wf.state(application.state)
        raise MaterialLocked(
            f"the application is {application.state} ({state.title.zh}): "
            "its data and attachments can change again only when it is back with the applicant"
        )


async def check_may_change(kernel: Kernel, actor: Actor, application: Application) -> None:
    """Saving and attaching: the applicant's side, while the application is with it."""
    await access.check_may_edit(actor.account, application)
    check_open(kernel, application, actor.account.roles)


async def save(
    kernel: Kernel,
    actor: Actor,
    application: Application,
    data: Mapping[str, Any],
    if_match: int,
) -> Application:
    """暂存: keep the draft as typed; it is checked in full when it is submitted.

    Only while the application is with the applicant: once submitted, what the reviewer reads
    is what was submitted, until it comes back.
    """
    await check_may_change(kernel, actor, application)
    await _bump(application, if_match, actor, action="save", data=dict(data))
    return application


async def delete_material(
    actor: Actor, application: Application, if_match: int, *, blobs: BlobStore
) -> None:
    """删除申报材料: only a draft never submitted, with every file attached to it.

    Files go only after the rows are gone for good (a rolled-back delete keeps them), and a
    file another attachment still uses stays.
    """
    await access.check_may_edit(actor.account, application)
    if application.submitted_at is not None:
        raise Conflict("an application that was submitted keeps its material and history")
    async with in_transaction() as conn:
        attached = Attachment.filter(application_id=application.id).using_db(conn)
        shas = await attached.values_list("blob_id", flat=True)
        await attached.delete()
        deleted = (
            await Application.filter(id=application.id, version=if_match).using_db(conn).delete()
        )
        if not deleted:
            raise Conflict(f"version {if_match} is not the current version")
    await blobs.release(shas)


async def change_attachments(
    actor: Actor,
    application: Application,
    if_match: int,
    *,
    action: str,
    write: Callable[[BaseDBAsyncClient], Awaitable[Any]],
) -> Any:
    """上传附件 / 删除附件: ``write`` changes the rows in the transaction of the version bump.

    So an attachment appears, is replaced or goes only together with its audit record, and a
    stale ``If-Match`` leaves every row as it was. Returns what ``write`` returns.
    """
    await access.check_may_edit(actor.account, application)
    return await _bump(application, if_match, actor, action=action, within=write)


async def evaluate(
    kernel: Kernel, actor: Actor, application: Application, transition: Transition
) -> Decision:
    """Schema, then the guarding rulesets, with the facts the kernel and plugins derive."""
    process, wf = _workflow(kernel, application)
    context = await server_context(actor, application, transition, process.context)
    try:
        return kernel.validate(
            process.name,
            application.data,
            workflow=wf.name,
            matter=application.matter,
            transition=transition.name,
            context=context,
        )
    except FactError as exc:
        raise Unprocessable(str(exc)) from None


async def server_context(
    actor: Actor, application: Application, transition: Transition, wanted: Iterable[str] = ()
) -> dict[str, Any]:
    """What the rules may know beyond the document — from the database, never the client.

    ``other_applications`` (the owner's other applications of the process, each its data with
    ``id``, ``workflow``, ``matter`` and ``state``) only for a process that asks for it in its
    manifest: it grows with the owner's applications, and most processes never look.
    """
    owner = await Account.get(id=application.owner_id)
    attachments = await Attachment.filter(application_id=application.id).values_list(
        "type", flat=True
    )
    agreements = await Agreement.filter(account_id=owner.id).order_by("agreed_at")
    context: dict[str, Any] = {}
    if "other_applications" in wanted:
        others = (
            await Application.filter(owner_id=owner.id, process=application.process)
            .exclude(id=application.id)
            .values("id", "workflow", "matter", "state", "data")
        )
        context["other_applications"] = [{**o.pop("data"), **o} for o in others]
    return context | {
        "transition": transition.name,
        "state": application.state,
        "actor": {
            "kind": actor.account.kind,
            "roles": actor.account.roles,
            "username": actor.account.username,
        },
        "owner": {
            "kind": owner.kind,
            "username": owner.username,
            "display_name": owner.display_name,
            "region": owner.region,
            **owner.profile,
        },
        "login_method": actor.login_method,
        "attachments": sorted(set(attachments)),
        "agreements": {
            a.text_id: {"version": a.version, "agreed_at": a.agreed_at.isoformat()}
            for a in agreements
        },
    }


async def transition(
    kernel: Kernel,
    actor: Actor,
    application: Application,
    name: str,
    *,
    if_match: int,
    reply: str | None = None,
) -> tuple[Application, Decision]:
    """Take transition ``name``; refuse with every reason at once, or change state atomically."""
    process, wf = _workflow(kernel, application)
    step = next((t for t in wf.transitions if t.name == name), None)
    if step is None:
        raise NotFound(f"workflow '{wf.name}' has no transition '{name}'")
    await access.check_may_act(actor.account, application, step)
    if application.state not in step.source:
        raise Conflict(
            f"'{name}' starts from {', '.join(step.source)}; the application is "
            f"{application.state} ({wf.state(application.state).title.zh})"
        )
    if application.version != if_match:
        raise Conflict(f"version {if_match} is not the current version {application.version}")
    if step.reply == "required" and not (reply or "").strip():
        raise Unprocessable("a reply text is required", [_reply_required()])
    decision = await evaluate(kernel, actor, application, step)
    if not decision.ok:
        raise Unprocessable(
            "the submission breaks rules", decision.blocking, decision=decision.as_dict()
        )
    messages = await transition_messages(kernel.pm, process, wf, step, application, reply)
    await _bump(
        application,
        if_match,
        actor,
        action="transition",
        state=step.target,
        transition=step.name,
        reply=reply,
        decision=decision,
        messages=messages,
    )
    kernel.metrics.transition(process.name, step.name)
    return application, decision


def _reply_required() -> Outcome:
    return Outcome(
        rule="transition.reply-required",
        kind="violation",
        fields=("/reply",),
        message=Text("请填写答复意见", "Write the reply to the applicant"),
    )


async def _bump(
    application: Application,
    if_match: int,
    actor: Actor,
    *,
    action: str,
    data: dict[str, Any] | None = None,
    state: str | None = None,
    transition: str | None = None,
    reply: str | None = None,
    decision: Decision | None = None,
    messages=(),
    within: Callable[[BaseDBAsyncClient], Awaitable[Any]] | None = None,
) -> Any:
    """One atomic write: the guarded update, the audit record, the outbox rows, ``within``.

    Afterwards ``application`` holds what this write stored. Read back after the commit, it
    could be another writer's newer version, and its ETag would let this client overwrite it.
    """
    changes: dict[str, Any] = {"version": if_match + 1, "updated_at": clock.now()}
    if data is not None:
        changes["data"] = data
    if state is not None:
        changes["state"] = state
        if application.submitted_at is None and actor.account.id == application.owner_id:
            changes["submitted_at"] = clock.now()
    async with in_transaction() as conn:
        updated = (
            await Application.filter(id=application.id, version=if_match)
            .using_db(conn)
            .update(**changes)
        )
        if not updated:
            raise Conflict(f"version {if_match} is not the current version")
        await AuditRecord.create(
            application_id=application.id,
            seq=if_match + 1,
            actor=actor.account,
            action=action,
            transition=transition,
            from_state=application.state,
            to_state=state or application.state,
            reply=reply,
            decision=decision.as_dict() if decision else None,
            using_db=conn,
        )
        for message in messages:
            await message.save(using_db=conn)
        result = await within(conn) if within else None
    for name, value in changes.items():
        setattr(application, name, value)
    return result
