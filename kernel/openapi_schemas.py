"""The components of the OpenAPI document: the API's own shapes and every process's schemas.

The processes' schemas are draft 2020-12, the dialect of OpenAPI 3.1, so they go in as they are,
each file as one component named ``<process>.<file>`` (``codeassign.application``). Only their
references change: ``../common/contact.json#/$defs/mobile`` becomes
``#/components/schemas/common.contact/$defs/mobile`` and ``$id`` goes, so the document resolves
without the schema files and a reader sees every field of every form in one place.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urldefrag, urljoin

from .openapi_shapes import shapes
from .schemas import BASE, SchemaRegistry

COMPONENTS = "#/components/schemas/"
# Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default", "example"})
# Keywords whose values map names (any name, "enum" included) to schemas.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})

TEXT = {
    "type": "object",
    "description": "中文与英文 / Chinese and English",
    "required": ["zh", "en"],
    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
}
OUTCOME = {
    "type": "object",
    "description": "One thing the applicant is told (violation, requirement or notice).",
    "required": ["rule", "kind", "fields", "message"],
    "properties": {
        "rule": {"type": "string", "description": "Stable dotted id of the rule or API check"},
        "kind": {"enum": ["violation", "requirement", "notice"]},
        "fields": {"type": "array", "items": {"type": "string"}, "description": "JSON Pointers"},
        "message": {"$ref": f"{COMPONENTS}Text"},
        "requirement": {"type": ["string", "null"]},
        "params": {"type": "object"},
        "basis": {
            "type": ["object", "null"],
            "properties": {
                "document": {"type": ["string", "null"]},
                "article": {"type": ["string", "null"]},
            },
        },
        "source": {"type": "string"},
    },
}
DECISION = {
    "type": "object",
    "description": "The answer of one evaluation as of a date, every outcome at once.",
    "required": ["as_of", "ok", "rulesets", "outcomes"],
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "ok": {"type": "boolean"},
        "rulesets": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "sha256": {"type": "string"},
                    "source": {"type": "string"},
                    "version": {"type": "integer"},
                },
            },
        },
        "outcomes": {"type": "array", "items": {"$ref": f"{COMPONENTS}Outcome"}},
    },
}
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details, titled in Chinese and English.",
    "required": ["type", "title", "status", "violations"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "title_zh": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "violations": {"type": "array", "items": {"$ref": f"{COMPONENTS}Outcome"}},
    },
}


#: The error responses operations refer to, each RFC 9457 problem details.
PROBLEMS = {
    "Problem": "请求未能完成 / The request failed",
    "Unauthorized": "未登录或登录已失效 / No token, or the one sent is unknown or expired",
    "Forbidden": "没有权限 / The account may not do this",
    "Unavailable": "服务暂不可用 / The database cannot be reached: try again later",
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": f"{description} (RFC 9457 problem details)",
        "content": {"application/problem+json": {"schema": {"$ref": f"{COMPONENTS}Problem"}}},
    }


def component_name(uri: str) -> str:
    """``https://govflow.local/schemas/foreignwork/defs.json`` -> ``foreignwork.defs``."""
    name = uri.removeprefix(BASE).removesuffix(".json").replace("/", ".")
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def process_schemas(registry: SchemaRegistry) -> dict[str, Any]:
    """Every schema file as a component, references rewritten to point inside the document."""
    names = {uri: component_name(uri) for uri in registry.ids}
    return {
        names[uri]: _rewritten(copy.deepcopy(registry.schema(uri)), uri, names)
        for uri in registry.ids
    }


def reference(uri: str, names: dict[str, str]) -> str:
    """The in-document reference for an absolute schema URI (with its fragment)."""
    base, fragment = urldefrag(uri)
    if base not in names:
        raise ValueError(f"{uri} is not a schema of any process")
    if fragment and not fragment.startswith("/"):
        raise ValueError(f"{uri}: only JSON Pointer fragments can be placed in the document")
    return f"{COMPONENTS}{names[base]}{fragment}"


def _rewritten(schema: Any, base: str, names: dict[str, str]) -> Any:
    if isinstance(schema, list):
        return [_rewritten(item, base, names) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema.pop("$id", None)
    schema.pop("$schema", None)  # the document's jsonSchemaDialect says 2020-12
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            schema[key] = reference(urljoin(base, value), names)
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            schema[key] = {name: _rewritten(sub, base, names) for name, sub in value.items()}
        elif key not in _DATA_KEYWORDS:
            schema[key] = _rewritten(value, base, names)
    return schema


def components(registry: SchemaRegistry) -> dict[str, Any]:
    """The ``components`` object: shapes, the problem response, the bearer scheme."""
    return {
        "schemas": {
            "Text": TEXT,
            "Outcome": OUTCOME,
            "Decision": DECISION,
            "Problem": PROBLEM,
            **shapes(),
            **process_schemas(registry),
        },
        "responses": {name: _problem(text) for name, text in PROBLEMS.items()},
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "The token from POST /api/auth/login: 'Authorization: Bearer …'",
            }
        },
    }
