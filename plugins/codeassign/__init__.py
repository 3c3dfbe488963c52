"""机关赋码: the codeassign process (PROCESSES.md CA-01..CA-09)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kernel import hookimpl

from .facts import facts_for

HERE = Path(__file__).parent


@hookimpl
def govflow_processes() -> list[Path]:
    return [HERE / "process.yaml"]


@hookimpl
def govflow_demo_data() -> list[Path]:
    return [HERE / "demo.yaml"]


@hookimpl
def govflow_facts(
    process: str,
    workflow: str,
    document: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[Mapping[str, Any]] | None:
    if process != "codeassign":
        return None
    return facts_for(workflow, document, context)


@hookimpl
def govflow_forms(process: str) -> list[Mapping[str, Any]] | None:
    """CA-08: the change form and the application form, read from ``forms.yaml`` each time so
    that an edited form prints without a restart."""
    if process != "codeassign":
        return None
    return yaml.safe_load((HERE / "forms.yaml").read_text("utf-8"))["forms"]
