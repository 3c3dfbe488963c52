"""The PDFs carry their font (CA-08): a subset of a CJK TrueType font, embedded, not only named.

A CID font such as ``STSong-Light`` is referenced by name and each reader draws it with glyphs
of its own, or not at all; these tests read the PDF's font dictionaries as a reader does.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading

import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, resolve1
from reportlab.pdfbase.ttfonts import TTFontFile

from kernel import pdf

from . import test_forms_api as forms_api
from .factories import qr_login

#: The app with the accounts of the forms tests.
client = forms_api.client

TITLE = "机关、群团等统一社会信用代码证书信息变更申请表"
SUBSET = re.compile(r"[A-Z]{6}\+")


def fonts(body: bytes) -> dict[str, dict]:
    """Every font the pages use, by ``BaseFont``: its dictionary, with the descriptor resolved."""
    document = PDFDocument(PDFParser(io.BytesIO(body)))
    found = {}
    for page in PDFPage.create_pages(document):
        for ref in resolve1(page.resources.get("Font", {})).values():
            font = resolve1(ref)
            # A Type0 (CID) font keeps its descriptor in its one descendant font.
            described = resolve1(font.get("DescendantFonts", [font])[0])
            found[resolve1(font["BaseFont"]).name] = {
                **font,
                "FontDescriptor": resolve1(described.get("FontDescriptor")) or {},
            }
    return found


async def change_form(client) -> tuple[str, dict]:
    """The URL of a change form, and the headers of the unit that may download it."""
    unit = await qr_login("unit-a")
    application = await forms_api.create(client, unit, forms_api.CHANGE)
    return f"/api/applications/{application['id']}/forms/change-form.pdf", unit


async def download(client, url: str, headers: dict) -> bytes:
    response = await client.get(url, headers=headers)
    assert response.status == 200, await response.text()
    return await response.read()


async def test_the_form_embeds_a_subset_of_a_truetype_font_and_its_chinese_reads_back(client):
    body = await download(client, *await change_form(client))
    used = fonts(body)
    assert used, "the form names its fonts"
    for name, font in used.items():
        assert SUBSET.match(name), f"{name}: not a subset (no ABCDEF+ prefix)"
        assert isinstance(resolve1(font["FontDescriptor"].get("FontFile2")), PDFStream), (
            f"{name}: no embedded TrueType program (FontFile2), the reader would substitute one"
        )
        assert "ToUnicode" in font, f"{name}: no ToUnicode map, the text would not extract"
    assert TITLE in forms_api.pdf_text(body)


async def test_renders_in_the_executor_subset_the_shared_font_one_at_a_time(client, monkeypatch):
    """reportlab subsets by seeking in the one font file object of the process: two renders at
    once corrupt each other's subset (a ``KeyError`` now and then), so only one goes at a time."""
    inside, most, calls, count = 0, 0, 0, threading.Lock()
    two_inside = threading.Event()
    original = TTFontFile.makeSubset

    def watched(self, subset):
        nonlocal inside, most, calls
        with count:
            inside, calls = inside + 1, calls + 1
            most, first = max(most, inside), calls == 1
            if inside >= 2:
                two_inside.set()
        # The first render waits here until a second one comes in, or half a second: all six are
        # asked for at once, so only a lock keeps the second out.
        if first:
            two_inside.wait(0.5)
        try:
            return original(self, subset)
        finally:
            with count:
                inside -= 1

    monkeypatch.setattr(TTFontFile, "makeSubset", watched)
    url, unit = await change_form(client)
    bodies = await asyncio.gather(*(download(client, url, unit) for _ in range(6)))
    assert most == 1
    for body in bodies:
        text = forms_api.pdf_text(body)
        assert TITLE in text and "西大街2号" in text


def test_the_font_file_is_the_setting_else_the_debian_one_else_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(pdf.FONT_SETTING, raising=False)
    assert pdf.font_file() == pdf.FONT_FILES[0][0]

    chosen = tmp_path / "chosen.ttf"
    chosen.write_bytes(b"")
    monkeypatch.setenv(pdf.FONT_SETTING, str(chosen))
    assert pdf.font_file() == chosen
    monkeypatch.setenv(pdf.FONT_SETTING, str(tmp_path / "missing.ttf"))
    with pytest.raises(pdf.FontMissing, match=r"GOVFLOW_PDF_FONT=.*missing\.ttf: no such"):
        pdf.font_file()

    monkeypatch.delenv(pdf.FONT_SETTING)
    monkeypatch.setattr(pdf, "FONT_FILES", ((tmp_path / "absent.ttc", "fonts-wqy-microhei"),))
    with pytest.raises(pdf.FontMissing, match="install the Debian package fonts-wqy-microhei"):
        pdf.font_file()
