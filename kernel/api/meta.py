"""The service describing itself: its OpenAPI document, the docs page, its metrics."""

from __future__ import annotations

import json

from aiohttp import web

from .. import apidocs, auth, metrics, openapi
from ..keys import KERNEL

routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
async def openapi_document(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document generated from this app's routes and the processes' schemas."""
    spec = openapi.document(request.app)
    return web.json_response(spec, dumps=lambda d: json.dumps(d, ensure_ascii=False))


@routes.get("/api/docs")
async def docs_page(request: web.Request) -> web.Response:
    """The same document as a readable HTML page (no scripts, nothing fetched from outside)."""
    cache = request.app[KERNEL].cache
    if "docs.html" not in cache:
        cache["docs.html"] = apidocs.render(openapi.document(request.app))
    return web.Response(text=cache["docs.html"], content_type="text/html", charset="utf-8")


@routes.get("/metrics")
async def prometheus(request: web.Request) -> web.Response:
    """Prometheus scrape endpoint: requests, latency, decisions and transitions of this app."""
    auth.require_staff(request)
    found = metrics.of(request)
    body = found.exposition() if found is not None else b""
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})
