"""What the routes' code cannot tell the OpenAPI generator: zh/en titles, bodies, parameters.

The generator walks whatever routes the app has; this table only adds detail to the routes it
knows (a route missing here is still described, from its handler's docstring). Request bodies
are built from the kernel's processes so the description names the processes and their
document schemas that this installation really has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import openapi_shapes as shapes
from .openapi_schemas import COMPONENTS

Schema = dict[str, Any]
#: Builds a request body schema from the names of the processes and their document schemas.
BodyOf = Callable[[list[str], list[str]], Schema]

STRING = {"type": "string"}
OBJECT = {"type": "object"}


@dataclass(frozen=True)
class Known:
    zh: str
    en: str
    status: int = 200
    body: BodyOf | None = None
    body_required: bool = True
    query: tuple[tuple[str, Schema, str], ...] = ()
    headers: tuple[tuple[str, bool, str], ...] = ()
    #: ``required``, ``optional`` (a token changes what is seen) or ``none``.
    auth: str = "required"
    response: Schema | None = None
    media_type: str = "application/json"
    body_media: str = "application/json"
    #: Answers beyond success and problem details, by status (they replace the default ones).
    responses: dict[str, Schema] = field(default_factory=dict)


IF_MATCH = (("If-Match", True, 'The version read, as its ETag ("3")'),)


def _object(properties: Schema, required: tuple[str, ...] = ()) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required)}


def _upload(processes: list[str], documents: list[str]) -> Schema:
    """The ``type`` part first, then the file (the handler reads them in this order)."""
    file = {"type": "string", "contentMediaType": "application/octet-stream"}
    return _object({"type": {**STRING, "maxLength": 64}, "file": file}, ("type", "file"))


def _login(processes: list[str], documents: list[str]) -> Schema:
    """``captcha``: required for accounts of a role some process lists in ``login_captcha``."""
    captcha = _object({"id": STRING, "answer": STRING}, ("id", "answer"))
    return _object(
        {"username": STRING, "password": STRING, "captcha": captcha}, ("username", "password")
    )


def _agreement(processes: list[str], documents: list[str]) -> Schema:
    return _object(
        {"text_id": {**STRING, "maxLength": 64}, "version": {**STRING, "maxLength": 32}},
        ("text_id", "version"),
    )


def _document(documents: list[str]) -> Schema:
    """Any object; the listed schemas are those the processes check documents against."""
    return {"anyOf": [*({"$ref": ref} for ref in documents), OBJECT]}


def _create(processes: list[str], documents: list[str]) -> Schema:
    return _object(
        {
            "process": {"enum": processes},
            "workflow": STRING,
            "matter": STRING,
            "data": _document(documents),
            "captcha": {
                **_object({"id": STRING, "answer": STRING}, ("id", "answer")),
                "description": "Without an account: the captcha answered (public workflows)",
            },
        },
        ("process",),
    )


def _save(processes: list[str], documents: list[str]) -> Schema:
    return _object({"data": _document(documents)}, ("data",))


def _reply(processes: list[str], documents: list[str]) -> Schema:
    return _object(
        {
            "reply": {**STRING, "description": "答复意见 / reply to the applicant"},
            "input": {**OBJECT, "description": "The fields the transition declares"},
        }
    )


def _batch(processes: list[str], documents: list[str]) -> Schema:
    from .api.applications import BATCH_BODY

    return dict(BATCH_BODY)


def _code_request(processes: list[str], documents: list[str]) -> Schema:
    return _object(
        {
            "channel": {"enum": ["sms", "email"]},
            "target": {**STRING, "description": "The mobile number or e-mail address"},
            "purpose": {**STRING, "description": "One the processes declare"},
        },
        ("channel", "target", "purpose"),
    )


def _validate(processes: list[str], documents: list[str]) -> Schema:
    return _object(
        {
            "document": _document(documents),
            "workflow": STRING,
            "matter": STRING,
            "transition": STRING,
            "context": {**OBJECT, "description": "Facts beyond the document (unit, login, ...)"},
            "as_of": {**STRING, "format": "date", "description": "Evaluate the rules as of"},
        },
        ("document",),
    )


_LIST_QUERY = (
    ("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size (default 20)"),
    ("cursor", {"type": "integer", "minimum": 0}, "next_cursor of the previous page"),
    ("process", STRING, "Only this process"),
    ("state", STRING, "Only applications in this state"),
    ("workflow", STRING, "Only this workflow"),
    ("matter", STRING, "Only this matter"),
    ("region", STRING, "Region code prefix (110000: all of Beijing)"),
)

KNOWN: dict[tuple[str, str], Known] = {
    ("GET", "/healthz"): Known(
        "健康检查",
        "Health check",
        auth="none",
        response={"$ref": f"{COMPONENTS}Health"},
        responses={
            "503": {
                "description": "数据库不可达 / The database cannot be reached (same body)",
                "content": {"application/json": {"schema": {"$ref": f"{COMPONENTS}Health"}}},
            }
        },
    ),
    ("GET", "/metrics"): Known(
        "运行指标", "Prometheus metrics (reviewers, admins)", media_type="text/plain"
    ),
    ("GET", "/api/openapi.json"): Known("接口描述", "This OpenAPI document", auth="none"),
    ("GET", "/api/docs"): Known(
        "接口文档", "Browsable API documentation", auth="none", media_type="text/html"
    ),
    ("GET", "/api/processes"): Known("业务列表", "List the processes", auth="none"),
    ("GET", "/api/processes/{process}"): Known("业务说明", "Describe a process", auth="none"),
    ("POST", "/api/processes/{process}/validate"): Known(
        "校验（试算）",
        "Dry-run validation",
        body=_validate,
        auth="optional",
        response={"$ref": f"{COMPONENTS}Decision"},
    ),
    ("GET", "/api/rules"): Known("规则集", "Rulesets, versions and sources (reviewers, admins)"),
    ("POST", "/api/auth/login"): Known("登录", "Log in", body=_login, auth="none"),
    ("POST", "/api/auth/logout"): Known("退出登录", "Log out", status=204),
    ("GET", "/api/auth/me"): Known("当前账号", "The current account", response=shapes.ACCOUNT),
    ("GET", "/api/agreements/{text_id}"): Known(
        "协议文本",
        "The text in force, and whether the caller agreed",
        auth="optional",
        response=shapes.AGREEMENT_TEXT,
    ),
    ("POST", "/api/verification-codes"): Known(
        "获取验证码",
        "Send a verification code",
        status=202,
        body=_code_request,
        auth="none",
        response=shapes.CODE_SENT,
    ),
    ("POST", "/api/auth/agreements"): Known(
        "同意文本", "Agree to a text", status=201, body=_agreement
    ),
    ("POST", "/api/captchas"): Known(
        "获取图形验证码",
        "Get an image captcha",
        status=201,
        auth="none",
        response=_object(
            {
                "id": {**STRING, "pattern": "^[0-9a-f]{32}$"},
                "image": {**STRING, "description": "data:image/png;base64,… (160×60)"},
                "expires_at": {**STRING, "format": "date-time"},
            },
            ("id", "image", "expires_at"),
        ),
    ),
    ("POST", "/api/applications"): Known(
        "新建申请（草稿）",
        "Create a draft application",
        status=201,
        body=_create,
        headers=(("Idempotency-Key", False, "Repeat a request safely: same key, same answer"),),
        # A public entry workflow starts without an account, behind a captcha.
        auth="optional",
        response=shapes.APPLICATION_REF,
    ),
    ("GET", "/api/applications"): Known(
        "申请列表", "List applications", query=_LIST_QUERY, response=shapes.PAGE
    ),
    ("GET", "/api/applications/{id}"): Known(
        "查看申请", "Read an application", response=shapes.APPLICATION_REF
    ),
    ("PUT", "/api/applications/{id}"): Known(
        "暂存", "Save the draft", body=_save, headers=IF_MATCH, response=shapes.APPLICATION_REF
    ),
    ("DELETE", "/api/applications/{id}"): Known(
        "删除申报材料",
        "Delete the material of a draft",
        status=204,
        headers=IF_MATCH,
        responses={
            "200": {
                "description": "已提交过：材料删除，申请保留 / Once submitted: material gone, "
                "the application kept",
                "content": {"application/json": {"schema": shapes.APPLICATION_REF}},
            }
        },
    ),
    ("POST", "/api/applications/{id}/transitions/{name}"): Known(
        "办理操作",
        "Take a transition",
        body=_reply,
        body_required=False,
        headers=IF_MATCH,
        response=shapes.STEP,
    ),
    ("POST", "/api/batch/transitions/{name}"): Known(
        "批量办理", "Take one transition on many applications", body=_batch, response=shapes.BATCH
    ),
    ("POST", "/api/applications/{id}/validate"): Known(
        "校验已保存的申请",
        "Validate the stored application",
        query=(("transition", STRING, "Which transition (default: the first open one)"),),
        response={"$ref": f"{COMPONENTS}Decision"},
    ),
    ("GET", "/api/applications/{id}/history"): Known(
        "办理记录", "History with decisions", response=shapes.items({"type": "object"})
    ),
    ("POST", "/api/applications/{id}/attachments"): Known(
        "上传附件",
        "Attach a file",
        status=201,
        body=_upload,
        body_media="multipart/form-data",
        headers=IF_MATCH,
        response={"$ref": f"{COMPONENTS}Attachment"},
    ),
    ("GET", "/api/applications/{id}/attachments"): Known(
        "附件列表",
        "The attached files and the types this application takes",
        response=shapes.items(
            {"$ref": f"{COMPONENTS}Attachment"}, types={"type": "array", "items": OBJECT}
        ),
    ),
    ("DELETE", "/api/applications/{id}/attachments/{attachment_id}"): Known(
        "删除附件", "Remove an attached file", status=204, headers=IF_MATCH
    ),
    ("GET", "/api/attachments/{id}"): Known(
        "下载附件", "Download an attached file", media_type="application/octet-stream"
    ),
    ("GET", "/api/applications/{id}/forms/{name}.pdf"): Known(
        "下载表格", "Download a form, filled in from the application", media_type="application/pdf"
    ),
    ("GET", "/api/applications/{id}/forms"): Known(
        "表格列表",
        "The forms to download",
        response=shapes.items({**OBJECT, "required": ["name", "url"]}),
    ),
    ("GET", "/api/applications/{id}/correction-notice.pdf"): Known(
        "补正告知书",
        "The correction notice: why a transition would be refused now",
        query=(("transition", STRING, "Which transition (default: the first open one)"),),
        media_type="application/pdf",
    ),
}

#: Path parameters with a shape the route pattern does not say.
PATH_PARAMETERS: dict[str, Schema] = {
    "id": {"type": "integer", "minimum": 1},
    "attachment_id": {"type": "integer", "minimum": 1},
    "text_id": {**STRING, "minLength": 1, "maxLength": 64},
    "name": {**STRING, "minLength": 1, "maxLength": 64, "description": "Its name in the workflow"},
    "login": {**STRING, "minLength": 1, "maxLength": 64},
    "uscc": {**STRING, "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "description": "统一社会信用代码"},
}
#: Headers with a shape: If-Match is a version, written as its ETag or bare.
HEADERS: dict[str, Schema] = {"If-Match": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,10}"?$'}}
