"""The whole plugin contract of govflow.

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names and parameters
match the specifications below; it is found through the ``govflow.plugins`` entry-point group::

    [project.entry-points."govflow.plugins"]
    myprocess = "myprocess.plugin"

A plugin imports only ``kernel`` (``from kernel import hookimpl, ...``). Hook implementations may
accept fewer parameters than specified, never more; a misspelt hook name stops start-up with the
plugin's name in the error. Hooks are plain functions that return data: none is awaited, so do
nothing slow in them (no network, no database) — anything slow belongs behind an adapter.

Hooks run in the order plugins were registered; results of all plugins are collected into a list
unless a hook says "first result wins".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("govflow")
hookimpl = pluggy.HookimplMarker("govflow")


# -- What a process is ---------------------------------------------------------------------------


@hookspec
def govflow_processes() -> list[Path]:
    """The manifest files of the processes this plugin provides.

    Called once when the kernel starts. Return a list of paths to YAML manifests (see
    ``docs/plugins.md`` and ``kernel/meta/manifest.schema.json``): the process's name and titles,
    its matters, its workflows (states with zh labels, transitions with the roles allowed and the
    rulesets that guard them), the fact kinds its rules look at, and where its schemas and rules
    live (by default ``GOVFLOW_SCHEMAS_DIR/<name>`` and ``GOVFLOW_RULES_DIR/<name>``; a
    third-party plugin names its own folders, relative to the manifest). The kernel validates
    each manifest and refuses to start with a message naming the file and the problem.
    """


@hookspec
def govflow_formats() -> Mapping[str, Callable[[str], object]]:
    """JSON Schema ``format`` checkers this plugin adds, by format name.

    Called once when the schema registry is built. Each checker receives a string and raises
    ``ValueError`` (ideally ``kernel.InvalidIdentifier``, whose Chinese and English messages
    are shown to the applicant) when the value is not valid; its return value is ignored. The
    kernel's own identifier formats (``uscc``, ``resident-id``, ``mobile-cn``, ...) are
    registered this way too. A later plugin may replace a format by using the same name.
    """


# -- What the rules see --------------------------------------------------------------------------


@hookspec
def govflow_facts(
    process: str,
    workflow: str,
    matter: str | None,
    document: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[Mapping[str, Any]] | None:
    """Facts for the rules engine about one subject of ``process``.

    Called before every evaluation (a dry-run ``validate`` or a guarded transition). ``document``
    is the subject's data, already valid against its schema; ``context`` holds what the kernel
    knows beyond the document: ``transition``, ``actor`` (role, account kind), ``state``, and
    whatever the caller supplied (the unit's certificate, the account's real-name state, the
    attachments present, other applications in progress). Return a list of facts, each a
    mapping with a ``kind`` that rule files match on (``fact: unit``), or ``None`` when
    ``process`` is not yours. Facts of all plugins are evaluated together, so a plugin may add
    facts to another plugin's process. Keep facts flat and small: only fields rules use are
    passed to the engine.
    """


# -- What happens after a transition ------------------------------------------------------------


@hookspec(firstresult=True)
def govflow_notifications(
    process: str,
    transition: str,
    subject: Mapping[str, Any],
    owner: Mapping[str, Any],
    reply: str | None,
) -> list[Mapping[str, str]] | None:
    """The messages to send after ``transition`` of ``process`` succeeded.

    Called inside the transition, before its transaction commits; the messages are written to
    the outbox in that transaction and sent afterwards by the outbox worker, with retries.
    ``subject`` has the application's ``id``, ``workflow``, ``matter`` and new ``state``;
    ``owner`` is the applicant's ``username``, ``display_name`` and profile (``email``,
    ``mobile`` when known); ``reply`` is the reviewer's text. Return a list of
    ``{"channel": "email" | "sms" | "log", "recipient", "subject", "body"}`` (an empty list
    sends nothing), or ``None`` to leave it to other plugins; when every plugin returns ``None``
    the kernel tells the applicant of the new state by e-mail, SMS or the log. First non-None
    result wins.
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


# -- What a process prints ----------------------------------------------------------------------


@hookspec
def govflow_forms(process: str) -> list[Mapping[str, Any]] | None:
    """The printable forms of ``process``, as data the kernel fills in and renders to PDF.

    Called whenever the forms of an application are listed or downloaded
    (``GET /api/applications/{id}/forms``), with the application's process name; cheap and
    without side effects, so it may be called on every request. Return ``None`` when
    ``process`` is not yours, else a list of form definitions, each a mapping::

        {"name": "change-form",                      # URL-safe, unique within the process
         "title": {"zh": "…申请表", "en": "… form"},  # printed as the heading; zh names the file
         "matters": ["change"],                      # the matters it is for; omitted: all
         "sections": [
             {"title": "单位信息",                      # optional section heading
              "rows": [
                  {"label": "单位名称", "pointer": "/unit_name"},
                  {"label": "申请类型", "pointer": "/application_type",
                   "values": {"new": "新开办网站申请"}},       # enumerations shown in Chinese
                  {"label": "受理机关", "text": "登记管理机关"},   # a fixed value
                  {"label": "变更事项", "pointer": "/change_items",  # a list, as a table
                   "columns": [{"label": "变更前", "pointer": "/old"}]},
                  {"paragraph": "我单位{/unit_name}申请……"},     # running text, {pointer}s filled
              ]}],
         "signatures": ["经办人（签字）", "单位（盖章）"],  # each gets a line and 年 月 日
         "notes": ["本表一式两份。"]}                     # small print under the form

    Pointers are JSON Pointers into the application's data (those of a column are relative to
    one list item); a value that is missing prints as a blank to be filled in by hand (or as a
    field's ``default``, or a placeholder's ``{/pointer|default}``), and a paragraph's
    ``values`` maps a placeholder's pointer to its labels. The full shape is
    ``kernel/meta/form.schema.json``: a definition that breaks it is refused, naming the form
    and the problem, and the request answers 500 (test your forms by rendering them). Forms
    are data only: the kernel does the layout (title, application number, unit, the tables,
    signature and stamp lines, page numbers) with a Chinese font, so a plugin needs no PDF
    library. Definitions of all plugins are concatenated in registration order, so a plugin
    may add a form to another plugin's process; two forms of one process with the same name
    are an error that names the form.
    """


# -- What a newcomer sees ------------------------------------------------------------------------


@hookspec
def govflow_demo_data() -> list[Path]:
    """YAML files of demo accounts and applications, loaded by ``govflow demo``.

    Called once by ``govflow demo``; never while serving. Return a list of paths (or ``[]``).
    Each file holds ``accounts`` — mappings with ``username``, ``kind`` (``unit``,
    ``natural_person``, ``legal_person``, ``reviewer``, ``admin``), ``roles``, and optionally
    ``display_name``, ``region``, ``scopes`` (reviewers: ``[{process, region}]``) and ``profile``
    (what your facts read from the owner) — and ``applications`` — mappings with ``owner`` (a
    username), ``process``, ``matter`` or ``workflow``, and ``data``. Every demo account gets
    the password printed by ``govflow demo`` (``kernel.demo.PASSWORD``). Loading is idempotent:
    an existing username is left as it is, and an owner's application is created only if that
    owner has none in that process and workflow yet, through the same workflow code as the API
    (so it has its audit record). Files of all plugins are loaded in registration order.
    """
