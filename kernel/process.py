"""A government process as its plugin describes it: matters, workflows, facts, files.

Plain frozen data, built from the plugin's manifest (``manifest.py``); the kernel runs every
process from this description alone, with no special case for any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules.model import Text


@dataclass(frozen=True)
class State:
    name: str
    title: Text
    initial: bool = False
    final: bool = False


@dataclass(frozen=True)
class Transition:
    """A guarded move: allowed ``roles`` take the subject from ``source`` to ``target``."""

    name: str
    title: Text
    source: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    rulesets: tuple[str, ...] = ()
    reply: str = "none"
    batch: bool = False


@dataclass(frozen=True)
class AttachmentType:
    """A kind of file a process accepts (身份证正面, 申请表扫描件, ...).

    ``content_types`` are checked against what the file's content is, never its name, and
    ``max_bytes`` stops an upload as soon as it is passed; the name is what rules ask for.
    """

    name: str
    title: Text
    content_types: tuple[str, ...]
    max_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title.as_dict(),
            "content_types": list(self.content_types),
            "max_bytes": self.max_bytes,
        }


@dataclass(frozen=True)
class Workflow:
    name: str
    title: Text
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    subject: str = "application"
    schema: str | None = None
    #: Attachment types only this workflow's subjects take; they override the process's.
    attachments: dict[str, AttachmentType] = field(default_factory=dict)

    @property
    def initial(self) -> State:
        return next(s for s in self.states if s.initial)

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def transition(self, name: str) -> Transition:
        return next(t for t in self.transitions if t.name == name)

    def leaving(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.source]


@dataclass(frozen=True)
class Matter:
    """One service a process offers (申请变更, 申请补领, ...); some only at the counter."""

    name: str
    title: Text
    workflow: str
    online: bool = True
    schema: str | None = None
    guide: dict[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class Process:
    name: str
    version: str
    title: Text
    workflows: dict[str, Workflow]
    schemas_dir: Path
    rules_dir: Path
    manifest: Path
    plugin: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    matters: tuple[Matter, ...] = ()
    facts: dict[str, str] = field(default_factory=dict)
    #: Optional parts of the server context its facts read (``other_applications``).
    context: tuple[str, ...] = ()
    #: Attachment types every workflow of the process takes.
    attachments: dict[str, AttachmentType] = field(default_factory=dict)

    def matter(self, name: str) -> Matter:
        return next(m for m in self.matters if m.name == name)

    def attachment_types(self, workflow: str) -> dict[str, AttachmentType]:
        """What a subject of ``workflow`` may have attached: the process's, then its own."""
        return {**self.attachments, **self.workflows[workflow].attachments}

    def rulesets(self) -> set[str]:
        """Every ruleset some transition of this process is guarded by."""
        return {r for w in self.workflows.values() for t in w.transitions for r in t.rulesets}

    def schema_for(self, workflow: str, matter: str | None = None) -> str | None:
        if matter is not None:
            found = self.matter(matter).schema
            if found:
                return found
        return self.workflows[workflow].schema

    def as_dict(self) -> dict[str, Any]:
        """The public description served by the API."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title.as_dict(),
            "description": self.description,
            "roles": list(self.roles),
            "attachments": {n: a.as_dict() for n, a in self.attachments.items()},
            "matters": [
                {
                    "name": m.name,
                    "title": m.title.as_dict(),
                    "online": m.online,
                    "workflow": m.workflow,
                    "schema": m.schema,
                }
                for m in self.matters
            ],
            "workflows": {
                name: {
                    "title": w.title.as_dict(),
                    "subject": w.subject,
                    "schema": w.schema,
                    "attachments": {n: a.as_dict() for n, a in w.attachments.items()},
                    "states": [
                        {
                            "name": s.name,
                            "title": s.title.as_dict(),
                            "initial": s.initial,
                            "final": s.final,
                        }
                        for s in w.states
                    ],
                    "transitions": [
                        {
                            "name": t.name,
                            "title": t.title.as_dict(),
                            "from": list(t.source),
                            "to": t.target,
                            "roles": list(t.roles),
                            "rulesets": list(t.rulesets),
                            "reply": t.reply,
                            "batch": t.batch,
                        }
                        for t in w.transitions
                    ],
                }
                for name, w in self.workflows.items()
            },
        }
