"""党政机关网站开办审核: the websites process (PROCESSES.md WS-01..WS-07).

Contributes the manifest (unit registration and the website application workflows), the facts
the rules in ``rules/websites/`` decide on, and four formats that narrow the kernel's domain
and IP formats to what each box of the application form accepts, and the two paper materials
the unit prints, stamps and sends after the preliminary review (WS-05, `forms.yaml`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from kernel import hookimpl

from .facts import facts_for
from .formats import FORMATS

HERE = Path(__file__).parent


@hookimpl
def govflow_processes() -> list[Path]:
    return [HERE / "process.yaml"]


@hookimpl
def govflow_demo_data() -> list[Path]:
    return [HERE / "demo.yaml"]


@hookimpl
def govflow_formats() -> Mapping[str, Callable[[str], object]]:
    return FORMATS


@hookimpl
def govflow_facts(
    process: str,
    workflow: str,
    matter: str | None,
    document: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[Mapping[str, Any]] | None:
    if process != "websites":
        return None
    return facts_for(workflow, matter, document, context)


@hookimpl
def govflow_forms(process: str) -> list[Mapping[str, Any]] | None:
    """WS-05: the letter and the application form the unit stamps and sends, from
    ``forms.yaml`` (read each time, so an edited form prints without a restart)."""
    if process != "websites":
        return None
    return yaml.safe_load((HERE / "forms.yaml").read_text("utf-8"))["forms"]
