"""Paper out: an application's forms filled with its data (CA-08, WS-05) and its correction notice.

Whoever may read an application may print it (``subjects.readable``: the owner, the persons it
authorised, reviewers in scope), at any state. Rendering a PDF is CPU work, so it runs in the
default executor and never holds up the event loop. Printing changes nothing: no version, no
state, no audit record.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from urllib.parse import quote

from aiohttp import web

from .. import clock, forms, notice, workflow
from ..core import Kernel
from ..db.models import Account, Application
from ..errors import ApiError, NotFound
from ..keys import KERNEL
from ..rules.model import Text
from .http import json_response
from .subjects import actor as actor_of
from .subjects import application_id, open_transition, readable

routes = web.RouteTableDef()


class NothingToCorrect(ApiError):
    status, code, title = (
        409,
        "nothing-to-correct",
        Text("该申请没有需要补正的内容", "There is nothing to correct in this application"),
    )


class NotPrintableYet(ApiError):
    status, code, title = (
        409,
        "form-not-printable",
        Text("当前办理状态下不能打印该表格", "This form cannot be printed in the current state"),
    )


def _download(body: bytes, filename: str, fallback: str) -> web.Response:
    """A PDF with its Chinese file name (RFC 6266 / RFC 5987) and an ASCII one for old clients."""
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


async def _render(work: Callable[..., bytes], *args) -> bytes:
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(work, *args))


def _url(application: Application, form: forms.Form) -> str:
    return f"/api/applications/{application.id}/forms/{form.name}.pdf"


@routes.get("/api/applications/{id}/forms")
async def list_forms(request: web.Request) -> web.Response:
    """下载表格: the forms of this application's matter, each with its download URL."""
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    available = forms.available(kernel.process(application.process), application.matter)
    items = [
        {**form.as_dict(), "url": _url(application, form)}
        for form in available
        if form.printable_in(application.state)
    ]
    return json_response({"items": items})


@routes.get("/api/applications/{id}/forms/{name}.pdf")
async def download_form(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    name = request.match_info["name"]
    available = forms.available(kernel.process(application.process), application.matter)
    form = next((f for f in available if f.name == name), None)
    if form is None:
        raise NotFound(f"application {application.id} has no form '{name}'")
    if not form.printable_in(application.state):
        raise NotPrintableYet(
            f"'{name}' prints in {', '.join(form.states)}; the application is {application.state}"
        )
    owner = await Account.get(id=application.owner_id)
    unit = str(application.data.get("unit_name") or owner.display_name)
    header = forms.Header(application.id, unit, clock.today())
    body = await _render(forms.render, form, application.data, header)
    return _download(
        body,
        f"{form.title.zh}-{application.id}.pdf",
        f"{application.process}-{form.name}-{application.id}.pdf",
    )


@routes.get("/api/applications/{id}/correction-notice.pdf")
async def correction_notice(request: web.Request) -> web.Response:
    """补正告知书: every reason ``?transition=`` would be refused now, on one printable page."""
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, application_id(request))
    step = open_transition(kernel, application, request.query.get("transition"))
    decision = await workflow.evaluate(kernel, actor, application, step)
    if decision.ok:
        raise NothingToCorrect(
            f"'{step.name}' would pass: nothing blocks it", decision=decision.as_dict()
        )
    owner = await Account.get(id=application.owner_id)
    addressee = notice.Addressee(
        application.id,
        str(application.data.get("unit_name") or owner.display_name),
        _matter_title(kernel, application),
        step.title.zh,
    )
    field_title = _field_titles(kernel, application)
    body = await _render(notice.render, addressee, decision, field_title)
    return _download(
        body, f"补正告知书-{application.id}.pdf", f"correction-notice-{application.id}.pdf"
    )


def _matter_title(kernel: Kernel, application: Application) -> str:
    process = kernel.process(application.process)
    if application.matter:
        return process.matter(application.matter).title.zh
    return process.workflows[application.workflow].title.zh


def _field_titles(kernel: Kernel, application: Application) -> Callable[[str], str | None]:
    """Names fields as the application's schema titles them (``/uscc`` -> 统一社会信用代码)."""
    process = kernel.process(application.process)
    schema_id = process.schema_for(application.workflow, application.matter)
    if schema_id is None:
        return lambda pointer: None
    fields = kernel.schemas.fields(kernel.schemas.resolve_id(schema_id, process.name))

    def title(pointer: str) -> str | None:
        dotted = ".".join(p for p in pointer.split("/")[1:] if not p.isdigit())
        info = fields.get(dotted)
        return info.title if info else None

    return title
