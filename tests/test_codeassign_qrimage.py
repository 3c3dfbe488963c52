"""Login QR images (CA-02): what units really do to their image still logs in; nothing else does.

Every variant is built here with Pillow from make_png's own output, the way a user's tools would
produce it, so the tests need no stored fixtures.
"""

from __future__ import annotations

import io
import random
import secrets
import struct
import zlib

from PIL import Image, ImageDraw, ImageOps

from kernel import qrimage

PAYLOAD = "GFQR1.12." + "q3Zk8_Vn1-Lr0aWbYc2dEf4gHi6jKl9mNo7pQsTuVxy"  # 43-char url-safe secret


def _code(payload: str = PAYLOAD) -> Image.Image:
    return Image.open(io.BytesIO(qrimage.make_png(payload))).convert("RGB")


def _encode(image: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()


def _scaled(image: Image.Image, factor: float) -> Image.Image:
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS)


def _rotated(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor="white")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_the_payload_comes_back_from_the_png_as_issued() -> None:
    payload = "GFQR1.12." + secrets.token_urlsafe(32)
    assert len(payload.removeprefix("GFQR1.12.")) == 43
    assert qrimage.decode(qrimage.make_png(payload)) == payload


def test_the_issued_png_is_a_png_with_8_px_modules_and_a_quiet_zone() -> None:
    png = qrimage.make_png(PAYLOAD)
    image = Image.open(io.BytesIO(png))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.width == image.height
    assert image.width % 8 == 0
    # Version n has 17 + 4n modules, plus 4 modules of quiet zone on each side.
    assert (image.width // 8 - 8 - 17) % 4 == 0
    grey = image.convert("L")
    quiet = [grey.getpixel((x, y)) for x in range(32) for y in range(image.height)]
    assert min(quiet) == 255


def test_a_caption_does_not_stop_the_code_from_reading() -> None:
    png = qrimage.make_png(PAYLOAD, caption="北京市某某科技有限公司")
    assert qrimage.decode(png) == PAYLOAD


def test_an_empty_payload_is_refused_when_issuing() -> None:
    try:
        qrimage.make_png("")
    except ValueError:
        return
    raise AssertionError("make_png accepted an empty payload")


def test_a_chinese_payload_round_trips_as_utf8() -> None:
    assert qrimage.decode(qrimage.make_png("统一社会信用代码")) == "统一社会信用代码"


def test_a_jpeg_re_save_at_quality_70_still_logs_in() -> None:
    assert qrimage.decode(_encode(_code(), "JPEG", quality=70)) == PAYLOAD


def test_an_image_scaled_to_half_still_logs_in() -> None:
    assert qrimage.decode(_encode(_scaled(_code(), 0.5))) == PAYLOAD


def test_an_image_scaled_to_double_still_logs_in() -> None:
    assert qrimage.decode(_encode(_scaled(_code(), 2.0))) == PAYLOAD


def test_an_image_rotated_by_three_degrees_still_logs_in() -> None:
    assert qrimage.decode(_encode(_rotated(_code(), 3))) == PAYLOAD


def test_an_image_rotated_by_five_degrees_the_other_way_still_logs_in() -> None:
    assert qrimage.decode(_encode(_rotated(_code(), -5))) == PAYLOAD


def test_a_rotated_half_size_jpeg_still_logs_in() -> None:
    image = _scaled(_rotated(_code(), 4), 0.5)
    assert qrimage.decode(_encode(image, "JPEG", quality=70)) == PAYLOAD


def test_a_screenshot_with_a_white_border_still_logs_in() -> None:
    screen = Image.new("RGB", (1280, 800), "white")
    screen.paste(_code(), (400, 200))
    assert qrimage.decode(_encode(screen)) == PAYLOAD


def test_a_screenshot_with_a_grey_border_and_window_chrome_still_logs_in() -> None:
    screen = Image.new("RGB", (1366, 768), (192, 192, 192))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, 1365, 40), fill=(40, 40, 60))
    draw.rectangle((300, 80, 1000, 700), fill=(235, 235, 235), outline=(90, 90, 90))
    screen.paste(_code(), (470, 200))
    assert qrimage.decode(_encode(screen)) == PAYLOAD


def test_a_palette_png_still_logs_in() -> None:
    image = _code().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    assert image.mode == "P"
    assert qrimage.decode(_encode(image)) == PAYLOAD


def test_a_greyscale_png_still_logs_in() -> None:
    assert qrimage.decode(_encode(_code().convert("L"))) == PAYLOAD


def test_a_one_bit_png_still_logs_in() -> None:
    assert qrimage.decode(_encode(_code().convert("1"))) == PAYLOAD


def test_a_png_whose_white_was_made_transparent_still_logs_in() -> None:
    # Transparent pixels stored as black, as some editors do: read naively, all would be black.
    black = Image.new("L", _code().size, 0)
    rgba = Image.merge("RGBA", (black, black, black, ImageOps.invert(_code().convert("L"))))
    assert qrimage.decode(_encode(rgba)) == PAYLOAD


def test_a_truncated_png_is_refused() -> None:
    png = _encode(_scaled(_code(), 2.0))
    assert qrimage.decode(png[: len(png) // 2]) is None


def test_a_truncated_jpeg_is_refused() -> None:
    jpeg = _encode(_code(), "JPEG", quality=90)
    assert qrimage.decode(jpeg[: len(jpeg) // 2]) is None


def test_random_bytes_are_refused() -> None:
    noise = random.Random(2).randbytes(20_000)
    assert qrimage.decode(noise) is None


def test_random_bytes_behind_a_png_or_jpeg_signature_are_refused() -> None:
    noise = random.Random(3).randbytes(20_000)
    assert qrimage.decode(b"\x89PNG\r\n\x1a\n" + noise) is None
    assert qrimage.decode(b"\xff\xd8\xff\xe0" + noise) is None


def test_an_empty_upload_is_refused() -> None:
    assert qrimage.decode(b"") is None


def test_something_that_is_not_bytes_is_refused() -> None:
    assert qrimage.decode(None) is None  # type: ignore[arg-type]
    assert qrimage.decode(PAYLOAD) is None  # type: ignore[arg-type]


def test_a_text_file_is_refused_even_when_it_holds_the_payload() -> None:
    assert qrimage.decode(PAYLOAD.encode("ascii")) is None


def test_a_pdf_is_refused() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert qrimage.decode(pdf) is None


def test_a_gif_without_a_code_is_refused() -> None:
    assert qrimage.decode(_encode(Image.new("P", (200, 200), 0), "GIF")) is None


def test_a_bmp_without_a_code_is_refused() -> None:
    assert qrimage.decode(_encode(Image.new("RGB", (200, 200), "white"), "BMP")) is None


def test_a_gif_or_bmp_is_refused_even_with_the_code_in_it() -> None:
    assert qrimage.decode(_encode(_code(), "BMP")) is None
    assert qrimage.decode(_encode(_code().convert("P"), "GIF")) is None


def test_a_photo_without_a_qr_code_is_refused() -> None:
    photo = Image.effect_noise((800, 600), 50).convert("RGB")
    ImageDraw.Draw(photo).ellipse((200, 100, 600, 500), fill=(200, 120, 40))
    assert qrimage.decode(_encode(photo, "JPEG", quality=85)) is None


def test_an_image_with_two_different_qr_codes_is_refused_as_ambiguous() -> None:
    other = _code("GFQR1.12." + "A" * 43)
    both = Image.new("RGB", (800, 420), "white")
    both.paste(_code(), (0, 0))
    both.paste(other, (420, 0))
    assert qrimage.decode(_encode(both)) is None


def test_an_image_with_the_same_code_twice_is_not_ambiguous() -> None:
    both = Image.new("RGB", (800, 420), "white")
    both.paste(_code(), (0, 0))
    both.paste(_code(), (420, 0))
    assert qrimage.decode(_encode(both)) == PAYLOAD


def test_a_png_declaring_50000_by_50000_pixels_is_refused_at_once() -> None:
    width = height = 50_000
    rows = zlib.compress(bytes(1 + width // 8) * 64)  # a few real rows; the rest never needed
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )
    assert qrimage.decode(bomb) is None


def test_a_valid_image_over_the_pixel_limit_is_refused_even_with_the_code_in_it() -> None:
    # 7000 x 7000 is below Pillow's own bomb threshold, so only the module's limit refuses it.
    assert qrimage.MAX_PIXELS < 7000 * 7000
    huge = Image.new("L", (7000, 7000), 255)
    huge.paste(_scaled(_code(), 3.0).convert("L"), (3000, 3000))
    assert qrimage.decode(_encode(huge)) is None


def test_a_huge_but_valid_png_is_reduced_and_still_logs_in() -> None:
    huge = Image.new("L", (6000, 5000), 235)
    huge.paste(_scaled(_code(), 3.0).convert("L"), (2500, 2000))
    assert qrimage.decode(_encode(huge)) == PAYLOAD


def test_a_large_photo_like_jpeg_still_logs_in() -> None:
    photo = Image.effect_noise((2000, 2000), 40).convert("RGB")
    photo.paste(_scaled(_code(), 2.0), (600, 700))
    assert qrimage.decode(_encode(photo, "JPEG", quality=85)) == PAYLOAD


def test_an_upload_over_the_byte_limit_is_refused_unread() -> None:
    oversized = _encode(_code()) + bytes(qrimage.MAX_UPLOAD_BYTES)
    assert qrimage.decode(oversized) is None


def test_decoding_a_typical_upload_again_and_again_gives_the_same_payload() -> None:
    png = _encode(_code().resize((300, 300), Image.Resampling.LANCZOS))
    for _ in range(10):
        assert qrimage.decode(png) == PAYLOAD
