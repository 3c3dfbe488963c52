"""外国人来华工作管理服务系统: the foreignwork process (PROCESSES.md FW-01..FW-14)."""

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
    if process != "foreignwork":
        return None
    return facts_for(workflow, matter, document, context)
