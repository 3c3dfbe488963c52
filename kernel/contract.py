"""The values that cross the plugin contract: what hooks receive and what they return.

Narrow, frozen views rather than the kernel's ORM rows, so a plugin cannot change a record
behind the kernel's back and the kernel can change its tables without breaking plugins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rules.model import Text

if TYPE_CHECKING:
    from aiohttp import web

    from .decision import Decision
    from .jobs import JobContext


@dataclass(frozen=True)
class Actor:
    """Who takes a step: an account, and how its session was opened (``qr_image`` …)."""

    id: int
    username: str
    kind: str
    roles: tuple[str, ...]
    display_name: str
    region: str | None
    profile: Mapping[str, Any]
    login_method: str = "password"
    #: A reviewer's processes and regions (``[{"process", "region"}]``).
    scopes: tuple[Mapping[str, Any], ...] = ()

    def reviews(self, process: str, region: str | None) -> bool:
        """Whether this reviewer's scopes cover ``region`` in ``process``."""
        from .access import in_scope

        return in_scope(self, process, region)


@dataclass(frozen=True)
class Subject:
    """One subject of a workflow (an application, a profile, a request) as stored."""

    id: int
    process: str
    workflow: str
    matter: str | None
    state: str
    data: Mapping[str, Any]
    owner_id: int
    region: str | None
    version: int


@dataclass(frozen=True)
class Models:
    """A plugin's own tables: a tortoise app label, its models module, its migrations package."""

    app: str
    models: str
    migrations: str


@dataclass(frozen=True)
class Adapter:
    """An outside service with the implementations a plugin ships; the operator picks one."""

    name: str
    implementations: Mapping[str, Callable[[Any], Any]]
    default: str = "local"


@dataclass(frozen=True)
class Job:
    """Work of the ``system`` actor: periodic (``every``) or run when enqueued."""

    name: str
    run: Callable[[JobContext], Awaitable[Any]]
    every: dt.timedelta | None = None
    title: Text | None = None


@dataclass(frozen=True)
class Route:
    """A route of a plugin, mounted under ``/api/<process>/``.

    ``access``: ``"anonymous"`` (anyone), ``"account"`` (any logged-in account), or a tuple of
    role names of the process. ``body``/``response``: JSON Schemas for the request and answer
    (``body`` is enforced for JSON requests; a multipart route describes its parts with
    ``body_media="multipart/form-data"`` and reads them itself).
    """

    method: str
    path: str
    handler: Callable[[Call], Awaitable[Any]]
    title: Text
    access: str | tuple[str, ...] = "account"
    body: Mapping[str, Any] | None = None
    body_media: str = "application/json"
    response: Mapping[str, Any] | None = None
    response_media: str = "application/json"
    status: int = 200


@dataclass
class Call:
    """One call of a plugin route: the request and what the kernel already knows about it."""

    request: web.Request
    process: str
    actor: Actor | None
    body: Any
    adapters: Mapping[str, Any]
    #: The caller's address, for throttling (the peer, or the proxy's X-Forwarded-For).
    client: str
    ttl_minutes: int = 60
    #: The process's public description (``/api/processes/<name>``): states, matters …
    description: Mapping[str, Any] = field(default_factory=dict)

    async def form(self, max_bytes: int) -> dict[str, bytes]:
        """A multipart/form-data body, part by part, refused (400/413) beyond ``max_bytes``."""
        from .api.forms_body import read_form

        return await read_form(self.request, max_bytes)

    async def open_session(self, account_id: int, login_method: str) -> dict[str, Any]:
        """Log an account in (a plugin's own way: a QR image …): the token, as a login gives."""
        from .auth import issue_token, public_account
        from .db.models import Account
        from .errors import Unauthorized

        account = await Account.get_or_none(id=account_id, active=True)
        if account is None:
            raise Unauthorized("the account is disabled")
        token, record = await issue_token(account, self.ttl_minutes, login_method)
        return {
            "token": token,
            "expires_at": record.expires_at.isoformat(),
            "account": public_account(account),
        }

    async def subject(self, subject_id: int) -> Subject:
        """A subject the caller may read (404 otherwise, as the kernel's own routes answer)."""
        from .access import readable
        from .errors import Unauthorized
        from .workflow import subject_of

        if self.actor is None:
            raise Unauthorized("log in first")
        from .db.models import Account
        from .keys import KERNEL

        account = await Account.get(id=self.actor.id)
        return subject_of(await readable(account, subject_id, self.request.app[KERNEL]))

    def evaluate(
        self,
        workflow: str,
        transition: str,
        document: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> Decision:
        """What the rules guarding ``transition`` of ``workflow`` say of ``document`` with the
        ``context`` the plugin built on the server, before any subject exists and without the
        schema: a form's hints (which attachments the step will ask for), decided by the rule
        files rather than repeated in Python. Changes nothing; every outcome, as a step has."""
        from .keys import KERNEL

        kernel = self.request.app[KERNEL]
        step = kernel.process(self.process).workflows[workflow].transition(transition)
        ctx = {"transition": transition, **context}
        facts = kernel.facts(self.process, workflow, None, document, ctx)
        return kernel.rules.evaluate(step.rulesets, facts)

    async def transition(
        self,
        subject_id: int,
        name: str,
        *,
        version: int,
        reply: str | None = None,
        input: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Take transition ``name`` of a subject as the caller, through the kernel's guarded
        step (role, state, schema, rules, audit trail, effects, notifications), as the batch
        route does for one item: ``{"id", "status": 200, "application", "decision"}`` or
        ``{"id", "status", "problem"}``. A refusal is returned, not raised, so a plugin's batch
        route goes on with its next item; the caller wakes the outbox and jobs by returning."""
        from .api.applications import _wake, step_result
        from .api.subjects import actor as actor_of

        result = await step_result(
            self.request,
            actor_of(self.request),
            subject_id,
            name,
            version,
            reply,
            dict(input) if input is not None else None,
        )
        if result["status"] == 200:
            _wake(self.request)
        return result


class Lookup:
    """Read-only queries of the kernel's records for ``govflow_context``.

    Only what context builders need; each returns plain data, never an ORM row.
    """

    async def account(self, account_id: int) -> dict[str, Any] | None:
        from .db.models import Account

        found = await Account.get_or_none(id=account_id)
        if found is None:
            return None
        return {
            "id": found.id,
            "username": found.username,
            "kind": found.kind,
            "display_name": found.display_name,
            "region": found.region,
            "active": found.active,
            "profile": dict(found.profile),
        }

    async def subjects(
        self,
        *,
        owner_id: int,
        process: str,
        workflow: str | None = None,
        exclude_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The owner's subjects of a process: each its data with id, workflow, matter, state."""
        from .db.models import Application

        query = Application.filter(owner_id=owner_id, process=process, deleted_at=None)
        if workflow is not None:
            query = query.filter(workflow=workflow)
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        rows = await query.order_by("id").values("id", "workflow", "matter", "state", "data")
        return [{**r.pop("data"), **r} for r in rows]

    async def trail(self, subject_id: int, *, decisions: bool = False) -> list[dict[str, Any]]:
        """The subject's audit trail, oldest first: who, when, which step, the reply (and,
        with ``decisions``, what the rules decided: the history endpoint shows it)."""
        from .db.models import AuditRecord

        records = (
            await AuditRecord.filter(application_id=subject_id)
            .order_by("seq")
            .prefetch_related("actor")
        )
        return [
            {
                "seq": r.seq,
                "at": r.at.isoformat(),
                "action": r.action,
                "actor": r.actor.display_name,
                "transition": r.transition,
                "from": r.from_state,
                "to": r.to_state,
                "reply": r.reply,
                **({"decision": r.decision} if decisions else {}),
            }
            for r in records
        ]

    async def attachment_types(self, subject_id: int) -> list[str]:
        from .db.models import Attachment

        types = await Attachment.filter(application_id=subject_id).values_list("type", flat=True)
        return sorted(set(types))
