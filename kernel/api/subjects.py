"""What the application resources read from a request: who acts, which record, which step."""

from __future__ import annotations

from aiohttp import web

from .. import access, agreements, auth, workflow
from ..core import Kernel
from ..db.models import Account, Application
from ..errors import field_error
from ..keys import KERNEL
from ..process import Transition
from .http import whole_number


def actor(request: web.Request) -> workflow.Actor:
    """The account acting, and how its session was opened (rules may ask, e.g. QR login)."""
    account = auth.current_account(request)
    token = request.get(auth.TOKEN)
    return workflow.Actor(account, token.login_method if token else "password")


async def readable(request: web.Request, account: Account, application_id: int) -> Application:
    """The application if ``account`` may see it (else 404), once the account has agreed to
    what its process asks first (else 403 naming the text: CA-03)."""
    application = await access.readable(account, application_id, request.app[KERNEL])
    await agreements.check(account, request.app[KERNEL].process(application.process))
    return application


def path_number(request: web.Request, key: str, zh: str = "编号无效", en: str | None = None) -> int:
    """A numeric path parameter, or a 400 naming it."""
    found = whole_number(request.match_info[key])
    if found is None:
        raise field_error(f"/path/{key}", "request.id", zh, en or f"Invalid {key}")
    return found


def application_id(request: web.Request) -> int:
    return path_number(request, "id", "申请编号无效", "Invalid application id")


def open_transition(kernel: Kernel, application: Application, name: str | None) -> Transition:
    """The named transition out of the current state (the first one, when none is named)."""
    wf = kernel.process(application.process).workflows[application.workflow]
    steps = [t for t in wf.leaving(application.state) if not name or t.name == name]
    if not steps:
        raise field_error(
            "/query/transition",
            "request.transition",
            "当前状态下没有该操作",
            "No such transition from the current state",
        )
    return steps[0]
