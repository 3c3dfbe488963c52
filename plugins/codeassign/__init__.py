"""机关赋码: the codeassign process (PROCESSES.md CA-01..CA-09)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kernel import hookimpl

from .facts import facts_for

HERE = Path(__file__).parent


@hookimpl
def govflow_processes() -> list[Path]:
    return [HERE / "process.yaml"]


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
