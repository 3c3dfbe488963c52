"""The whole plugin contract of govflow.

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names and parameters
match the specifications below; it is found through the ``govflow.plugins`` entry-point group::

    [project.entry-points."govflow.plugins"]
    myprocess = "myprocess.plugin"

A plugin imports only ``kernel`` (``from kernel import hookimpl, Route, Job, ...``). Hook
implementations may accept fewer parameters than specified, never more; a misspelt hook name
stops start-up with the plugin's name in the error.

**Who is asked.** Hooks marked *per process* are called only on the plugin whose manifest
declares the process (the kernel dispatches to the owner, as Home Assistant sets up an
integration only for its own config entries), so an implementation never asks "is this
mine?"; ``process`` is passed for a plugin that owns several. The other hooks are called on
every plugin and their results are collected into a list.

**Async.** A hook that may do I/O (``govflow_context``, ``govflow_transition_effects``) may be
written ``async def``: the kernel awaits whatever such a hook returns if it is awaitable
(datasette's ``await_me_maybe``). All other hooks are plain functions returning data.

Data that is not code lives in the manifest (``kernel/meta/manifest.schema.json``): states and
transitions, the fields a transition takes, forms to print (``forms:``), the service guide,
demo data (``demo:``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .contract import Actor, Adapter, Job, Lookup, Models, Route, Subject

hookspec = pluggy.HookspecMarker("govflow")
hookimpl = pluggy.HookimplMarker("govflow")


# -- What a process is (start-up) -----------------------------------------------------------------


@hookspec
def govflow_processes() -> list[Path]:
    """The manifest files of the processes this plugin provides.

    Called once when the kernel starts. Return a list of paths to YAML manifests (see
    ``docs/plugins.md`` and ``kernel/meta/manifest.schema.json``): the process's name and titles,
    its roles (a role belongs to one process: two processes declaring the same role stop
    start-up), its matters with their service guide, its workflows (states with zh labels,
    transitions with the roles allowed, the rulesets that guard them and the fields they take),
    the fact kinds its rules look at, its forms and demo data, and where its schemas and rules
    live. The kernel validates each manifest and refuses to start with a message naming the file
    and the problem. The plugin that returns a manifest owns that process: the per-process hooks
    below are asked of it alone.
    """


@hookspec
def govflow_formats() -> Mapping[str, Callable[[str], object]]:
    """JSON Schema ``format`` checkers this plugin adds, by format name.

    Called once when the schema registry is built. Each checker receives a string and raises
    ``ValueError`` (ideally ``kernel.InvalidIdentifier``, whose Chinese and English messages
    are shown to the applicant) when the value is not valid. A checker that returns a string
    returns the value's canonical form (``１１０１…031x`` -> ``1101…031X``): the kernel puts it
    in place of what was typed before the document is validated, stored or shown to rules
    (``kernel/schema_normalise.py``); ``None`` leaves the value as typed. The kernel's own
    identifier formats (``uscc``, ``resident-id``, ``mobile-cn``, ...) are
    registered this way too. A later plugin may replace a format by using the same name.
    """


@hookspec
def govflow_models() -> list[Models]:
    """The plugin's own tables: ``kernel.Models(app, models, migrations)``.

    Called when the database is configured (``govflow migrate``, the app's start, the tests).
    ``app`` is a tortoise app label of the plugin's own (conventionally the process name),
    ``models`` the dotted module holding its ``tortoise.models.Model`` classes (they may point at
    the kernel's with ``"govflow.Account"`` and ``"govflow.Application"``), ``migrations`` the
    dotted package of its migrations, written by ``tortoise makemigrations`` and shipped with
    the plugin; ``govflow migrate`` applies the kernel's and every plugin's. Return ``[]`` when
    the plugin keeps nothing of its own.
    """


@hookspec
def govflow_adapters() -> list[Adapter]:
    """Outside services this plugin talks to, each with the implementations it ships.

    Called once at start-up. Return ``kernel.Adapter(name, implementations, default)`` items:
    ``implementations`` maps an implementation name (``local``, ``http`` …) to a factory taking
    the app's ``Config`` and returning the service object. The operator chooses one per adapter
    with ``GOVFLOW_ADAPTERS=name=impl,name=impl`` (otherwise ``default``); a ``local``
    implementation must say in its docstring what it stands in for. The chosen objects reach the
    hooks and jobs that need them as ``adapters[name]``; ``/healthz`` lists which is in use.
    """


@hookspec
def govflow_jobs() -> list[Job]:
    """Work that no person does, run by the recorded ``system`` actor.

    Called once when the job runner starts. Return ``kernel.Job(name, run, every=…)`` items:
    ``run(jobs)`` is an ``async`` function receiving a ``kernel.JobContext`` (the system
    ``actor``, ``adapters``, ``transition(subject_id, name, …)`` through the same guarded
    workflow and audit trail as a person's, ``enqueue`` for follow-up work, ``payload`` of a
    queued run). ``every`` (a ``datetime.timedelta``) makes it periodic; without it the job runs
    when something enqueues it (an effect, another job). With several workers each periodic slot
    and each queued run is claimed once in the database, so it runs once. A run that raises is
    retried later with backoff and its error recorded.
    """


# -- What the rules see (per process) ------------------------------------------------------------


@hookspec
def govflow_context(
    process: str,
    subject: Subject,
    actor: Actor,
    transition: str,
    lookup: Lookup,
    adapters: Mapping[str, Any],
) -> Mapping[str, Any] | None:
    """Per process, may be async: what the rules may know beyond the document, from the server.

    Called before every evaluation of a stored subject (a guarded transition, a dry run of one)
    with the ``subject`` (id, workflow, matter, state, data, owner, region, version), the
    ``actor`` taking the step, the ``transition`` name, and ``lookup``, a read-only way to query
    the kernel's records (the owner's other subjects, attachments, agreements, accounts); a
    plugin reads its own tables with its own models; ``adapters``, the outside services as the
    operator chose them (``adapters[name]``, as routes and jobs get them). Build the context
    from the database, the clock and the adapters — never from the request: in a real
    transition the only client values the rules see are the document and the fields the
    transition declares
    (``context["input"]``). The kernel's generic context (``owner``, ``actor``, ``state``,
    ``attachments``, ``agreements``, ``login_method``, ``input``) is merged under what is
    returned here. Return a mapping (or ``None`` for nothing more).
    """


@hookspec
def govflow_facts(
    process: str,
    workflow: str,
    matter: str | None,
    document: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[Mapping[str, Any]] | None:
    """Per process: the facts for the rules engine about one subject.

    Called before every evaluation, after ``govflow_context``; pure and fast (no I/O).
    ``document`` is the subject's data, already valid against its schema; ``context`` is what
    the server built (above) — or, in a what-if dry run of ``POST /api/processes/{p}/validate``,
    what the caller supplied. Return a list of facts, each a mapping with a ``kind`` that rule
    files match on (``fact: unit``). Keep facts flat and small: only fields rules use are passed
    to the engine.
    """


@hookspec
def govflow_region(process: str, workflow: str, document: Mapping[str, Any]) -> str | None:
    """Per process: the administrative region a new subject belongs to, when not the owner's.

    Called when a subject is created. Reviewers see and act on subjects of their regions; a
    subject created by a visitor (an anonymous entry workflow) has no region of its own, so a
    plugin derives it from the document (e.g. a USCC's registration-authority region). Return
    a six-digit division code, or ``None`` to use the creating account's region.
    """


@hookspec
def govflow_server_fields(
    process: str, workflow: str, actor: Actor, lookup: Lookup
) -> Mapping[str, Any] | None:
    """Per process, may be async: fields of a document that the server fills from its records.

    Called when a subject is created and on every save, with the subject's owner as ``actor``.
    Return the fields (e.g. the unit's name and USCC from its account or register) that replace
    whatever the client sent for them, so that a document can never claim another unit's
    identity; ``None`` fills nothing.
    """


@hookspec
def govflow_takes_part(process: str, subject: Subject, actor: Actor) -> bool | None:
    """Per process, may be async: whether ``actor``, an applicant who neither owns ``subject``
    nor acts for its owner, takes part in it all the same.

    Called when such an account reads a subject or takes a transition. A party (the enterprise
    an individual declared to) may read the subject and take the transitions its roles allow;
    it never changes the owner's material (save, attachments, delete). Return ``True`` to admit
    it; ``None`` or ``False`` leaves it out (404 on reading, as for anybody else's subject).
    """


# -- What happens with a transition (per process) ------------------------------------------------


@hookspec
def govflow_transition_effects(
    process: str,
    transition: str,
    subject: Subject,
    actor: Actor,
    input: Mapping[str, Any],
    db: Any,
) -> Mapping[str, Any] | None:
    """Per process, may be async: what a transition does beyond the change of state.

    Called inside the transition's database transaction, after the state, the version and the
    audit record were written and before the commit; ``subject`` shows the new state, ``input``
    the transition's declared fields, ``db`` is the transaction's connection (pass it as
    ``using_db=db`` to every write). Issue a code, create the account a registration asked for,
    cascade a disable, write a register row, enqueue a job (``kernel.enqueue(db, …)``): all of it
    commits with the state change or, if this hook raises, is rolled back with it. Return a
    mapping to hand back to the actor once in the transition's answer (``effects``), e.g. a login
    image that is never stored, or ``None``.
    """


@hookspec(firstresult=True)
def govflow_notifications(
    process: str,
    transition: str,
    subject: Mapping[str, Any],
    owner: Mapping[str, Any],
    reply: str | None,
) -> list[Mapping[str, str]] | None:
    """Per process: the messages to send after ``transition`` of ``process`` succeeded.

    Called inside the transition, before its transaction commits; the messages are written to
    the outbox in that transaction and sent afterwards by the outbox worker, with retries.
    ``subject`` has the application's ``id``, ``workflow``, ``matter``, new ``state`` and its
    ``data`` (e.g. the handler's contacts typed in the application);
    ``owner`` is the applicant's ``username``, ``display_name`` and profile (``email``,
    ``mobile`` when known); ``reply`` is the reviewer's text. Return a list of
    ``{"channel": "email" | "sms" | "log", "recipient", "subject", "body"}`` (an empty list
    sends nothing), or ``None`` to let the kernel tell the applicant of the new state by
    e-mail, SMS or the log.
    """


@hookspec
def govflow_senders(config: Any) -> Mapping[str, Any] | None:
    """Senders this plugin adds or replaces, by outbox channel (``email``, ``sms``, ``log``, …).

    Called once when the outbox worker starts, after the kernel has built its own senders from
    ``GOVFLOW_SENDERS``; ``config`` is the app's ``kernel.config.Config`` (``data_dir``,
    ``smtp_*``, ``sms_gateway_url`` …). Return a mapping of channel name to sender, or ``None``
    / ``{}`` to change nothing. A sender is any object with ``async def send(message)`` that
    returns once the message is handed over and raises on failure (the worker then retries with
    backoff and marks the row failed after several attempts); ``message`` has ``id``,
    ``channel``, ``recipient``, ``subject`` and ``body``. A new channel name (e.g. ``"wechat"``)
    serves the messages a ``govflow_notifications`` hook queues on that channel; a kernel
    channel name replaces the kernel's sender for it. Mappings of all plugins are merged;
    where two plugins name the same channel the later-registered plugin wins. Build the senders
    here but connect nowhere: this hook runs at start-up, ``send`` runs in the worker.
    """


@hookspec
def govflow_demo(process: str, folder: Path, document: Mapping[str, Any]) -> None:
    """Per process, may be async: demo rows of the plugin's own tables (``govflow demo``).

    Called after the demo files' accounts are created and before their applications, with the
    folder of the process's ``demo:`` file (for files beside it) and that file's content
    (``document``: a plugin reads its own keys there, a register of legacy accounts …). Write
    only what does not exist yet: ``govflow demo`` runs on every ``make serve``, so this must
    be idempotent.
    """


# -- What a process serves (per process) ---------------------------------------------------------


@hookspec
def govflow_routes(process: str) -> list[Route]:
    """Per process: HTTP routes the generic API does not cover (QR login, public listing …).

    Called once when the app is built. Return ``kernel.Route(method, path, handler, …)`` items;
    each is mounted under ``/api/<process>/`` (``path="qr-login"`` →
    ``/api/codeassign/qr-login``) and declares who may call it (``access``: ``"anonymous"``,
    ``"account"`` for any logged-in account, or a tuple of the process's roles), its zh/en
    ``title``, and the JSON Schemas of its request ``body`` and ``response`` for
    ``/api/openapi.json``. The kernel refuses the callers ``access`` does not admit (401/403),
    checks a JSON body against ``body`` (400 naming the field), and answers errors raised as
    ``kernel.BadRequest``/``NotFound``/… as problem+json like its own. ``handler(call)`` is
    ``async`` and receives a ``kernel.Call`` (``request``, ``actor`` or ``None``, ``body``,
    ``adapters``, ``client``); it returns a JSON-able value (200) or an aiohttp response.
    """
