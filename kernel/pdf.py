"""The printed page every govflow PDF shares: font, styles, header, signature lines, page numbers.

Forms (``forms.py``) and the correction notice (``notice.py``) are laid out with reportlab's
platypus from these pieces, so they look like one authority's paperwork. The font is the
built-in CID font ``STSong-Light`` (Adobe-GB1): it needs no font file on the server, and PDF
readers supply the glyphs, so Chinese prints and stays extractable as text. Rendering is CPU
work: callers on the event loop run ``build`` in an executor.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
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

FONT = "STSong-Light"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
#: The width tables span: the page between the margins.
WIDTH = PAGE_WIDTH - 2 * MARGIN
#: The label column of a label/value table; wide enough for 网站开办主体职能简介 at 10.5 pt.
LABEL_WIDTH = 42 * mm
GRID = colors.black
SHADE = colors.Color(0.92, 0.92, 0.92)


@cache
def font() -> str:
    """Register the CID font once per process (reportlab keeps a global registry)."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
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
        TableStyle([("LEFTPADDING", (0, 0), (0, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return [text(title, "title"), line, Spacer(1, 2 * mm)]


def grid(rows: list[list[object]], widths: Sequence[float], extra: Iterable = ()) -> Table:
    """A ruled table, as printed forms are, that may break across pages."""
    table = Table(rows, colWidths=list(widths), repeatRows=0, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
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
    font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        subject=subject,
        author="govflow",
        creator="govflow",
    )
    doc.build(flowables, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
