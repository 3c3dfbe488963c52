"""The system's step that stores a profile's new document (FW-05, FW-07, FW-10).

No owner's role may leave a verified state (so a verified profile's scans stay read-only), so
the system takes the step, on behalf of the person or agent who saved: ``save`` (verify
again, which queues the verification job) or the ``keep_*`` step of the profile's state. The
profile route takes it after the rules and the warning; ``govflow demo`` takes it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel import workflow
from kernel.db.models import Account, Application
from kernel.errors import Conflict
from kernel.jobs import system_account


async def store(
    kernel: Any,
    profile: Application,
    editor: Account,
    data: Mapping[str, Any],
    *,
    verify_again: bool,
) -> Application:
    """Take ``save`` or ``keep_<state>`` with ``data``; the audit names ``editor``."""
    wf = kernel.process(profile.process).workflows[profile.workflow]
    name = "save" if verify_again else f"keep_{profile.state}"
    if not any(t.name == name for t in wf.transitions):
        raise Conflict(f"a profile that is {profile.state} cannot be saved now")
    system = workflow.Actor(await system_account(), login_method="system", on_behalf_of=editor)
    reply = f"{editor.display_name}（{editor.username}）修改信息" + (
        "，重新进行实名认证" if verify_again else ""
    )
    moved, _, _ = await workflow.transition(
        kernel, system, profile, name, if_match=profile.version, reply=reply, data=data
    )
    return moved
