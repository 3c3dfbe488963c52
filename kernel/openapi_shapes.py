"""The shapes of the kernel's answers, as the OpenAPI document declares them.

Written from what the handlers return (``represent`` in ``api/applications.py``, ``describe``
in ``api/attachments.py``, …) and held to it: the fuzz test validates every answer against
these, so a handler that changes its answer without its shape here fails CI.
"""

from __future__ import annotations

from typing import Any

COMPONENTS = "#/components/schemas/"
Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
MOMENT: Schema = {"type": "string", "format": "date-time"}
TEXT_REF: Schema = {"$ref": f"{COMPONENTS}Text"}


def strict(properties: Schema, required: tuple[str, ...] | None = None) -> Schema:
    """An object with these properties, all required unless ``required`` says otherwise."""
    names = list(properties) if required is None else list(required)
    return {"type": "object", "properties": properties, "required": names}


HEALTH = {
    **strict(
        {
            "status": {"enum": ["ok", "degraded"]},
            "database": {"enum": ["ok", "unreachable"]},
            "rulesets": {"type": "integer", "minimum": 0},
            "last_reload": {"type": ["string", "null"], "format": "date-time"},
            "reload_errors": {"type": "object"},
            "adapters": {"type": "object"},
        }
    ),
    "description": "Whether the service can serve: its database, rules and outside services.",
}
APPLICATION = {
    **strict(
        {
            "id": {"type": "integer", "minimum": 1},
            "process": STRING,
            "workflow": STRING,
            "matter": NULLABLE_STRING,
            "state": STRING,
            "state_title": TEXT_REF,
            "version": {"type": "integer", "minimum": 1},
            "owner": strict({"id": {"type": "integer"}, "display_name": STRING}),
            "region": NULLABLE_STRING,
            "created_at": MOMENT,
            "updated_at": MOMENT,
            "submitted_at": {"type": ["string", "null"], "format": "date-time"},
            "transitions": {
                "type": "array",
                "description": "The steps open to the reader",
                "items": strict({"name": STRING, "title": TEXT_REF, "reply": {}}),
            },
            "data": {"type": "object", "description": "The document (masked in lists)"},
            "access_token": {
                **STRING,
                "description": "Once, to a visitor who started a public entry workflow",
            },
        },
        required=(
            "id",
            "process",
            "workflow",
            "matter",
            "state",
            "version",
            "owner",
            "transitions",
            "data",
        ),
    ),
    "description": "An application as its reader may see it, with the transitions open to them.",
}
APPLICATION_REF: Schema = {"$ref": f"{COMPONENTS}Application"}
ATTACHMENT = strict(
    {
        "id": {"type": "integer", "minimum": 1},
        "type": STRING,
        "title": {"anyOf": [TEXT_REF, {"type": "null"}]},
        "filename": STRING,
        "content_type": STRING,
        "size": {"type": "integer", "minimum": 0},
        "sha256": {**STRING, "pattern": "^[0-9a-f]{64}$"},
        "uploaded_at": MOMENT,
        "url": STRING,
    }
)


def items(schema: Schema, **more: Schema) -> Schema:
    """``{"items": [...]}`` and whatever else the answer carries beside its items."""
    return strict({"items": {"type": "array", "items": schema}, **more})


PAGE = items(APPLICATION_REF, next_cursor={"type": ["integer", "null"]})
STEP = strict(
    {
        "application": APPLICATION_REF,
        "decision": {"$ref": f"{COMPONENTS}Decision"},
        "effects": {"type": "array"},
    },
    required=("application", "decision"),
)
ACCOUNT = strict(
    {
        "id": {"type": "integer"},
        "username": STRING,
        "kind": STRING,
        "display_name": NULLABLE_STRING,
        "roles": {"type": "array", "items": STRING},
        "scopes": {"type": "array"},
        "region": NULLABLE_STRING,
        "profile": {"type": ["object", "null"]},
        "agreements": {
            "type": "array",
            "items": strict({"text_id": STRING, "version": STRING, "agreed_at": MOMENT}),
        },
    }
)
AGREEMENT_TEXT = strict(
    {
        "text_id": STRING,
        "title": TEXT_REF,
        "version": STRING,
        "text": STRING,
        "agreed": {"type": "boolean"},
    }
)
CODE_SENT = strict(
    {
        "channel": STRING,
        "target": {**STRING, "description": "Masked"},
        "purpose": STRING,
        "expires_at": MOMENT,
        "resend_after": MOMENT,
    }
)
BATCH = strict({"results": {"type": "array", "items": {"type": "object"}}})


def shapes() -> dict[str, Schema]:
    """The shapes that are components of the document (the rest are inlined where used)."""
    return {"Health": HEALTH, "Application": APPLICATION, "Attachment": ATTACHMENT}
