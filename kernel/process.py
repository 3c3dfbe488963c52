"""A government process as its plugin describes it: matters, workflows, facts, files.

Plain frozen data, built from the plugin's manifest (``manifest.py``); the kernel runs every
process from this description alone, with no special case for any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules.model import Text

#: Roles the kernel itself gives: the job runner's actor and a visitor starting an entry workflow.
KERNEL_ROLES = frozenset({"system", "visitor"})


@dataclass(frozen=True)
class State:
    name: str
    title: Text
    initial: bool = False
    final: bool = False
    #: Still with the applicant and the parties taking part (engineers' 未上报: the enterprise
    #: has not reported the declaration yet): a step into it does not submit the subject, so
    #: reviewers neither list nor read it until it first reaches another state.
    before_review: bool = False
    #: What the applicant reads when it tries to change the material in this state, where the
    #: process says it in its own words (foreignwork: 只能查看已上传信息 once verified).
    locked: Text | None = None


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
    #: JSON Schema of the fields the actor sends with the step (a delivery channel, a code);
    #: ``None``: it takes none. They are the only client values the rules see beside the document.
    input: dict[str, Any] | None = None


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
    #: An entry workflow anyone may start without an account (behind a captcha).
    public: bool = False
    #: Rulesets that decide whether a subject may be created at all (a matter only handled at
    #: the counter): nothing is created when one of them blocks.
    create_rulesets: tuple[str, ...] = ()
    #: The plugin's route that saves this workflow's subjects: the generic PUT refuses them.
    save_route: str | None = None

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
class AgreementText:
    """A text an account must agree to (登录承诺), in the version in force.

    Held by the server: a client agrees to ``version`` of ``text_id``, never to words it sent.
    ``before_applications``: until the account has agreed to this version, none of the
    process's application endpoints answers it.
    """

    text_id: str
    title: Text
    version: str
    path: Path
    before_applications: bool = True

    def text(self) -> str:
        return self.path.read_text("utf-8")


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
    #: What it sends verification codes for (manifest ``verification_purposes``).
    verification_purposes: tuple[str, ...] = ()
    #: Its roles whose accounts give a captcha with every password login (``login_captcha``).
    login_captcha: tuple[str, ...] = ()
    #: Attachment types every workflow of the process takes.
    attachments: dict[str, AttachmentType] = field(default_factory=dict)
    #: YAML files beside the manifest: printable forms, demo data.
    forms_file: Path | None = None
    demo_file: Path | None = None
    #: Texts its applicants agree to, by ``text_id`` (``codeassign.login``).
    agreements: dict[str, AgreementText] = field(default_factory=dict)

    def matter(self, name: str) -> Matter:
        return next(m for m in self.matters if m.name == name)

    def attachment_types(self, workflow: str) -> dict[str, AttachmentType]:
        """What a subject of ``workflow`` may have attached: the process's, then its own."""
        return {**self.attachments, **self.workflows[workflow].attachments}

    def rulesets(self) -> set[str]:
        """Every ruleset some transition (or creation) of this process is guarded by."""
        guarded = {r for w in self.workflows.values() for t in w.transitions for r in t.rulesets}
        return guarded | {r for w in self.workflows.values() for r in w.create_rulesets}

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
            "agreements": {
                a.text_id: {
                    "title": a.title.as_dict(),
                    "version": a.version,
                    "before_applications": a.before_applications,
                }
                for a in self.agreements.values()
            },
            "matters": [
                {
                    "name": m.name,
                    "title": m.title.as_dict(),
                    "online": m.online,
                    "workflow": m.workflow,
                    "schema": m.schema,
                    "guide": {k: v.as_dict() for k, v in m.guide.items()},
                }
                for m in self.matters
            ],
            "workflows": {
                name: {
                    "title": w.title.as_dict(),
                    "subject": w.subject,
                    "schema": w.schema,
                    "public": w.public,
                    "create_rulesets": list(w.create_rulesets),
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
                            "input": t.input,
                        }
                        for t in w.transitions
                    ],
                }
                for name, w in self.workflows.items()
            },
        }
