"""Reading a small multipart/form-data body whole, for plugin routes (a login image + captcha)."""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage

from ..errors import PayloadTooLarge, field_error

#: The most parts one form may have.
MAX_PARTS = 8


async def read_form(request: web.Request, max_bytes: int) -> dict[str, bytes]:
    """Every part by name; more than ``max_bytes`` in all is a 413, a malformed body a 400."""
    if request.content_type != "multipart/form-data":
        raise field_error(
            "/", "request.multipart", "请以multipart/form-data提交", "Send multipart/form-data"
        )
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"at most {max_bytes} bytes")
    parts: dict[str, bytes] = {}
    total = 0
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name or len(parts) >= MAX_PARTS:
                raise ValueError("unexpected part")
            raw = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise PayloadTooLarge(f"at most {max_bytes} bytes")
                raw += chunk
            parts[part.name] = bytes(raw)
    except (ValueError, BadHttpMessage):
        raise field_error(
            "/", "request.multipart", "提交内容格式错误", "The multipart body is malformed"
        ) from None
    return parts
