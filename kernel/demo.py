"""Demo accounts and applications from the processes' ``demo:`` files.

Loading goes through the same code as the API (``workflow.create``), so a demo application has
its audit record like any other; it is idempotent, so ``make serve`` may run it on every start.
"""

from __future__ import annotations

import base64
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tortoise.transactions import in_transaction

from . import agreements, attachments, workflow
from .auth import hash_password
from .core import Kernel
from .db.models import Account, Application
from .plugins import await_me_maybe
from .visitors import new_visitor

#: The password of every demo account (8-16 characters, letters and digits: WS-01 accepts it).
PASSWORD = "Demo2026pass"


@dataclass
class Loaded:
    accounts: list[str] = field(default_factory=list)
    applications: list[int] = field(default_factory=list)
    #: Files the demo's steps were handed (a unit's login image), written under the data dir.
    files: list[Path] = field(default_factory=list)


async def load(kernel: Kernel) -> Loaded:
    """Create what the demo files describe and does not exist yet."""
    loaded = Loaded()
    files = [p.demo_file for p in kernel.processes.values() if p.demo_file is not None]
    documents = [yaml.safe_load(f.read_text("utf-8")) or {} for f in files]
    password_hash = hash_password(PASSWORD)
    for document in documents:
        for raw in document.get("accounts", ()):
            if await _account(raw, password_hash):
                loaded.accounts.append(raw["username"])
    owners = [p for p in kernel.processes.values() if p.demo_file is not None]
    for process, document in zip(owners, documents, strict=True):  # own tables, then subjects
        for made in kernel.hook(process.name, "govflow_demo")(
            process=process.name, folder=process.demo_file.parent, document=document
        ):
            await await_me_maybe(made)
    for path, document in zip(files, documents, strict=True):
        for raw in document.get("applications", ()):
            created = await _application(kernel, raw)
            if created is not None:
                loaded.applications.append(created.id)
                loaded.files += await _steps(kernel, created, raw.get("steps", ()), path.parent)
    return loaded


async def _steps(
    kernel: Kernel, application: Application, steps: list[dict[str, Any]], folder: Path
) -> list[Path]:
    """What the demo does next with a subject, through the API's own code: agree to a text,
    attach a file, take a transition as a named account, run a plugin's own demo action (what
    a person does through that plugin's routes, e.g. typing the SMS code); files an effect
    hands back are written out."""
    written: list[Path] = []
    for step in steps:
        actor = await _actor(application, step.get("as"))
        await application.refresh_from_db()
        if "agree" in step:  # the text's version in force, as the API's agreement route
            current = agreements.text(kernel, step["agree"])
            await agreements.agree(kernel, actor.account, step["agree"], current.version)
            continue
        if "run" in step:  # a plugin's own demo action, ``module:function(kernel, subject)``
            module, _, name = step["run"].partition(":")
            await getattr(importlib.import_module(module), name)(kernel, application)
            continue
        if "attach" in step:
            upload = _FileUpload(folder / step["attach"]["file"])
            await attachments.attach(
                kernel,
                attachments.BlobStore.of(kernel.config),
                actor,
                application,
                step["attach"]["type"],
                upload,
                if_match=application.version,
            )
            continue
        _, _, handed = await workflow.transition(
            kernel,
            actor,
            application,
            step["transition"],
            if_match=application.version,
            reply=step.get("reply"),
            input=step.get("input"),
        )
        written += _write_files(kernel.config.data_dir / "demo", handed)
    return written


async def _actor(application: Application, username: str | None) -> workflow.Actor:
    if username is None:
        return workflow.Actor(await Account.get(id=application.owner_id))
    return workflow.Actor(await Account.get(username=username))


def _write_files(folder: Path, handed: dict[str, Any]) -> list[Path]:
    """Every ``{filename, content_base64}`` an effect handed back, as a file in ``folder``."""
    written = []
    for value in handed.values():
        if isinstance(value, dict) and {"filename", "content_base64"} <= value.keys():
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / Path(value["filename"]).name
            target.write_bytes(base64.b64decode(value["content_base64"]))
            written.append(target)
    return written


class _FileUpload:
    """A file from the demo folder, read the way an upload is (``attachments.Upload``)."""

    def __init__(self, path: Path) -> None:
        self._data, self.filename = path.read_bytes(), path.name

    async def read_chunk(self, size: int = 65536) -> bytes:
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


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


async def _application(kernel: Kernel, raw: dict[str, Any]) -> Application | None:
    process = kernel.process(raw["process"])
    if raw["owner"] == "visitor":  # a public entry workflow: a visitor of its own
        return await _visitor_application(kernel, raw)
    owner = await Account.get(username=raw["owner"])
    matter = raw.get("matter")
    name = raw.get("workflow") or next(
        (m.workflow for m in process.matters if m.name == matter), None
    )
    existing = Application.filter(owner_id=owner.id, process=process.name, deleted_at=None)
    if name:
        existing = existing.filter(workflow=name)
    if matter:  # one of each matter: a unit may open one site and have another re-checked
        existing = existing.filter(matter=matter)
    if await existing.exists():
        return None
    application = await workflow.create(
        kernel,
        workflow.Actor(owner),
        process.name,
        workflow=name,
        matter=matter,
        data=raw.get("data", {}),
    )
    return application


async def _visitor_application(kernel: Kernel, raw: dict[str, Any]) -> Application | None:
    """Created once: a visitor's subject with the same data already there is left alone
    (compared as stored: with its identifiers in canonical form)."""
    existing = await Application.filter(
        process=raw["process"], workflow=raw["workflow"], owner__kind="visitor"
    ).values_list("data", flat=True)
    process = kernel.process(raw["process"])
    data = workflow.normalised(kernel, process, raw["workflow"], None, raw.get("data", {}))
    if data in existing:
        return None
    async with in_transaction():
        account, _ = await new_visitor()
        return await workflow.create(
            kernel,
            workflow.Actor(account, "visitor"),
            raw["process"],
            workflow=raw["workflow"],
            matter=None,
            data=raw.get("data", {}),
        )
