"""Login QR images: the PNG a process hands out as a login key, and reading an upload back.

Shared by the processes that log in with an image (codeassign CA-02, foreignwork FW-01); each
keeps its own register of issued secrets. A user logs in by uploading the image it was given,
so whatever comes in is untrusted bytes that a person may have re-saved, scaled,
screenshotted or replaced by anything at all. Encoding
is therefore generous (error correction Q, a full quiet zone, 8 px modules) so the code survives
that handling, and decoding is strict about everything *around* the code: only PNG and JPEG,
the declared size checked before any pixel is decoded, large images reduced before zxing sees
them, and exactly one QR code or nothing.

No caption is drawn: the only fonts on the project's machines (DejaVu) have no CJK glyphs, so a
unit name in Chinese would print as empty boxes, and shipping a CJK font (10+ MB) for a label is
not worth it. The image's file name already carries the unit's code (see ``loginimage.issue``).
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image, ImageFile

# Bigger than any screenshot or phone photo a unit would upload, far below what Pillow itself
# refuses (~179 MP): a 12-byte PNG header can declare 50000 x 50000 pixels (7.5 GB as RGB).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# zxing's time grows with the pixel count; 8 px modules stay >= 2 px even after this reduction
# of a screenshot several times the image's size, which zxing still reads.
MAX_SIDE = 2000

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
# Standard QR only: that is what make_png writes, and Micro/rMQR/Model 1 would only widen what a
# random photo can be mistaken for.
_FORMATS = zxingcpp.BarcodeFormat.QRCodeModel2


def make_png(payload: str, *, caption: str | None = None) -> bytes:
    """A PNG carrying payload as a QR code, generous enough to survive being re-saved by a user.

    ``caption`` is accepted so callers can pass the unit's name, but it is not drawn (no CJK
    font available; see the module's docstring).
    """
    if not payload:
        raise ValueError("a login QR image needs a payload")
    del caption
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_Q,
        box_size=8,
        border=4,
    )
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def decode(upload: bytes) -> str | None:
    """The text of the one QR code found in an uploaded image, or None: never raises for any input.

    A login form turns every failure into the same "not a valid login image", so there is
    nothing to gain from telling a broken file from a foreign one, and an exception here would
    let a crafted upload turn into a 500.
    """
    try:
        image = _open(upload)
        if image is None:
            return None
        found = zxingcpp.read_barcodes(image, formats=_FORMATS)
    except Exception:
        return None
    texts = {barcode.text for barcode in found if barcode.valid}
    # Two different codes in one picture: there is no telling which one the user meant.
    return texts.pop() if len(texts) == 1 else None


def _open(upload: bytes) -> Image.Image | None:
    """The upload as a small greyscale picture, or None before any costly decoding is done."""
    if not isinstance(upload, bytes | bytearray | memoryview):
        return None
    data = bytes(upload)
    if not data or len(data) > MAX_UPLOAD_BYTES:
        return None
    if data.startswith(_PNG_MAGIC):
        kind = "PNG"
    elif data.startswith(_JPEG_MAGIC):
        kind = "JPEG"
    else:
        return None
    # Image.open reads only the header; nothing is decompressed before the size is known.
    image: ImageFile.ImageFile = Image.open(io.BytesIO(data), formats=[kind])
    width, height = image.size
    if image.format != kind or width < 21 or height < 21 or width * height > MAX_PIXELS:
        return None
    if kind == "JPEG":
        # JPEG can be decoded at 1/2, 1/4 or 1/8 scale directly: cheap, and it bounds memory.
        image.draft("L", (MAX_SIDE, MAX_SIDE))
    return _flatten(image)


def _flatten(image: Image.Image) -> Image.Image:
    """Greyscale on white, at most MAX_SIDE px long, whatever mode the upload came in."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels carry arbitrary colour (often black): put them on white paper.
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, "white")
        paper.alpha_composite(rgba)
        image = paper
    grey = image.convert("L")
    if max(grey.size) > MAX_SIDE:
        grey.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BOX)
    return grey
