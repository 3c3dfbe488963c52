"""Printable forms: the definitions of a process's ``forms:`` file, filled and rendered.

A plugin describes a form as data (``kernel/meta/form.schema.json``): its title, the matters it
is for, and sections of rows that point into the application's data. The kernel does all the
layout here, so every process prints the same way and no plugin needs a PDF library: the title,
the application number and the unit, a ruled two-column table of label and value, a table for
each list, running text for letters, signature and stamp lines with dates, page numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from . import pdf
from .process import Process
from .rules.model import Text

#: Printed where the data has no value: a gap to fill in by hand.
BLANK = "＿＿＿＿＿＿"
#: ``{/pointer}`` or ``{/pointer|default}`` in running text.
PLACEHOLDER = re.compile(r"\{(/[^{}|]*)(?:\|([^{}]*))?\}")


class FormError(ValueError):
    """A plugin's form definition the kernel cannot print; names the form and the problems."""


@dataclass(frozen=True)
class Column:
    label: str
    pointer: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One line of a form: a field, a fixed text, a list as a table, or running text."""

    label: str | None = None
    pointer: str | None = None
    text: str | None = None
    #: A field's value -> its printed label; for a paragraph, per placeholder pointer.
    values: Mapping[str, Any] = field(default_factory=dict)
    columns: tuple[Column, ...] = ()
    paragraph: str | None = None
    align: str = "indent"
    default: str = ""


@dataclass(frozen=True)
class Section:
    title: str | None
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Form:
    name: str
    title: Text
    sections: tuple[Section, ...]
    matters: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: The states in which the form may be printed (none named: any state).
    states: tuple[str, ...] = ()

    def applies_to(self, matter: str | None) -> bool:
        """A form that names no matters is for every matter of its process."""
        return not self.matters or matter in self.matters

    def printable_in(self, state: str | None) -> bool:
        """A form that names states prints only in them (e.g. once a review has passed)."""
        return not self.states or state in self.states

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title.as_dict(), "matters": list(self.matters)}


@dataclass(frozen=True)
class Header:
    """What the top of every printed form says about the application it belongs to."""

    application_id: int
    unit: str
    printed: dt.date


# -- definitions ---------------------------------------------------------------------------------


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("kernel.meta").joinpath("form.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def parse(raw: Mapping[str, Any]) -> Form:
    """A definition as a ``Form``, or ``FormError`` listing every problem with its pointer."""
    problems = [
        f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(raw)
    ]
    if problems:
        name = raw.get("name", "?") if isinstance(raw, Mapping) else "?"
        raise FormError(f"form '{name}' is not a valid form definition: " + "; ".join(problems))
    return Form(
        name=raw["name"],
        title=Text(raw["title"]["zh"], raw["title"]["en"]),
        sections=tuple(_section(s) for s in raw["sections"]),
        matters=tuple(raw.get("matters", ())),
        signatures=tuple(raw.get("signatures", ())),
        notes=tuple(raw.get("notes", ())),
        states=tuple(raw.get("states", ())),
    )


def _section(raw: Mapping[str, Any]) -> Section:
    return Section(raw.get("title"), tuple(_row(r) for r in raw["rows"]))


def _row(raw: Mapping[str, Any]) -> Row:
    columns = tuple(
        Column(c["label"], c["pointer"], c.get("values", {})) for c in raw.get("columns", ())
    )
    return Row(
        label=raw.get("label"),
        pointer=raw.get("pointer"),
        text=raw.get("text"),
        values=raw.get("values", {}),
        columns=columns,
        paragraph=raw.get("paragraph"),
        align=raw.get("align", "indent"),
        default=raw.get("default", ""),
    )


def forms_of(process: Process) -> list[Form]:
    """The forms of the process's ``forms:`` file, read each time (an edit prints at once)."""
    if process.forms_file is None:
        return []
    raw = yaml.safe_load(process.forms_file.read_text("utf-8")) or {}
    forms: dict[str, Form] = {}
    for definition in raw.get("forms", ()):
        form = parse(definition)
        if form.name in forms:
            raise FormError(f"two forms of process '{process.name}' are named '{form.name}'")
        forms[form.name] = form
    return list(forms.values())


def available(process: Process, matter: str | None) -> list[Form]:
    """The forms an application of ``matter`` may print."""
    return [f for f in forms_of(process) if f.applies_to(matter)]


# -- filling in ----------------------------------------------------------------------------------


def resolve(data: Any, pointer: str) -> Any:
    """The value at a JSON Pointer (RFC 6901), or ``None`` when any step is missing."""
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def shown(value: Any, values: Mapping[str, str] | None = None) -> str:
    """A value as it prints: enumerations in Chinese, yes/no as 是/否, lists joined with 、."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(shown(v, values) for v in value)
    return (values or {}).get(str(value), str(value))


def fill(template: str, data: Any, values: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Running text with each ``{/pointer}`` replaced by its value.

    A missing value prints as ``{/pointer|default}``'s default, else as a blank to write in.
    """
    values = values or {}

    def value(match: re.Match[str]) -> str:
        pointer, default = match.group(1), match.group(2)
        return shown(resolve(data, pointer), values.get(pointer)) or default or BLANK

    return PLACEHOLDER.sub(value, template)


# -- layout --------------------------------------------------------------------------------------


def render(form: Form, data: Mapping[str, Any], header: Header) -> bytes:
    """The filled form as PDF bytes (CPU work: run it in an executor from a handler)."""
    subtitle = [
        f"申请编号：{header.application_id}",
        f"单位：{header.unit or BLANK}",
        f"打印日期：{pdf.zh_date(header.printed)}",
    ]
    story: list[Flowable] = pdf.title_block(form.title.zh, subtitle)
    for section in form.sections:
        story += _section_flowables(section, data)
    story += pdf.signature_block(form.signatures)
    if form.notes:
        story.append(Spacer(1, 2 * mm))
        story += [pdf.text(note, "small") for note in form.notes]
    return pdf.build(story, title=form.title.zh, subject=form.title.en)


def _section_flowables(section: Section, data: Mapping[str, Any]) -> list[Flowable]:
    """Consecutive fields share one ruled table; a list or a paragraph starts a new piece."""
    out: list[Flowable] = []
    fields: list[list[object]] = []
    heading = section.title
    for row in section.rows:
        if row.columns or row.paragraph is not None:
            out += _fields_table(heading, fields)
            fields, heading = [], None
            out += _list_table(row, data) if row.columns else [_paragraph(row, data)]
        else:
            fields.append([pdf.text(row.label, "label"), pdf.text(_value(row, data))])
    out += _fields_table(heading, fields)
    return out


def _value(row: Row, data: Mapping[str, Any]) -> str:
    """A field's fixed text, or what the data holds at its pointer, or the row's default."""
    if row.text is not None:
        return row.text
    return shown(resolve(data, row.pointer or ""), row.values) or row.default


def _fields_table(heading: str | None, rows: list[list[object]]) -> list[Flowable]:
    if not rows and heading is None:
        return []
    widths = (pdf.LABEL_WIDTH, pdf.WIDTH - pdf.LABEL_WIDTH)
    style: list[tuple] = [("BACKGROUND", (0, 0), (0, -1), pdf.SHADE)]
    if heading is not None:
        rows = [[pdf.text(heading, "heading"), ""], *rows]
        style = [
            ("SPAN", (0, 0), (1, 0)),
            ("BACKGROUND", (0, 0), (1, 0), pdf.SHADE),
            ("BACKGROUND", (0, 1), (0, -1), pdf.SHADE),
        ]
    return [pdf.grid(rows, widths, style), Spacer(1, 3 * mm)]


def _list_table(row: Row, data: Mapping[str, Any]) -> list[Flowable]:
    """The list's label across the top, a header of column labels, then one line per item."""
    items = resolve(data, row.pointer)
    items = items if isinstance(items, list) and items else [{}]
    count = len(row.columns)
    body = [
        [pdf.text(shown(resolve(item, c.pointer), c.values)) for c in row.columns] for item in items
    ]
    rows = [
        [pdf.text(row.label, "heading"), *[""] * (count - 1)],
        [pdf.text(c.label, "head") for c in row.columns],
        *body,
    ]
    style = [
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, 1), pdf.SHADE),
    ]
    return [pdf.grid(rows, [pdf.WIDTH / count] * count, style), Spacer(1, 3 * mm)]


def _paragraph(row: Row, data: Mapping[str, Any]) -> Flowable:
    return pdf.text(fill(row.paragraph or "", data, row.values), row.align)
