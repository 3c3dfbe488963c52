"""机关赋码: the codeassign process (PROCESSES.md CA-01..CA-09).

Its server side, one module a job: the unit register and login images (``models``,
``register``, ``loginimage``), what the rules know beyond the document (``context``), what a
delivered request does (``effects``), QR login and the register's routes (``routes``).
"""

from pathlib import Path

from kernel import Models, hookimpl

from .context import govflow_context, govflow_region, govflow_server_fields
from .effects import govflow_transition_effects
from .facts import facts_for as govflow_facts
from .routes import govflow_routes

__all__ = [
    "govflow_context",
    "govflow_facts",
    "govflow_region",
    "govflow_routes",
    "govflow_server_fields",
    "govflow_transition_effects",
]


@hookimpl
def govflow_processes() -> list[Path]:
    return [Path(__file__).parent / "process.yaml"]


@hookimpl
def govflow_models() -> list[Models]:
    return [Models("codeassign", f"{__name__}.models", f"{__name__}.migrations")]
