"""党政机关网站开办审核: the websites process (PROCESSES.md WS-01..WS-07).

Its server side, one module a job: the registers and outside services it reads (``adapters``:
the register of organs, DNS, the site fetcher), its tables (``models``), what the rules know
beyond the document (``context``, ``facts``), what a step does (``effects``), whom it tells
(``notifications``), its own routes (``routes``: login with captcha, the handler's SMS code,
paper materials, the mount check, the query, 标识管理, the public listing) and the scheduled
re-check of mounted codes (``jobs``).
"""

from pathlib import Path

from kernel import Models, hookimpl

from .adapters import govflow_adapters
from .context import govflow_context, govflow_region, govflow_server_fields
from .effects import govflow_transition_effects
from .facts import facts_for as govflow_facts
from .formats import govflow_formats
from .jobs import govflow_jobs
from .notifications import govflow_notifications
from .routes import govflow_routes

__all__ = [
    "govflow_adapters",
    "govflow_context",
    "govflow_facts",
    "govflow_formats",
    "govflow_jobs",
    "govflow_notifications",
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
    return [Models("websites", f"{__name__}.models", f"{__name__}.migrations")]
