"""Who may see and act on which application.

An applicant sees its own applications and those of a legal person that authorised it for the
process (FW-12: a disabled principal's authorisations stop with it). A reviewer sees the
processes and regions of its scopes. An admin sees everything but acts only through roles.
What an account may not see answers 404, so ids of other applicants' data leak nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .db.models import APPLICANT_KINDS, Account, Application, Delegation
from .errors import Forbidden, NotFound
from .process import Transition

if TYPE_CHECKING:
    from .core import Kernel


def region_prefix(code: str) -> str:
    """The part of a division code its subdivisions share: a province's two digits, a city's
    four, a district's six (``500000`` → ``50``: Chongqing, never Sichuan's ``51…``)."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def region_covers(scope_region: str | None, region: str | None) -> bool:
    """``110000`` (a province) covers ``110108`` (a district in it); no region covers all."""
    if not scope_region:
        return True
    if not region:
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
    return in_scope(account, application.process, application.region)


async def readable(
    account: Account, application_id: int, kernel: Kernel | None = None
) -> Application:
    """The application if ``account`` may see it; 404 otherwise, whether it exists or not."""
    application = await Application.get_or_none(id=application_id)
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
