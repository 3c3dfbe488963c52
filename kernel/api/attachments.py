"""Attachments over HTTP: upload (multipart), list, download, delete.

An upload is ``multipart/form-data`` with a ``type`` field first, then the ``file`` part: the
type must be known before the file is read, so that its size limit stops the upload early and
nothing of a refused file is kept. Writes name the application's version (``If-Match``) like
every other change of it. Who may not read the application gets 404 for its files too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage

from .. import attachments, auth
from ..attachments import BlobStore
from ..db.models import Attachment, Blob
from ..errors import NotFound, PayloadTooLarge, field_error
from ..keys import KERNEL
from ..process import AttachmentType
from .http import etag, if_match, json_response
from .subjects import actor as actor_of
from .subjects import path_number, readable

routes = web.RouteTableDef()

#: The ``type`` field is a name (``id_front``), never more than this.
TYPE_FIELD_BYTES = 64


def describe(
    attachment: Attachment, blob: Blob, types: dict[str, AttachmentType]
) -> dict[str, Any]:
    """An attachment's metadata, as the list and the upload answer show it."""
    kind = types.get(attachment.type)
    return {
        "id": attachment.id,
        "type": attachment.type,
        "title": kind.title.as_dict() if kind else None,
        "filename": attachment.filename,
        "content_type": blob.content_type,
        "size": blob.size,
        "sha256": blob.sha256,
        "uploaded_at": attachment.created_at.isoformat(),
        "url": f"/api/attachments/{attachment.id}",
    }


def content_disposition(filename: str) -> str:
    """RFC 6266 with RFC 5987: an ASCII stand-in for old clients, the exact UTF-8 name too."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _field_text(part: BodyPartReader, limit: int) -> str:
    raw = b""
    while chunk := await part.read_chunk(limit + 1):
        raw += chunk
        if len(raw) > limit:
            raise field_error("/type", "request.type", "附件类型无效", "Invalid attachment type")
    return raw.decode("utf-8", "replace").strip()


async def _type_and_file(request: web.Request) -> tuple[str, BodyPartReader]:
    """The ``type`` field's value and the ``file`` part, unread, in that order."""
    if request.content_type != "multipart/form-data":
        raise field_error(
            "/",
            "request.multipart",
            "请以multipart/form-data上传文件",
            "Send the file as multipart/form-data",
        )
    try:
        reader = await request.multipart()
        first = await reader.next()
        if not isinstance(first, BodyPartReader) or first.name != "type":
            raise field_error(
                "/type",
                "request.required",
                "请先填写附件类型（type在file之前）",
                "Send the type field first, before the file",
            )
        type_name = await _field_text(first, TYPE_FIELD_BYTES)
        second = await reader.next()
    except (ValueError, BadHttpMessage):  # BadHttpMessage: a part's headers do not parse
        raise field_error(
            "/", "request.multipart", "上传内容格式错误", "The multipart body is malformed"
        ) from None
    if not isinstance(second, BodyPartReader) or second.name != "file":
        raise field_error("/file", "request.required", "请选择要上传的文件", "file is required")
    return type_name, second


@routes.post("/api/applications/{id}/attachments")
async def upload(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, path_number(request, "id"))
    version = if_match(request)
    limit = kernel.config.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"at most {limit} bytes")
    type_name, part = await _type_and_file(request)
    attachment, blob = await attachments.attach(
        kernel,
        BlobStore.of(kernel.config),
        actor,
        application,
        type_name,
        part,
        if_match=version,
    )
    types = kernel.process(application.process).attachment_types(application.workflow)
    body = describe(attachment, blob, types)
    headers = {**etag(version + 1), "Location": body["url"]}
    return json_response(body, status=201, headers=headers)


@routes.get("/api/applications/{id}/attachments")
async def list_attachments(request: web.Request) -> web.Response:
    """The files attached, and the types this application takes (for the upload page)."""
    kernel = request.app[KERNEL]
    account = auth.current_account(request)
    application = await readable(request, account, path_number(request, "id"))
    types = kernel.process(application.process).attachment_types(application.workflow)
    rows = (
        await Attachment.filter(application_id=application.id).select_related("blob").order_by("id")
    )
    body = {
        "items": [describe(a, a.blob, types) for a in rows],
        "types": [t.as_dict() for t in types.values()],
    }
    return json_response(body, headers=etag(application.version))


@routes.get("/api/attachments/{id}")
async def download(request: web.Request) -> web.StreamResponse:
    kernel = request.app[KERNEL]
    account = auth.current_account(request)
    attachment_id = path_number(request, "id")
    attachment = await Attachment.get_or_none(id=attachment_id).select_related("blob")
    missing = NotFound(f"no attachment {attachment_id}")
    if attachment is None:
        raise missing
    try:
        await readable(request, account, attachment.application_id)
    except NotFound:
        raise missing from None  # the same answer whether it exists or not
    blob = attachment.blob
    path = BlobStore.of(kernel.config).locate(blob.sha256, blob.content_type)
    if path is None:
        raise missing
    return web.FileResponse(
        path,
        headers={
            "Content-Type": attachment.blob.content_type,
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


@routes.delete("/api/applications/{id}/attachments/{attachment_id}")
async def remove(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    actor = actor_of(request)
    application = await readable(request, actor.account, path_number(request, "id"))
    version = if_match(request)
    await attachments.detach(
        kernel,
        BlobStore.of(kernel.config),
        actor,
        application,
        path_number(request, "attachment_id"),
        if_match=version,
    )
    return web.Response(status=204, headers=etag(version + 1))
