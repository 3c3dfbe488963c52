"""外国人来华工作管理服务系统: the foreignwork process (PROCESSES.md FW-01..FW-14)."""

from pathlib import Path

from kernel import hookimpl

from .facts import facts_for as govflow_facts

__all__ = ["govflow_facts"]


@hookimpl
def govflow_processes() -> list[Path]:
    return [Path(__file__).parent / "process.yaml"]
