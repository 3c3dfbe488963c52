"""Reading a plugin's manifest into a ``Process``, with errors a plugin author can act on."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import filetype
import jsonschema

from . import yamlsource
from .process import (
    KERNEL_ROLES,
    AgreementText,
    AttachmentType,
    Matter,
    Process,
    State,
    Transition,
    Workflow,
)
from .rules.model import Text


class ManifestError(ValueError):
    """A manifest that does not describe a runnable process; lists every problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        super().__init__(f"{path}:\n  " + "\n  ".join(problems))


@cache
def _schema() -> dict[str, Any]:
    return json.loads(resources.files("kernel.meta").joinpath("manifest.schema.json").read_text())


def load_manifest(path: Path, *, rules_root: Path, schemas_root: Path, plugin: str = "") -> Process:
    """Load ``path``; folders it does not name default to ``<root>/<process name>``."""
    try:
        located = yamlsource.load(path.read_text("utf-8"))
    except (OSError, yamlsource.YamlError) as exc:
        line = getattr(exc, "line", 1)
        raise ManifestError(path, [f"line {line}: {exc}"]) from None
    data = located.data
    problems = [
        f"line {located.line_of(_pointer(e))}: {_pointer(e) or '/'}: {e.message}"
        for e in jsonschema.Draft202012Validator(_schema()).iter_errors(data)
    ]
    if problems:
        raise ManifestError(path, problems)
    process = _build(data, path, rules_root, schemas_root, plugin)
    problems = _consistency(process)
    if problems:
        raise ManifestError(path, problems)
    return process


def _pointer(error: jsonschema.ValidationError) -> str:
    return "".join(yamlsource.pointer_join("", p) for p in error.absolute_path)


def _text(raw: dict[str, str]) -> Text:
    return Text(raw["zh"], raw["en"])


def _folder(data: dict[str, Any], key: str, manifest: Path, root: Path) -> Path:
    return (manifest.parent / data[key]).resolve() if key in data else root / data["name"]


def _build(
    data: dict[str, Any], path: Path, rules_root: Path, schemas_root: Path, plugin: str
) -> Process:
    return Process(
        name=data["name"],
        version=data["version"],
        title=_text(data["title"]),
        description=data.get("description", ""),
        requires=tuple(data.get("requires", ())),
        roles=tuple(data.get("roles", ())),
        facts=dict(data.get("facts", {})),
        context=tuple(data.get("context", ())),
        verification_purposes=tuple(data.get("verification_purposes", ())),
        login_captcha=tuple(data.get("login_captcha", ())),
        attachments=_attachments(data.get("attachments", {})),
        matters=tuple(
            Matter(
                name=m["name"],
                title=_text(m["title"]),
                workflow=m["workflow"],
                online=m.get("online", True),
                schema=m.get("schema"),
                guide={k: _text(v) for k, v in m.get("guide", {}).items()},
            )
            for m in data.get("matters", ())
        ),
        workflows={name: _workflow(name, w) for name, w in data["workflows"].items()},
        schemas_dir=_folder(data, "schemas", path, schemas_root),
        rules_dir=_folder(data, "rules", path, rules_root),
        manifest=path,
        plugin=plugin,
        forms_file=(path.parent / data["forms"]).resolve() if "forms" in data else None,
        demo_file=(path.parent / data["demo"]).resolve() if "demo" in data else None,
        agreements={
            f"{data['name']}.{name}": AgreementText(
                text_id=f"{data['name']}.{name}",
                title=_text(a["title"]),
                version=a["version"],
                path=(path.parent / a["text"]).resolve(),
                before_applications=a.get("before_applications", True),
            )
            for name, a in data.get("agreements", {}).items()
        },
    )


def _attachments(raw: dict[str, Any]) -> dict[str, AttachmentType]:
    return {
        name: AttachmentType(
            name=name,
            title=_text(a["title"]),
            content_types=tuple(a["content_types"]),
            max_bytes=a["max_bytes"],
        )
        for name, a in raw.items()
    }


def _workflow(name: str, raw: dict[str, Any]) -> Workflow:
    return Workflow(
        name=name,
        title=_text(raw["title"]),
        subject=raw.get("subject", "application"),
        schema=raw.get("schema"),
        attachments=_attachments(raw.get("attachments", {})),
        public=raw.get("public", False),
        create_rulesets=tuple(raw.get("create_rulesets", ())),
        save_route=raw.get("save_route"),
        states=tuple(
            State(
                s["name"],
                _text(s["title"]),
                s.get("initial", False),
                s.get("final", False),
                s.get("before_review", False),
                _text(s["locked"]) if "locked" in s else None,
            )
            for s in raw["states"]
        ),
        transitions=tuple(
            Transition(
                name=t["name"],
                title=_text(t["title"]),
                source=tuple(t["from"]),
                target=t["to"],
                roles=tuple(t["roles"]),
                rulesets=tuple(t.get("rulesets", ())),
                reply=t.get("reply", "none"),
                batch=t.get("batch", False),
                input=t.get("input"),
            )
            for t in raw["transitions"]
        ),
    )


def _consistency(process: Process) -> list[str]:
    """What JSON Schema cannot say: names that must point at each other."""
    problems = []
    for wf in process.workflows.values():
        problems += _workflow_problems(wf)
        for t in wf.transitions:
            problems += _transition_problems(process, wf, t)
    for matter in process.matters:
        if matter.workflow not in process.workflows:
            problems.append(f"matter '{matter.name}' names unknown workflow '{matter.workflow}'")
        elif not matter.online and not process.workflows[matter.workflow].create_rulesets:
            problems.append(
                f"matter '{matter.name}' is not online, but workflow '{matter.workflow}' has no "
                "create_rulesets to tell an applicant so"
            )
    problems += [
        f"agreement '{a.text_id}': its text file {a.path} does not exist"
        for a in process.agreements.values()
        if not a.path.is_file()
    ]
    problems += [
        f"login_captcha names undeclared role '{r}'"
        for r in process.login_captcha
        if r not in process.roles
    ]
    problems += _attachment_problems("attachments", process.attachments)
    for wf in process.workflows.values():
        problems += _attachment_problems(f"workflow '{wf.name}' attachments", wf.attachments)
    return problems


def _attachment_problems(where: str, declared: dict[str, AttachmentType]) -> list[str]:
    """Uploads are typed by their content: a type nothing can recognise could never be sent."""
    return [
        f"{where}: '{a.name}' accepts '{mime}', which cannot be recognised from a file's content"
        for a in declared.values()
        for mime in a.content_types
        if filetype.get_type(mime=mime) is None
    ]


def _duplicates(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


def _workflow_problems(wf: Workflow) -> list[str]:
    initial = [s.name for s in wf.states if s.initial]
    problems = []
    if wf.public and not any("visitor" in t.roles for t in wf.leaving(next(iter(initial), ""))):
        problems.append(f"public workflow '{wf.name}': no step from its start is for 'visitor'")
    if len(initial) != 1:
        problems.append(f"workflow '{wf.name}' needs exactly one initial state, has {initial}")
    problems += [
        f"workflow '{wf.name}' declares state '{d}' twice"
        for d in _duplicates([s.name for s in wf.states])
    ]
    problems += [
        f"workflow '{wf.name}' declares transition '{d}' twice"
        for d in _duplicates([t.name for t in wf.transitions])
    ]
    return problems


def _transition_problems(process: Process, wf: Workflow, t: Transition) -> list[str]:
    where = f"transition '{wf.name}.{t.name}'"
    states = {s.name for s in wf.states}
    problems = [
        f"{where} names unknown state '{s}'" for s in (*t.source, t.target) if s not in states
    ]
    if process.roles:
        problems += [
            f"{where} names undeclared role '{r}'"
            for r in t.roles
            if r not in process.roles and r not in KERNEL_ROLES
        ]
    problems += [
        f"{where} is guarded by '{r}', which is not a ruleset of process '{process.name}'"
        for r in t.rulesets
        if not r.startswith(f"{process.name}.")
    ]
    return problems
