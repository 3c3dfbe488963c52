"""The printed page every govflow PDF shares: font, styles, header, signature lines, page numbers.

Forms (``forms.py``) and the correction notice (``notice.py``) are laid out with reportlab's
platypus from these pieces, so they look like one authority's paperwork. Rendering is CPU work:
callers on the event loop run ``build`` in an executor.

The font is embedded (CA-08): a paper signed and stamped must print the same everywhere. A CID
font such as ``STSong-Light`` is only named in the PDF, and each reader supplies its own glyphs,
or none without Adobe's CJK packs. So every PDF carries a subset of a CJK TrueType font, the
glyphs it uses and no more (a few tens of kB instead of the font's 5 MB), with a ``ToUnicode``
map that keeps the Chinese extractable as text. The file is ``GOVFLOW_PDF_FONT`` if set (a
``.ttf``, or a ``.ttc`` whose first face is used; it must have TrueType outlines, which rules
out the OpenType/CFF Noto CJK), else one of ``FONT_FILES``: WenQuanYi Micro Hei from Debian's
``fonts-wqy-microhei`` (Apache-2.0), which ``make install`` installs. Without a font file the
first render fails, naming the package: there is no silent fallback to a font that is not
embedded.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

#: The name the embedded font is registered under with reportlab.
FONT = "govflow-cjk"
#: The setting naming the font file to embed; it overrides ``FONT_FILES``.
FONT_SETTING = "GOVFLOW_PDF_FONT"
#: Where the font is looked for without the setting, first found wins, and the package of each.
FONT_FILES = ((Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), "fonts-wqy-microhei"),)
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
#: The width tables span: the page between the margins.
WIDTH = PAGE_WIDTH - 2 * MARGIN
#: The label column of a label/value table; wide enough for 网站开办主体职能简介 at 10.5 pt.
LABEL_WIDTH = 42 * mm
GRID = colors.black
SHADE = colors.Color(0.92, 0.92, 0.92)
#: One document at a time per process, and one registration: reportlab subsets the embedded font
#: by seeking in the one shared font file object, so two threads saving at once corrupt their
#: subsets (a ``KeyError`` in ``makeSubset``), and callers render in an executor's threads.
_LOCK = threading.RLock()


class FontMissing(RuntimeError):
    """No CJK TrueType font to embed: the message says what to install or set."""


def font_file() -> Path:
    """The TrueType file to embed: ``GOVFLOW_PDF_FONT`` if set, else the first of ``FONT_FILES``."""
    configured = os.environ.get(FONT_SETTING, "")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"{FONT_SETTING}={configured}: no such font file")
        return path
    for path, _package in FONT_FILES:
        if path.is_file():
            return path
    packages = " or ".join(package for _path, package in FONT_FILES)
    raise FontMissing(
        f"no CJK font to embed in PDFs: install the Debian package {packages} "
        f"(apt-get install {FONT_FILES[0][1]}; `make install` does it), "
        f"or set {FONT_SETTING} to a TrueType .ttf/.ttc file with Chinese glyphs"
    )


@cache
def font() -> str:
    """Register the TrueType font once per process (reportlab keeps a global registry).

    reportlab embeds, per document, a subset of the glyphs the document uses.
    """
    with _LOCK:  # two threads may both miss the cache; register once
        if FONT in pdfmetrics.getRegisteredFontNames():
            return FONT
        path = font_file()
        try:
            pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
        except TTFError as exc:  # e.g. OpenType with CFF outlines, which reportlab cannot embed
            raise FontMissing(f"{path}: cannot embed this font in PDFs ({exc})") from exc
    return FONT


@cache
def style(name: str) -> ParagraphStyle:
    """The few paragraph styles the documents use; ``wordWrap="CJK"`` breaks between Hanzi."""
    base = {"fontName": font(), "wordWrap": "CJK", "fontSize": 10.5, "leading": 15}
    styles = {
        "title": {"fontSize": 18, "leading": 26, "alignment": TA_CENTER, "spaceAfter": 4 * mm},
        "cell": {},
        "label": {},
        "heading": {"fontSize": 11, "leading": 16},
        "head": {"alignment": TA_CENTER},
        "indent": {"fontSize": 12, "leading": 22, "firstLineIndent": 24},
        "left": {"fontSize": 12, "leading": 22, "alignment": TA_LEFT},
        "right": {"fontSize": 12, "leading": 22, "alignment": TA_RIGHT},
        "small": {"fontSize": 9, "leading": 13},
    }
    return ParagraphStyle(name, **{**base, **styles[name]})


def text(value: object, kind: str = "cell") -> Paragraph:
    """User data as a paragraph: escaped (it may contain ``<`` or ``&``), line breaks kept."""
    shown = escape("" if value is None else str(value)).replace("\n", "<br/>")
    return Paragraph(shown, style(kind))


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def title_block(title: str, subtitle: Sequence[str]) -> list[Flowable]:
    """The heading, then one line naming the application the paper belongs to."""
    cells = [[text(part, "small") for part in subtitle]]
    line = Table(cells, colWidths=[WIDTH / len(subtitle)] * len(subtitle))
    line.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [text(title, "title"), line, Spacer(1, 2 * mm)]


def grid(rows: list[list[object]], widths: Sequence[float], extra: Iterable = ()) -> Table:
    """A ruled table, as printed forms are, that may break across pages."""
    table = Table(rows, colWidths=list(widths), repeatRows=0, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                # Plain-string cells (the blank beside a heading): not reportlab's Helvetica.
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                *extra,
            ]
        )
    )
    return table


def signature_block(labels: Sequence[str]) -> list[Flowable]:
    """One line per signer or stamp, with room for the stamp and a 年 月 日 to fill in.

    Plain strings, not paragraphs: a table draws them as they are, so the gaps in
    ``年    月    日`` stay where the hand-written date goes.
    """
    if not labels:
        return []
    rows = [[f"{label}：", "", "年      月      日"] for label in labels]
    table = Table(rows, colWidths=[62 * mm, 58 * mm, WIDTH - 120 * mm], rowHeights=12 * mm)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),
                ("FONTSIZE", (0, 0), (-1, -1), 12),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LINEBELOW", (1, 0), (1, -1), 0.6, GRID),
            ]
        )
    )
    return [Spacer(1, 4 * mm), KeepTogether([table])]


class _NumberedCanvas(Canvas):
    """Holds every page until the end, so each can say 第 n 页 共 N 页."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # reportlab's name: keep the page, draw it in save()
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFont(font(), 9)
            self.drawCentredString(PAGE_WIDTH / 2, 10 * mm, f"第 {number} 页 共 {total} 页")
            super().showPage()
        super().save()


def build(flowables: list[Flowable], *, title: str, subject: str = "") -> bytes:
    """The PDF bytes of ``flowables`` on A4, with page numbers and the title as metadata."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=font(),  # not reportlab's Helvetica, named but not embedded
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        subject=subject,
        author="govflow",
        creator="govflow",
    )
    with _LOCK:
        doc.build(flowables, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
