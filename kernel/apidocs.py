"""The browsable API documentation: one HTML page rendered from the OpenAPI document.

Rendered on the server, with no script and nothing fetched from a CDN, so it works on an
intranet with no way out (where these services run) and shows exactly the generated document:
every operation with its zh/en title, parameters, body and responses, then every schema with
its fields' Chinese and English titles.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .openapi_schemas import COMPONENTS

Schema = dict[str, Any]

_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;max-width:70rem}
h2{border-bottom:2px solid #246;padding-bottom:.2rem}
section{border:1px solid #ccd;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
.method{display:inline-block;min-width:4.5rem;font-weight:bold;color:#fff;background:#246;
padding:0 .4rem;border-radius:4px;text-align:center}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ccd;padding:.2rem .5rem;
text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f7f9;padding:.4rem}
"""


def render(spec: dict[str, Any]) -> str:
    """The whole page for ``spec`` (an OpenAPI 3.1 document as ``openapi.build`` makes it)."""
    info = spec["info"]
    parts = [
        "<!doctype html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(info['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])}</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        '<p><a href="/api/openapi.json">openapi.json</a> · OpenAPI '
        f"{escape(spec['openapi'])} · version {escape(info['version'])}</p>",
        _contents(spec),
        "<h2>接口 / Operations</h2>",
        *(_operation(path, method, op) for path, method, op in _operations(spec)),
        "<h2>数据结构 / Schemas</h2>",
        *(_schema(name, schema) for name, schema in spec["components"]["schemas"].items()),
        "</body></html>",
    ]
    return "\n".join(parts)


def _operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method, op


def _anchor(path: str, method: str) -> str:
    return "op-" + method + "-" + "".join(c if c.isalnum() else "-" for c in path)


def _contents(spec: dict[str, Any]) -> str:
    rows = [
        f'<li><a href="#{_anchor(path, method)}"><code>{method.upper()} {escape(path)}</code></a>'
        f" — {escape(op.get('summary', ''))}</li>"
        for path, method, op in _operations(spec)
    ]
    return "<h2>目录 / Contents</h2><ul>" + "".join(rows) + "</ul>"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<section id="{_anchor(path, method)}">',
        f'<h3><span class="method">{method.upper()}</span> <code>{escape(path)}</code></h3>',
        f"<p><strong>{escape(op.get('summary', ''))}</strong></p>",
    ]
    if op.get("description"):
        parts.append(f"<pre>{escape(op['description'])}</pre>")
    auth = "需要登录 / bearer token" if {"bearer": []} in op.get("security", []) else ""
    if auth:
        parts.append(f"<p>{auth}{' (可选 / optional)' if {} in op['security'] else ''}</p>")
    parts.append(_parameters(op.get("parameters", [])))
    body = op.get("requestBody")
    if body:
        for media, content in body["content"].items():
            parts.append(
                f"<p>请求体 / Request body ({escape(media)}): {_type(content['schema'])}</p>"
            )
            parts.append(_properties(content["schema"]))
    parts.append(_responses(op["responses"]))
    parts.append("</section>")
    return "\n".join(parts)


def _parameters(params: list[dict[str, Any]]) -> str:
    if not params:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'是 / yes' if p.get('required') else '否 / no'}</td>"
        f"<td>{_type(p.get('schema', {}))}</td><td>{escape(p.get('description', ''))}</td></tr>"
        for p in params
    )
    header = "<tr><th>参数 / Parameter</th><th>in</th><th>必填 / Required</th><th>类型 / Type</th>"
    return f"<table>{header}<th>说明 / Description</th></tr>{rows}</table>"


def _responses(responses: dict[str, Any]) -> str:
    rows = []
    for status, response in responses.items():
        ref = response.get("$ref", "")
        text = "问题详情 / problem+json (RFC 9457)" if ref else response.get("description", "")
        media = ", ".join(response.get("content", {}))
        rows.append(f"<li><code>{escape(status)}</code> {escape(text)} {escape(media)}</li>")
    return "<p>响应 / Responses</p><ul>" + "".join(rows) + "</ul>"


def _schema(name: str, schema: Schema) -> str:
    title = _title(schema)
    parts = [
        f'<section id="schema-{escape(name)}"><h3><code>{escape(name)}</code>'
        f"{' — ' + escape(title) if title else ''}</h3>"
    ]
    if schema.get("description"):
        parts.append(f"<p>{escape(schema['description'])}</p>")
    parts.append(_properties(schema))
    for sub, definition in schema.get("$defs", {}).items():
        parts.append(f"<p><code>$defs/{escape(sub)}</code>: {_type(definition)}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _title(schema: Schema) -> str:
    zh, en = schema.get("title", ""), schema.get("x-title-en", "")
    return " / ".join(t for t in (zh, en) if t)


def _properties(schema: Schema) -> str:
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return ""
    required = set(schema.get("required", ()))
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(_title(sub))}</td>"
        f"<td>{_type(sub)}</td><td>{'是 / yes' if name in required else ''}</td></tr>"
        for name, sub in properties.items()
        if isinstance(sub, dict)
    )
    header = "<tr><th>字段 / Field</th><th>名称 / Title</th><th>类型 / Type</th>"
    return f"<table>{header}<th>必填 / Required</th></tr>{rows}</table>"


def _type(schema: Any) -> str:
    """A short readable type: a link for a reference, the choices of an enum, and so on."""
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        target = schema["$ref"].removeprefix(COMPONENTS)
        name = target.split("/", 1)[0]
        return f'<a href="#schema-{escape(name)}"><code>{escape(target)}</code></a>'
    if "enum" in schema:
        return "one of: " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return f" {'&amp;' if key == 'allOf' else '|'} ".join(map(_type, schema[key]))
    kind = schema.get("type", "any")
    kind = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    fmt = schema.get("format")
    return escape(kind + (f" ({fmt})" if fmt else ""))
