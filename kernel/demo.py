"""Demo accounts and applications from the plugins' ``govflow_demo_data`` files.

Loading goes through the same code as the API (``workflow.create``), so a demo application has
its audit record like any other; it is idempotent, so ``make serve`` may run it on every start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import workflow
from .auth import hash_password
from .core import Kernel
from .db.models import Account, Application

#: The password of every demo account (8-16 characters, letters and digits: WS-01 accepts it).
PASSWORD = "Demo2026pass"


@dataclass
class Loaded:
    accounts: list[str] = field(default_factory=list)
    applications: list[int] = field(default_factory=list)


async def load(kernel: Kernel) -> Loaded:
    """Create what the demo files describe and does not exist yet."""
    loaded = Loaded()
    files = [Path(p) for paths in kernel.pm.hook.govflow_demo_data() for p in paths]
    documents = [yaml.safe_load(f.read_text("utf-8")) or {} for f in files]
    password_hash = hash_password(PASSWORD)
    for document in documents:
        for raw in document.get("accounts", ()):
            if await _account(raw, password_hash):
                loaded.accounts.append(raw["username"])
    for document in documents:
        for raw in document.get("applications", ()):
            created = await _application(kernel, raw)
            if created is not None:
                loaded.applications.append(created)
    return loaded


async def _account(raw: dict[str, Any], password_hash: str) -> bool:
    if await Account.exists(username=raw["username"]):
        return False
    await Account.create(
        username=raw["username"],
        kind=raw["kind"],
        display_name=raw.get("display_name", raw["username"]),
        password_hash=password_hash,
        roles=raw.get("roles", []),
        scopes=raw.get("scopes", []),
        region=raw.get("region"),
        profile=raw.get("profile", {}),
    )
    return True


async def _application(kernel: Kernel, raw: dict[str, Any]) -> int | None:
    owner = await Account.get(username=raw["owner"])
    process = kernel.process(raw["process"])
    matter = raw.get("matter")
    name = raw.get("workflow") or next(
        (m.workflow for m in process.matters if m.name == matter), None
    )
    existing = Application.filter(owner_id=owner.id, process=process.name)
    if await existing.filter(workflow=name).exists() if name else await existing.exists():
        return None
    application = await workflow.create(
        kernel,
        workflow.Actor(owner),
        process.name,
        workflow=name,
        matter=matter,
        data=raw.get("data", {}),
    )
    return application.id
