"""What the foreignwork rules see about a document and its context, by workflow.

``context`` (besides what the kernel puts there: ``transition``, ``actor``, ``state``) may
carry, depending on the workflow:

- ``realname``: the real-name state of the profile (FW-09); for profile workflows the
  workflow ``state`` is used when it is not given.
- ``previous``: the stored profile before this change (FW-05, FW-07, FW-10).
- ``attachments``, ``changed_at``: uploads (see ``common.attachments``).
- ``unit``: the unit concerned (``account``, ``status``); for a legal person's appeal, the
  unit its full name found.
- ``authorizations``: authorizations held by the actor, or given by the unit (FW-12).
- ``grantee``, ``profile``, ``account``, ``code``, ``platform_account``, ``name_taken_by``:
  see the function that reads each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kernel import hookimpl

from . import access, accounts, profiles
from .common import Fact, actor, attachments, authorizations, realname, unit

Context = Mapping[str, Any]
Builder = Callable[[str | None, Mapping[str, Any], Context], list[Fact]]


@hookimpl
def facts_for(
    workflow: str, matter: str | None, document: Mapping[str, Any], context: Context
) -> list[Fact]:
    build = _BUILDERS.get(workflow)
    return build(matter, document, context) if build else []


def _profile_common(document: Mapping[str, Any], context: Context) -> list[Fact]:
    state = context.get("realname", context.get("state"))
    return [
        *profiles.changes(document, context.get("previous")),
        *realname(state),
        *attachments(context),
        *actor(context),
        *unit(context),
        *authorizations(context.get("authorizations")),
    ]


def _person(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    return [profiles.identity(document, "natural_person"), *_profile_common(document, context)]


def _agent(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    return [profiles.identity(document, "main_agent"), *_profile_common(document, context)]


def _legal(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    facts = [profiles.legal_person(document)]
    representative = document.get("representative")
    if isinstance(representative, Mapping):
        facts.append(profiles.identity(representative, "legal_representative"))
    return facts + _profile_common(document, context)


def _legacy(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    return accounts.legacy_account(document, context)


def _reset(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    return [
        *accounts.password_reset(document, context),
        *accounts.verification_code(document, context),
    ]


def _appeal(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    kind = "appeal_legal_person" if "unit_name" in document else "appeal_natural_person"
    return [
        *accounts.appeal(matter or kind, context),
        *accounts.verification_code(document, context),
        *attachments(context),
    ]


def _authorization(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    return [
        *access.grant(document, context),
        *unit(context),
        *authorizations(context.get("authorizations")),
        *actor(context),
    ]


def _matter_access(matter: str | None, document: Mapping[str, Any], context: Context) -> list[Fact]:
    return [
        *access.matter_request(document),
        *access.profile(context),
        *unit(context),
        *authorizations(context.get("authorizations")),
        *actor(context),
        *realname(context.get("realname")),
    ]


_BUILDERS: dict[str, Builder] = {
    "person_profile": _person,
    "agent_profile": _agent,
    "legal_profile": _legal,
    "legacy_account": _legacy,
    "password_reset": _reset,
    "appeal_natural": _appeal,
    "appeal_legal": _appeal,
    "authorization": _authorization,
    "matter_access": _matter_access,
}
