"""勘察设计注册工程师 / 注册建筑师, employer enterprise side (PROCESSES.md EN-01..EN-10).

Its server side, one module a job: the tables (``models``), what the rules know beyond the
document (``context``), who takes part in a declaration (``parties``), what transitions do
(``effects``: the declaration's searchable row, the register, messages), the outside services
(``adapters``), the commitment letter and the enterprise's pages (``routes``), the export
(``export``), the expiry warnings (``jobs``) and the demo rows (``demo``).
"""

from pathlib import Path

from kernel import Models, hookimpl

from .adapters import govflow_adapters
from .context import govflow_context, govflow_region, govflow_server_fields, govflow_takes_part
from .demo import govflow_demo
from .effects import govflow_transition_effects
from .facts import facts_for as govflow_facts
from .jobs import govflow_jobs
from .routes import govflow_routes

__all__ = [
    "govflow_adapters",
    "govflow_context",
    "govflow_demo",
    "govflow_facts",
    "govflow_jobs",
    "govflow_region",
    "govflow_routes",
    "govflow_server_fields",
    "govflow_takes_part",
    "govflow_transition_effects",
]


@hookimpl
def govflow_processes() -> list[Path]:
    return [Path(__file__).parent / "process.yaml"]


@hookimpl
def govflow_models() -> list[Models]:
    return [Models("engineers", f"{__name__}.models", f"{__name__}.migrations")]
