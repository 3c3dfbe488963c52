"""Who may see and act on which application.

An applicant sees its own applications and those of a legal person that authorised it for the
process (FW-12: a disabled principal's authorisations stop with it). A reviewer sees the
processes and regions of its scopes. An admin sees everything but acts only through roles.
What an account may not see answers 404, so ids of other applicants' data leak nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .db.models import APPLICANT_KINDS, Account, Application, Delegation
from .errors import Forbidden, NotFound
from .identifiers.divisions import division_periods
from .process import Transition

if TYPE_CHECKING:
    from .core import Kernel

_DIVISION = re.compile(r"[0-9]{6}")


def division_code(code: object) -> str | None:
    """``code`` if it is a six-digit GB/T 2260 code the division table knows, else ``None``.

    Anything else (``"5"``, ``"51"``, ``"5101040"``, full-width digits, an unknown code) covers
    nothing and is covered by nothing but a scope without a region: a prefix test on free text
    is how ``500000`` came to cover Sichuan's ``510104``.
    """
    if not isinstance(code, str) or not _DIVISION.fullmatch(code):
        return None
    return code if division_periods(code) else None


def region_prefix(code: str) -> str:
    """The digits a division's subdivisions share: a province's two, a city's four, a
    district's (or county's) six — ``500000`` → ``50`` (Chongqing, never Sichuan's ``51…``),
    ``440310`` → ``440310`` (Shenzhen's 坪山区, not its neighbour 光明区 ``440311``).

    The level is read from the code the way GB/T 2260 builds it. The groupings a 直辖市 or a
    province uses in place of cities — ``500100`` 市辖区, ``500200`` 县, ``429000`` 省直辖县级
    行政区划 — are city-level codes and cover what they group; a 省直辖县 (``429004`` 仙桃市)
    and a city without districts (``441900`` 东莞市) cover themselves (and, the latter, any
    code under it). A code that is no known division has no prefix at all: ``""`` is
    returned only for ``None``/empty input, which callers treat as "no region".
    """
    if not code:
        return ""
    if division_code(code) is None:
        raise ValueError(f"{code!r} is not a division code")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_covers(scope_region: str | None, region: str | None) -> bool:
    """Whether a scope's region covers an application's: a province its cities and districts,
    a city its districts, a district itself. No region in the scope covers every region; a
    scope region that is no division code covers nothing, nor is an application whose region
    is not one covered by any regional scope."""
    if not scope_region:
        return True
    if division_code(scope_region) is None or division_code(region) is None:
        return False
    return region.startswith(region_prefix(scope_region))


def in_scope(account: Account, process: str, region: str | None) -> bool:
    return any(
        s.get("process") in (process, "*") and region_covers(s.get("region"), region)
        for s in account.scopes
    )


async def acts_for(account: Account, application: Application) -> bool:
    """The owner, or a person the owner (still active) authorised for this process/matter."""
    if application.owner_id == account.id:
        return True
    if account.kind != "natural_person":
        return False
    delegations = await Delegation.filter(
        agent_id=account.id,
        principal_id=application.owner_id,
        process=application.process,
        active=True,
        principal__active=True,
    )
    return any(not d.matters or application.matter in d.matters for d in delegations)


async def takes_part(kernel: Kernel | None, account: Account, application: Application) -> bool:
    """A party the owning plugin admits (``govflow_takes_part``): reads and acts, never edits."""
    if kernel is None or application.process not in kernel.processes:
        return False
    from .plugins import await_me_maybe
    from .workflow import Actor, subject_of

    answers = kernel.hook(application.process, "govflow_takes_part")(
        process=application.process,
        subject=subject_of(application),
        actor=Actor(account).view(),
    )
    return any([await await_me_maybe(answer) for answer in answers])


async def may_read(
    account: Account, application: Application, kernel: Kernel | None = None
) -> bool:
    if account.kind == "admin":
        return True
    if account.kind in APPLICANT_KINDS:
        return await acts_for(account, application) or await takes_part(
            kernel, account, application
        )
    # A reviewer sees what was submitted; a draft is the applicant's until then.
    if application.submitted_at is None:
        return False
    return in_scope(account, application.process, application.region)


async def readable(
    account: Account, application_id: int, kernel: Kernel | None = None
) -> Application:
    """The application if ``account`` may see it; 404 otherwise, whether it exists or not."""
    application = await Application.get_or_none(id=application_id, deleted_at=None)
    if application is None or not await may_read(account, application, kernel):
        raise NotFound(f"no application {application_id}")
    return application


async def check_may_act(
    account: Account,
    application: Application,
    transition: Transition,
    kernel: Kernel | None = None,
):
    """Role first, then ownership or part taken (applicants) or scope (reviewers)."""
    if not set(account.roles) & set(transition.roles):
        raise Forbidden(
            f"'{transition.name}' is for {', '.join(transition.roles)}; "
            f"this account is {', '.join(account.roles) or 'without a role'}"
        )
    if (
        account.kind in APPLICANT_KINDS
        and not await acts_for(account, application)
        and not await takes_part(kernel, account, application)
    ):
        raise Forbidden("only the applicant or a person it authorised may do this")
    if account.kind == "reviewer" and not in_scope(
        account, application.process, application.region
    ):
        raise Forbidden("outside this reviewer's processes and regions")


async def check_may_edit(account: Account, application: Application) -> None:
    """Saving a draft, attaching and deleting material: the applicant's side only."""
    if account.kind not in APPLICANT_KINDS or not await acts_for(account, application):
        raise Forbidden("only the applicant or a person it authorised may change the material")
