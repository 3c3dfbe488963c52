"""The HTTP API under ``/api/``: one module per resource, each with its own route table."""

from aiohttp import web

from . import (
    accounts,
    applications,
    attachments,
    captcha,
    forms,
    meta,
    processes,
    verification,
)


def add_routes(app: web.Application) -> None:
    for module in (
        processes,
        accounts,
        applications,
        attachments,
        verification,
        meta,
        forms,
        captcha,
    ):
        app.add_routes(module.routes)
