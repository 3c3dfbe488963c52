"""The system's real-name verification run (FW-06, FW-08, FW-14), queued by every ``save``.

The rule tables decide, not this code: the run first tries ``exempt``, which exempt.yaml
refuses for every type the national platform verifies; only then is the national verifier
(the adapter) asked, and its answer taken as ``national_pass`` or ``national_fail`` — both
guarded by national.yaml, so the verifier is never asked to answer for an exempt type.
"""

from __future__ import annotations

from kernel import Job, JobContext, hookimpl
from kernel.db.models import Application
from kernel.errors import Unprocessable

from .effects import VERIFY_JOB
from .verifier import ADAPTER


async def verify(jobs: JobContext) -> None:
    subject_id = jobs.payload.get("subject")
    profile = await Application.get_or_none(id=subject_id)
    if profile is None or profile.state != "verifying":
        return  # saved again meanwhile, or already answered: that run decides
    try:
        await jobs.transition(profile.id, "exempt")
        return
    except Unprocessable:
        pass  # the tables say this profile is verified by the national platform
    verifier = jobs.adapters[ADAPTER]
    if profile.workflow == "legal_profile":
        answer = await verifier.verify_unit(profile.data)
    else:
        answer = await verifier.verify_person(profile.data)
    if answer.passed:
        await jobs.transition(profile.id, "national_pass")
    else:
        await jobs.transition(profile.id, "national_fail", reply=answer.reason)


@hookimpl
def govflow_jobs() -> list[Job]:
    return [Job(VERIFY_JOB, verify)]
