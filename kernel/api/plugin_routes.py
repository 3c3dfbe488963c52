"""Mounting the routes a process's plugin serves (``govflow_routes``) under ``/api/<process>/``.

The kernel does for them what it does for its own routes — who may call, the JSON body's shape,
problem+json errors — so a plugin handler starts with a caller it may serve and a body it can
trust, and the OpenAPI description knows them from the same ``Route`` values.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import auth
from ..contract import Call, Route
from ..core import Kernel
from ..errors import Forbidden, check_against
from ..schema_normalise import normalise_against
from ..throttle import client_address
from .http import json_object, json_response
from .subjects import actor as actor_of

#: Marks a mounted handler with the ``Route`` it serves, for the OpenAPI generator.
ROUTE_ATTRIBUTE = "__govflow_route__"


def mount(app: web.Application, kernel: Kernel) -> None:
    """Every process's own routes, each under its process's prefix."""
    for process in kernel.processes.values():
        for routes in kernel.hook(process.name, "govflow_routes")(process=process.name):
            for route in routes or ():
                path = f"/api/{process.name}/{route.path.lstrip('/')}"
                app.router.add_route(route.method, path, _serving(kernel, process.name, route))


def _serving(kernel: Kernel, process: str, route: Route) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        actor = _admitted(request, process, route)
        body = None
        if route.body is not None and route.body_media == "application/json":
            formats = kernel.schemas.formats  # identifiers in canonical form, as in documents
            body = normalise_against(route.body, await json_object(request), formats)
            check_against(route.body, body, "")
        call = Call(
            request=request,
            process=process,
            actor=actor.view() if actor else None,
            body=body,
            adapters=kernel.adapters,
            client=client_address(request),
            ttl_minutes=kernel.config.token_ttl_minutes,
            description=kernel.process(process).as_dict(),
        )
        result = await route.handler(call)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, status=route.status)

    handler.__doc__ = route.handler.__doc__
    handler.__name__ = route.handler.__name__
    handler.__module__ = route.handler.__module__
    setattr(handler, ROUTE_ATTRIBUTE, route)
    return handler


def _admitted(request: web.Request, process: str, route: Route):
    """The caller if ``access`` admits it: 401 without a session, 403 without the role."""
    if route.access == "anonymous":
        return actor_of(request) if request.get(auth.ACCOUNT) else None
    actor = actor_of(request)  # 401 when nobody is logged in
    if isinstance(route.access, tuple) and not set(actor.account.roles) & set(route.access):
        raise Forbidden(f"{process}/{route.path} is for {', '.join(route.access)}")
    return actor
