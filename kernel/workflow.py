"""Running a process's workflow: drafts, saves and guarded transitions, safely.

A transition checks, in order: the actor's role and ownership, the state it starts from, the
document against its schema, then the rulesets guarding it. Only when all pass does one database
transaction change the state, bump the version, append the audit record with the decision and
queue the notifications. Every write names the version it read (``If-Match``); a stale version
finds no row to update and answers 409, so two reviewers can never both act on one state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from . import access, clock, contract
from .core import Kernel, UnknownName
from .db.models import APPLICANT_KINDS, Account, Agreement, Application, Attachment, AuditRecord
from .decision import Decision, Outcome
from .errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unprocessable,
    WrongState,
    check_against,
    field_error,
)
from .identifiers import one_decision
from .notify.outbox import transition_messages
from .plugins import await_me_maybe
from .process import Process, Transition, Workflow
from .rules.facts import FactError
from .rules.model import Text
from .schema_normalise import FormatCheck, normalise_against

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from .attachments import BlobStore


@dataclass(frozen=True)
class Actor:
    """The account acting, and how it logged in (some rules ask, e.g. QR-image login)."""

    account: Account
    login_method: str = "password"
    #: Whom the audit names when the system takes a step a person asked for and a plugin's
    #: route checked (a profile saved through its own route): the person, not the system.
    on_behalf_of: Account | None = None

    def view(self) -> contract.Actor:
        """What a plugin's hooks see of the actor."""
        a = self.account
        return contract.Actor(
            id=a.id,
            username=a.username,
            kind=a.kind,
            roles=tuple(a.roles),
            display_name=a.display_name,
            region=a.region,
            profile=dict(a.profile),
            login_method=self.login_method,
            scopes=tuple(a.scopes),
        )


def subject_of(application: Application) -> contract.Subject:
    """What a plugin's hooks see of a stored subject."""
    return contract.Subject(
        id=application.id,
        process=application.process,
        workflow=application.workflow,
        matter=application.matter,
        state=application.state,
        data=application.data,
        owner_id=application.owner_id,
        region=application.region,
        version=application.version,
    )


def _workflow(kernel: Kernel, application: Application) -> tuple[Process, Workflow]:
    process = kernel.process(application.process)
    return process, process.workflows[application.workflow]


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
        workflow = workflow or found.workflow
    workflow = workflow or next(iter(process.workflows))
    if workflow not in process.workflows:
        raise NotFound(f"process '{process.name}' has no workflow '{workflow}'")
    wf = process.workflows[workflow]
    check_may_start(process, wf, actor.account)
    data = with_matter(kernel, process, wf.name, matter, data)
    data = await with_server_fields(kernel, process.name, wf.name, actor, data)
    data = normalised(kernel, process, wf.name, matter, data)
    check_draft(kernel, process, wf.name, matter, data)
    check_creation(kernel, process, wf, matter, data, actor)
    region = kernel.hook(process.name, "govflow_region")(
        process=process.name, workflow=wf.name, document=data
    )
    async with in_transaction() as conn:
        application = await Application.create(
            process=process.name,
            workflow=workflow,
            matter=matter,
            state=wf.initial.name,
            data=data,
            owner=actor.account,
            region=next(iter(region), None) or actor.account.region,
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


def check_creation(
    kernel: Kernel,
    process: Process,
    wf: Workflow,
    matter: str | None,
    data: Mapping[str, Any],
    actor: Actor,
) -> None:
    """The workflow's creation rules (e.g. a matter handled only at the counter): every
    outcome at once, from the rules alone, and nothing is created when one blocks."""
    if not wf.create_rulesets:
        return
    context = {
        "transition": "create",
        "state": None,
        "input": {},
        "actor": {"kind": actor.account.kind, "roles": actor.account.roles},
        "login_method": actor.login_method,
    }
    facts = kernel.facts(process.name, wf.name, matter, data, context)
    decision = kernel.rules.evaluate(wf.create_rulesets, facts, None)
    kernel.metrics.decision(process.name, decision)
    if not decision.ok:
        raise Unprocessable(
            "this cannot be started online", decision.blocking, decision=decision.as_dict()
        )


def check_may_start(process: Process, wf: Workflow, account: Account) -> None:
    """Applicants start what their roles allow; a visitor only a public entry workflow."""
    starts = wf.leaving(wf.initial.name)
    allowed = account.kind in APPLICANT_KINDS and any(
        set(account.roles) & set(t.roles) for t in starts
    )
    if account.kind == "visitor" and not wf.public:
        allowed = False
    if not allowed:
        raise Forbidden(f"this account cannot start a '{wf.name}' in '{process.name}'")


async def with_server_fields(
    kernel: Kernel, process: str, workflow: str, actor: Actor, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The document with the fields the server fills from its records (the unit's name and
    USCC from its account …): what a client typed for them is replaced, never trusted."""
    filled = kernel.hook(process, "govflow_server_fields")(
        process=process, workflow=workflow, actor=actor.view(), lookup=contract.Lookup()
    )
    fields: dict[str, Any] = {}
    for result in filled:
        fields.update(await await_me_maybe(result) or {})
    return {**data, **fields}


def normalised(
    kernel: Kernel, process: Process, workflow: str, matter: str | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The document with every identifier in canonical form (``１１０１…031x`` ->
    ``1101…031X``, ``+86 138-0013-8000`` -> ``13800138000``), as its schema's formats write
    them: what is checked, stored, shown and read by the rules (identifiers.md §0)."""
    schema_id = process.schema_for(workflow, matter)
    if schema_id is None:
        return dict(data)
    return kernel.schemas.normalise(kernel.schemas.resolve_id(schema_id, process.name), data)


def check_draft(
    kernel: Kernel, process: Process, workflow: str, matter: str | None, data: Mapping[str, Any]
) -> None:
    """Every field a draft has must be of the right type, length and format (its schema
    without ``required``): a 9 MB name or ``uscc: 12345`` is refused at the door with 422,
    every reason at once, and nothing is stored."""
    schema_id = process.schema_for(workflow, matter)
    if schema_id is None:
        return
    uri = kernel.schemas.resolve_id(schema_id, process.name)
    violations = kernel.schemas.validate_draft(uri, data)
    if violations:
        raise Unprocessable("the draft holds fields that are not valid", violations)


def with_matter(
    kernel: Kernel, process: Process, workflow: str, matter: str | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The document with the application's matter where its schema has a ``matter`` field.

    The matter is the application's, chosen when it is created: a document that names another
    one (``matter=change`` with ``data.matter=revocation`` used to be checked as a revocation,
    without the change approval its matter needs) is refused with 400, and nothing is stored.
    """
    given = data.get("matter", matter)
    if given != matter:
        raise field_error(
            "/data/matter",
            "document.matter",
            f"申报事项应与申请的事项（{matter or '无'}）一致",
            f"the document's matter must be the application's ({matter or 'none'})",
        )
    if matter is None:
        return dict(data)
    schema_id = process.schema_for(workflow, matter)
    if schema_id is None:
        return dict(data)
    schema = kernel.schemas.schema(kernel.schemas.resolve_id(schema_id, process.name))
    if "matter" in (schema.get("properties") or {}):
        return {**data, "matter": matter}
    return dict(data)


class MaterialLocked(Conflict):
    title = Text(
        "申报材料已在审核中，当前状态下不能修改申报信息和附件",
        "The material is being reviewed: its data and attachments cannot change in this state",
    )


class SavedElsewhere(Conflict):
    """The workflow's ``save_route`` is the only way its subjects' documents change."""

    code = "save-route"
    title = Text("请通过该事项的专用页面保存", "Save this through the process's own route")


def check_open(kernel: Kernel, application: Application, roles: Iterable[str]) -> None:
    """Material changes only in a state the applicant can still act from (draft, returned)."""
    wf = kernel.process(application.process).workflows[application.workflow]
    if not any(set(roles) & set(t.roles) for t in wf.leaving(application.state)):
        state = wf.state(application.state)
        notice = (
            [Outcome(rule=f"state.{state.name}.locked", kind="violation", message=state.locked)]
            if state.locked
            else []
        )
        raise MaterialLocked(
            f"the application is {application.state} ({state.title.zh}): "
            "its data and attachments can change again only when it is back with the applicant",
            notice,
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
    route = kernel.process(application.process).workflows[application.workflow].save_route
    if route:  # in every state: that route's checks are the only way the document changes
        raise SavedElsewhere(f"a {application.workflow} is saved through {route}", route=route)
    await check_may_change(kernel, actor, application)
    owner = await Account.get(id=application.owner_id)
    process = kernel.process(application.process)
    data = with_matter(kernel, process, application.workflow, application.matter, data)
    data = await with_server_fields(
        kernel, application.process, application.workflow, Actor(owner), data
    )
    data = normalised(kernel, process, application.workflow, application.matter, data)
    check_draft(kernel, process, application.workflow, application.matter, data)
    await _bump(application, if_match, actor, action="save", data=data)
    return application


async def delete_material(
    kernel: Kernel, actor: Actor, application: Application, if_match: int, *, blobs: BlobStore
) -> Application | None:
    """删除申报材料: all the material of this application goes, wherever the applicant has it.

    A draft that never left its initial state, whoever acted on it, goes (``None``): its
    material and files are gone and no endpoint shows it again, but its row and its audit
    trail stay, with a last ``delete`` record (audit records are never deleted; the database
    refuses to). One that ever left it — submitted, or moved by an agent — and came back
    (未通过, 复核退回) keeps its number and its history — the authority's replies are part of the
    record — but loses every field the applicant entered and every file attached; the server's
    own fields (the unit's name and USCC) stay. Files go only after the rows are gone for good
    (a rolled-back delete keeps them), and a file another attachment still uses stays.
    """
    await check_may_change(kernel, actor, application)
    attached = Attachment.filter(application_id=application.id)
    shas = await attached.values_list("blob_id", flat=True)

    async def detach(conn: BaseDBAsyncClient) -> None:
        await Attachment.filter(application_id=application.id).using_db(conn).delete()

    if not await ever_moved(application):
        await _bump(
            application, if_match, actor, action="delete", data={}, within=detach, deleted=True
        )
        await blobs.release(shas)
        return None
    owner = await Account.get(id=application.owner_id)
    kept = await with_server_fields(
        kernel, application.process, application.workflow, Actor(owner), {}
    )

    await _bump(application, if_match, actor, action="delete_material", data=kept, within=detach)
    await blobs.release(shas)
    return application


async def ever_moved(application: Application) -> bool:
    """Whether the application ever left its initial state, whoever moved it: then it is part
    of the record and is never deleted. Read from the trail, not only ``submitted_at``: an
    agent's step, a job's or a reviewer's counts as much as the owner's."""
    if application.submitted_at is not None:
        return True
    return await AuditRecord.filter(application_id=application.id, action="transition").exists()


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
    kernel: Kernel,
    actor: Actor,
    application: Application,
    transition: Transition,
    input: Mapping[str, Any] | None = None,
) -> Decision:
    """Schema, then the guarding rulesets, with the facts the kernel and plugins derive.

    Every fact comes from the server (the database, the clock, the adapters) except the
    document and the transition's declared ``input``.
    """
    process, wf = _workflow(kernel, application)
    context = await built_context(kernel, actor, application, transition, input)
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


async def built_context(
    kernel: Kernel,
    actor: Actor,
    application: Application,
    transition: Transition,
    input: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole context of a step: the kernel's generic one, the transition's declared
    ``input``, and what the owning plugin builds (``govflow_context``) over them."""
    process, _ = _workflow(kernel, application)
    context = await server_context(actor, application, transition, process.context)
    context["input"] = dict(input or {})
    for text_id, agreed in context["agreements"].items():
        current = process.agreements.get(text_id)
        agreed["in_force"] = current is not None and agreed["version"] == current.version
    built = kernel.hook(process.name, "govflow_context")(
        process=process.name,
        subject=subject_of(application),
        actor=actor.view(),
        transition=transition.name,
        lookup=contract.Lookup(),
        adapters=kernel.adapters,
    )
    for result in built:
        context.update(await await_me_maybe(result) or {})
    return context


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
            await Application.filter(
                owner_id=owner.id, process=application.process, deleted_at=None
            )
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
    input: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> tuple[Application, Decision, dict[str, Any]]:
    """Take transition ``name``; refuse with every reason at once, or change state atomically.

    ``data``: a new document that goes with the step (a profile saved and sent to verification
    again): checked by the schema and the rules instead of the stored one and written in the
    same transaction, so the document never changes without the state the rules chose.
    Returns the application as stored, the decision, and what the owning plugin's effects
    hand back to the actor (``effects``), once.
    """
    process, wf = _workflow(kernel, application)
    step = next((t for t in wf.transitions if t.name == name), None)
    if step is None:
        raise NotFound(f"workflow '{wf.name}' has no transition '{name}'")
    await access.check_may_act(actor.account, application, step, kernel)
    if application.state not in step.source:
        raise WrongState(
            f"'{name}' starts from {', '.join(step.source)}; the application is "
            f"{application.state} ({wf.state(application.state).title.zh})"
        )
    if application.version != if_match:
        raise Conflict(f"version {if_match} is not the current version {application.version}")
    if step.reply == "required" and not (reply or "").strip():
        raise Unprocessable("a reply text is required", [_reply_required()])
    with one_decision():  # what is normalised here is not checked again by the decision
        input = check_input(step, input, kernel.schemas.formats)
        stored = application.data
        if data is not None:
            owner = await Account.get(id=application.owner_id)
            filled = await with_server_fields(kernel, process.name, wf.name, Actor(owner), data)
            application.data = normalised(kernel, process, wf.name, application.matter, filled)
        try:
            decision = await evaluate(kernel, actor, application, step, input)
        finally:
            new_data, application.data = application.data, stored
    if not decision.ok:
        raise Unprocessable(
            "the submission breaks rules", decision.blocking, decision=decision.as_dict()
        )
    notifications = kernel.hook(process.name, "govflow_notifications")
    messages = await transition_messages(notifications, process, wf, step, application, reply)
    effects = kernel.hook(process.name, "govflow_transition_effects")

    async def effects_of(conn: BaseDBAsyncClient) -> dict[str, Any]:
        moved = subject_of(application)
        moved = dataclasses.replace(moved, state=step.target, version=if_match + 1, data=new_data)
        handed: dict[str, Any] = {}
        for result in effects(
            process=process.name,
            transition=step.name,
            subject=moved,
            actor=actor.view(),
            input=input,
            db=conn,
        ):
            handed.update(await await_me_maybe(result) or {})
        return handed

    handed = await _bump(
        application,
        if_match,
        actor,
        action="transition",
        data=new_data if data is not None else None,
        state=step.target,
        transition=step.name,
        reply=reply,
        decision=decision,
        messages=messages,
        within=effects_of,
        submits=not wf.state(step.target).before_review,
    )
    kernel.metrics.transition(process.name, step.name)
    return application, decision, handed


def check_input(
    step: Transition, given: Mapping[str, Any] | None, formats: Mapping[str, FormatCheck]
) -> dict[str, Any]:
    """The fields the transition declares, checked against its schema; nothing else passes.

    Identifiers among them are put in canonical form first, as the document's are."""
    given = dict(given or {})
    if step.input is None:
        if given:
            raise field_error(
                "/input",
                "transition.input",
                "该操作不接受其他字段",
                f"'{step.name}' takes no input fields",
            )
        return given
    given = normalise_against(step.input, given, formats)
    check_against(step.input, given, "/input")
    return given


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
    deleted: bool = False,
    submits: bool = True,
) -> Any:
    """One atomic write: the guarded update, the audit record, the outbox rows, ``within``.

    A move to a state with ``submits`` (not ``before_review``) stamps ``submitted_at`` the first
    time: from then on the subject is before its reviewers. Deletability does not hang on it
    (``ever_moved`` reads the trail).

    Afterwards ``application`` holds what this write stored. Read back after the commit, it
    could be another writer's newer version, and its ETag would let this client overwrite it.
    """
    changes: dict[str, Any] = {"version": if_match + 1, "updated_at": clock.now()}
    if data is not None:
        changes["data"] = data
    if deleted:
        changes["deleted_at"] = clock.now()
    if state is not None:
        changes["state"] = state
        if application.submitted_at is None and submits:
            changes["submitted_at"] = clock.now()
    async with in_transaction() as conn:
        updated = (
            await Application.filter(id=application.id, version=if_match, deleted_at=None)
            .using_db(conn)
            .update(**changes)
        )
        if not updated:
            raise Conflict(f"version {if_match} is not the current version")
        await AuditRecord.create(
            application_id=application.id,
            seq=if_match + 1,
            actor=actor.on_behalf_of or actor.account,
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
