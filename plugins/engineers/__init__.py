"""勘察设计注册工程师 / 注册建筑师, employer enterprise side (PROCESSES.md EN-01..EN-10)."""

from pathlib import Path

from kernel import hookimpl

from .facts import facts_for as govflow_facts

__all__ = ["govflow_facts"]


@hookimpl
def govflow_processes() -> list[Path]:
    return [Path(__file__).parent / "process.yaml"]
