"""勘察设计注册工程师 / 注册建筑师, employer enterprise side (PROCESSES.md EN-01..EN-10)."""

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
def govflow_demo_data() -> list[Path]:
    return [HERE / "demo.yaml"]


@hookimpl
def govflow_facts(
    process: str,
    workflow: str,
    matter: str | None,
    document: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[Mapping[str, Any]] | None:
    if process != "engineers":
        return None
    return facts_for(workflow, matter, document, context)
