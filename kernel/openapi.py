"""The OpenAPI 3.1 description of the running app, generated from its routes and schemas.

Generated rather than written, so it cannot drift: every route in ``app.router`` is an
operation, its summary and description come from the handler's docstring (and the zh/en titles
of ``openapi_known``), its path parameters from the route pattern, and the processes' JSON
Schemas are the document's components. A route whose handler says nothing about itself is
marked ``x-undocumented`` and the meta-test fails, so a new route arrives with its docs.
Built once per app, on first request, and kept by the app's kernel.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from importlib import metadata
from typing import Any

from aiohttp import hdrs, web

from .core import Kernel
from .openapi_known import HEADERS, KNOWN, PATH_PARAMETERS, Known
from .openapi_schemas import component_name, components, reference

VERSION = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_ANY_METHOD = ("get", "post", "put", "patch", "delete")


def document(app: web.Application) -> dict[str, Any]:
    """The app's OpenAPI document, built on first use and kept by its kernel."""
    from .keys import KERNEL

    kernel = app[KERNEL]
    if "openapi" not in kernel.cache:
        kernel.cache["openapi"] = build(app.router, kernel)
    return kernel.cache["openapi"]


def build(router: web.UrlDispatcher, kernel: Kernel) -> dict[str, Any]:
    """Describe every route of ``router`` with the processes and schemas of ``kernel``."""
    processes = sorted(kernel.processes)
    documents = _document_refs(kernel)
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, str] = {}
    for method, path, handler in _routes(router):
        tag, tag_doc = _tag(handler)
        tags.setdefault(tag, tag_doc)
        operation = _operation(method, path, handler, tag, processes, documents)
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": _info(kernel),
        "servers": [{"url": "/"}],
        "tags": [{"name": name, "description": doc} for name, doc in sorted(tags.items())],
        "paths": dict(sorted(paths.items())),
        "components": components(kernel.schemas),
    }


def _info(kernel: Kernel) -> dict[str, Any]:
    try:
        version = metadata.version("govflow")
    except metadata.PackageNotFoundError:
        version = "0"
    titles = "; ".join(f"{p.name}: {p.title.zh} / {p.title.en}" for p in kernel.processes.values())
    return {
        "title": "govflow 政务服务规则校验 / rule-driven validation of government services",
        "version": version,
        "description": (
            "JSON over HTTP. Errors are RFC 9457 application/problem+json with a `violations` "
            f"list. Bearer tokens from POST /api/auth/login. Processes — {titles}."
        ),
    }


def _document_refs(kernel: Kernel) -> list[str]:
    """In-document references to the schemas the processes check documents against."""
    names = {uri: component_name(uri) for uri in kernel.schemas.ids}
    found: list[str] = []
    for process in kernel.processes.values():
        ids = [w.schema for w in process.workflows.values()] + [m.schema for m in process.matters]
        for schema_id in filter(None, ids):
            ref = reference(kernel.schemas.resolve_id(schema_id, process.name), names)
            if ref not in found:
                found.append(ref)
    return found


def _routes(router: web.UrlDispatcher) -> Iterator[tuple[str, str, Any]]:
    """``(method, path template, handler)`` of every route; HEAD only where there is no GET."""
    for resource in router.resources():
        path = _path_of(resource)
        methods = {route.method for route in resource}
        for route in resource:
            if route.method == hdrs.METH_HEAD and hdrs.METH_GET in methods:
                continue
            if route.method == hdrs.METH_ANY:
                for method in _ANY_METHOD:
                    yield method.upper(), path, route.handler
                continue
            yield route.method, path, route.handler


def _path_of(resource: web.AbstractResource) -> str:
    """The OpenAPI path template: ``{name:regex}`` loses its regex, static files get one."""
    path = _PARAMETER.sub(lambda m: "{" + m[1] + "}", resource.canonical)
    if isinstance(resource, web.StaticResource):
        path = path.rstrip("/") + "/{filename}"
    return path


def _tag(handler: Any) -> tuple[str, str]:
    """Operations are grouped by the module that holds their handler."""
    module = inspect.getmodule(handler)
    name = module.__name__ if module else "other"
    parts = name.split(".")
    tag = parts[-1] if parts[0] == "kernel" or len(parts) < 2 else parts[1]
    doc = inspect.getdoc(module) if module else ""
    return tag, (doc or "").split("\n", 1)[0]


def _docstring(handler: Any, method: str) -> str:
    if inspect.isclass(handler):  # a class-based view: the method's own docstring
        handler = getattr(handler, method.lower(), handler)
    return inspect.getdoc(handler) or ""


def _operation(
    method: str,
    path: str,
    handler: Any,
    tag: str,
    processes: list[str],
    documents: list[str],
) -> dict[str, Any]:
    route = getattr(handler, "__govflow_route__", None)
    if route is not None:
        return _plugin_operation(method, path, handler, route, processes)
    known = KNOWN.get((method, path))
    doc = _docstring(handler, method)
    first = doc.split("\n", 1)[0]
    name = getattr(handler, "__name__", type(handler).__name__)
    operation: dict[str, Any] = {
        "operationId": f"{tag}.{name}.{method.lower()}",
        "tags": [tag],
        "summary": f"{known.zh} / {known.en}" if known else first or name,
        "description": doc,
        "parameters": _path_parameters(path, processes) + _parameters(known),
        "responses": _responses(known, method),
        "security": _security(known),
    }
    if known:
        operation["x-title"] = {"zh": known.zh, "en": known.en}
    if not known and not first:
        operation["x-undocumented"] = True
    if known and known.body:
        operation["requestBody"] = {
            "required": known.body_required,
            "content": {known.body_media: {"schema": known.body(processes, documents)}},
        }
    return operation


def _plugin_operation(
    method: str, path: str, handler: Any, route: Any, processes: list[str]
) -> dict[str, Any]:
    """A process's own route, described from the ``Route`` it declared."""
    process = path.split("/")[2]
    doc = inspect.getdoc(handler) or ""
    auth = "none" if route.access == "anonymous" else "required"
    success: dict[str, Any] = {"description": "成功 / Success"}
    if route.status != 204:
        success["content"] = {route.response_media: {"schema": dict(route.response or {})}}
    operation: dict[str, Any] = {
        "operationId": f"{process}.{getattr(handler, '__name__', 'route')}.{method.lower()}",
        "tags": [process],
        "summary": f"{route.title.zh} / {route.title.en}",
        "description": doc,
        "x-title": route.title.as_dict(),
        "x-access": route.access if isinstance(route.access, str) else list(route.access),
        "parameters": _path_parameters(path, processes, _patterns(route.path)),
        "responses": {str(route.status): success, **_errors(route.access)},
        "security": _security(Known("", "", auth=auth)),
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {route.body_media: {"schema": dict(route.body)}},
        }
    return operation


def _patterns(template: str) -> dict[str, str]:
    """The regex of each ``{name:regex}`` in a route template (a regex may hold braces)."""
    found: dict[str, str] = {}
    start, depth = -1, 0
    for i, char in enumerate(template):
        if char == "{":
            depth += 1
            start = i if depth == 1 else start
        elif char == "}":
            depth -= 1
            if depth == 0 and ":" in template[start:i]:
                name, regex = template[start + 1 : i].split(":", 1)
                found[name] = regex
    return found


def _path_parameters(
    path: str, processes: list[str], patterns: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Path parameters; a value the route pattern cannot match is declared invalid too."""
    params, patterns = [], patterns or {}
    for name in _PARAMETER.findall(path):
        schema = PATH_PARAMETERS.get(name, {"type": "string"})
        if name in patterns and schema.get("type") == "string":
            schema = {**schema, "pattern": f"^(?:{patterns[name]})$"}
        if name == "process":
            schema = {"enum": processes}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _parameters(known: Known | None) -> list[dict[str, Any]]:
    if known is None:
        return []
    query = [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for name, schema, text in known.query
    ]
    headers = [
        {
            "name": name,
            "in": "header",
            "required": required,
            "schema": HEADERS.get(name, {"type": "string"}),
            "description": text,
        }
        for name, required, text in known.headers
    ]
    return query + headers


def _responses(known: Known | None, method: str) -> dict[str, Any]:
    status = known.status if known else (201 if method == "POST" else 200)
    success: dict[str, Any] = {"description": "成功 / Success"}
    if status != 204:
        media = known.media_type if known else "application/json"
        schema = (known.response if known else None) or {}
        success["content"] = {media: {"schema": schema}}
    extra = known.responses if known else {}
    return {str(status) if known else "2XX": success, **_errors(None), **extra}


def _errors(access: Any) -> dict[str, Any]:
    """What the server answers when it refuses: problem details, and nothing undeclared.

    No ``default``: a status the document does not name is a lie the fuzz test catches. 401
    everywhere (a token that is sent is checked, even where none is needed), 403 where the
    operation is for some roles only; any other 4xx is described by ``4XX``, and 503 is the
    answer while the database cannot be reached.
    """
    refs = {"401": "Unauthorized", "403": "Forbidden", "4XX": "Problem", "503": "Unavailable"}
    if not isinstance(access, tuple):
        refs.pop("403")
    return {status: {"$ref": f"#/components/responses/{name}"} for status, name in refs.items()}


def _security(known: Known | None) -> list[dict[str, list[str]]]:
    auth = known.auth if known else "optional"
    return {"required": [{"bearer": []}], "optional": [{"bearer": []}, {}], "none": []}[auth]
