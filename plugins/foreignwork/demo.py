"""What happens to the demo's profiles after they are saved, for ``govflow demo`` (demo.yaml
``run:``): the owner's save through the profile route's own step (``saving.store``), then the
system's verification run (``foreignwork.verify``) through the kernel's job runner, so that
``make serve`` starts with every real-name state in place (national_verified, failed, exempt)
instead of profiles waiting in ``verifying`` for the service's runner.
"""

from __future__ import annotations

from typing import Any

from kernel import workflow
from kernel.db.models import Account, Application
from kernel.jobs import JobRunner, jobs_of

from . import saving
from .effects import VERIFY_JOB


async def verify(kernel: Any, profile: Application) -> None:
    """The owner saves the profile as the demo wrote it; the system routes it by the tables."""
    owner = await Account.get(id=profile.owner_id)
    data = await workflow.with_server_fields(
        kernel, profile.process, profile.workflow, workflow.Actor(owner), profile.data
    )
    await saving.store(kernel, profile, owner, data, verify_again=True)
    own = [job for job in jobs_of(kernel.pm) if job.name == VERIFY_JOB]
    await JobRunner(kernel, own, kernel.adapters, worker_id="demo").run_once()
