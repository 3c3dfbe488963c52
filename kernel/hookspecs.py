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
