"""Texts an applicant agrees to before a process serves it (CA-03 登录承诺).

The text and its version in force are the process's (its manifest); an account records its
agreement to that version once, and until it has, none of the process's application endpoints
answers it — listing, creating, reading, saving, attaching, printing, not only submitting.
"""

from __future__ import annotations

from .core import Kernel
from .db.models import Account, Agreement
from .decision import Outcome
from .errors import Forbidden, NotFound, Unprocessable
from .process import AgreementText, Process
from .rules.model import Text

#: Who agrees before a process serves it: its applicants with an account of their own.
AGREEING_KINDS = ("unit", "natural_person", "legal_person")


def text(kernel: Kernel, text_id: str) -> AgreementText:
    for process in kernel.processes.values():
        if text_id in process.agreements:
            return process.agreements[text_id]
    raise NotFound(f"no agreement text '{text_id}'")


async def agree(kernel: Kernel, account: Account, text_id: str, version: str) -> Agreement:
    """Record the agreement to the version in force (once); an older or unknown one is refused."""
    current = text(kernel, text_id)
    if version != current.version:
        raise Unprocessable(
            f"'{text_id}' is in force in version {current.version}, not {version!r}",
            [_outdated(current)],
        )
    found = await Agreement.filter(account=account, text_id=text_id, version=version).first()
    if found is not None:
        return found
    return await Agreement.create(account=account, text_id=text_id, version=version)


def _outdated(current: AgreementText) -> Outcome:
    return Outcome(
        rule="agreement.version",
        kind="violation",
        fields=("/version",),
        message=Text(
            f"《{current.title.zh}》现行版本为{current.version}，请阅读现行版本后同意",
            f"The {current.title.en} in force is version {current.version}: read it and agree",
        ),
    )


def _missing(current: AgreementText) -> Outcome:
    return Outcome(
        rule="agreement.required",
        kind="requirement",
        requirement="agreement",
        params={"text_id": current.text_id, "version": current.version},
        message=Text(
            f"请先阅读并同意《{current.title.zh}》，再办理业务",
            f"Read and agree to the {current.title.en} before handling any matter",
        ),
    )


class AgreementRequired(Forbidden):
    title = Text("请先阅读并同意承诺", "Agree to the commitment first")


async def check(account: Account, process: Process) -> None:
    """403 with what to agree to, while an applicant of ``process`` has not agreed."""
    if account.kind not in AGREEING_KINDS or not set(account.roles) & set(process.roles):
        return  # reviewers, visitors and other processes' applicants are not asked
    for current in process.agreements.values():
        if current.before_applications and not await Agreement.exists(
            account=account, text_id=current.text_id, version=current.version
        ):
            raise AgreementRequired(
                f"agree to '{current.text_id}' version {current.version} first",
                [_missing(current)],
            )


async def check_all(kernel: Kernel, account: Account) -> None:
    """``check`` for every process the account holds a role of (its list of applications)."""
    for process in kernel.processes.values():
        await check(account, process)
