"""外国人来华工作管理服务系统: the foreignwork process (PROCESSES.md FW-01..FW-14).

Its server side, one module a job: the tables (``models``), the national verifier adapter
(``verifier``), what the rules know beyond the document (``context``), what transitions do
inside their transaction (``effects``), the system's verification run (``jobs``), who hears of
a review (``notify``), and the routes (``routes``: login, legacy accounts, password recovery,
profiles, authorizations, matters).
"""

from pathlib import Path

from kernel import Models, hookimpl

from .context import govflow_context, govflow_server_fields
from .effects import govflow_transition_effects
from .facts import facts_for as govflow_facts
from .jobs import govflow_jobs
from .notify import govflow_notifications
from .routes import govflow_routes
from .verifier import govflow_adapters

__all__ = [
    "govflow_adapters",
    "govflow_context",
    "govflow_facts",
    "govflow_jobs",
    "govflow_notifications",
    "govflow_routes",
    "govflow_server_fields",
    "govflow_transition_effects",
]


@hookimpl
def govflow_processes() -> list[Path]:
    return [Path(__file__).parent / "process.yaml"]


@hookimpl
def govflow_models() -> list[Models]:
    return [Models("foreignwork", f"{__name__}.models", f"{__name__}.migrations")]


@hookimpl
async def govflow_demo(document: dict) -> None:
    """FW-02: the demo's register of legacy accounts (``legacy_accounts:`` in demo.yaml)."""
    from kernel.auth import hash_password

    from .models import LegacyAccount

    for row in document.get("legacy_accounts", ()):
        if await LegacyAccount.exists(legacy_login_name=row["legacy_login_name"]):
            continue
        await LegacyAccount.create(**row, password_hash=hash_password(LEGACY_DEMO_PASSWORD))


#: The legacy password of every demo legacy account.
LEGACY_DEMO_PASSWORD = "Legacy2020pass"
