"""What to tell whom after a transition, as outbox rows saved in the transition's transaction.

By default the applicant hears of every state change by e-mail or SMS (whichever its profile
has; the log otherwise), with the reviewer's reply. A plugin may say otherwise through
``govflow_notifications``.
"""

from __future__ import annotations

from typing import Any

from .. import clock
from ..db.models import Account, Application, OutboxMessage
from ..process import Process, Transition, Workflow


async def transition_messages(
    notifications: Any,
    process: Process,
    workflow: Workflow,
    transition: Transition,
    application: Application,
    reply: str | None,
) -> list[OutboxMessage]:
    """Unsaved outbox rows; the caller saves them inside its transaction.

    ``notifications``: the owning plugin's ``govflow_notifications`` hook (``Kernel.hook``).
    """
    owner = await Account.get(id=application.owner_id)
    target = workflow.state(transition.target)
    subject = {
        "id": application.id,
        "process": process.name,
        "workflow": workflow.name,
        "matter": application.matter,
        "state": target.name,
        "data": application.data,
    }
    planned: list[dict[str, Any]] | None = notifications(
        process=process.name,
        transition=transition.name,
        subject=subject,
        reply=reply,
        owner={"username": owner.username, "display_name": owner.display_name, **owner.profile},
    )
    if planned is None:
        planned = [_default(process, target.title.zh, application, owner, reply)]
    now = clock.now()
    return [
        OutboxMessage(
            channel=m["channel"],
            recipient=m["recipient"],
            subject=m["subject"][:200],
            body=m["body"],
            application_id=application.id,
            next_attempt_at=now,
        )
        for m in planned
    ]


def _default(
    process: Process, state_zh: str, application: Application, owner: Account, reply: str | None
) -> dict[str, Any]:
    email, mobile = owner.profile.get("email"), owner.profile.get("mobile")
    channel, recipient = (
        ("email", email) if email else ("sms", mobile) if mobile else ("log", owner.username)
    )
    body = f"您的{process.title.zh}申请（编号{application.id}）当前状态：{state_zh}。"
    if reply:
        body += f"\n答复意见：{reply}"
    return {
        "channel": channel,
        "recipient": recipient,
        "subject": f"{process.title.zh}：{state_zh}",
        "body": body,
    }
