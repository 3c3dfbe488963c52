"""What the two hand-made peers of govflow share: the forms, the rule texts, the HTTP service.

Issue #13 compares govflow with the service a user would write instead of adopting it: aiohttp,
one jsonschema-rs validator per form, and the rules either as Python ``if``s
(``benchmarks.peer_handwritten``) or as one GoRules zen-engine decision
(``benchmarks.peer_zen``). Such a service answers the dry run with the same JSON as govflow,
so that the comparison is of the same work:

- **The forms** are the project's own schema files (``schemas/``), each compiled once into a
  jsonschema-rs validator with the kernel's identifier functions (``kernel.identifiers``, and
  the websites form's narrower checks of ``plugins/websites/formats.py``) as its formats, as
  the kernel's own schema registry wires them. A refused document is answered as govflow
  answers it: one violation per field, with govflow's codes and the field's title in the
  message (read once from the schema), sorted by field.
- **The rule texts** (id, kind, fields, messages, params, basis, source line) are read once at
  start from the rule files into a table, as a hand-written service keeps its messages; the
  ruleset's name, sha256 and source are those govflow reports for a ruleset loaded once
  (version 1). Which rules hold is decided by each peer in its own way; a rule file with a rule
  the peer does not know, or dates in force (which the peers do not replay), stops the peer at
  start rather than letting it answer differently.
- **The service**: ``POST /api/processes/{process}/validate`` and ``GET /healthz``, the body
  read with ``json.loads`` and the answer written with ``json.dumps(ensure_ascii=False)``, as a
  service written by hand does (govflow writes the same JSON with orjson, without the spaces);
  no access log, no metrics, no middleware.

``differences`` compares two answers field by field; ``benchmarks.peer_load`` and
``tests/test_benchmark_peers.py`` use it to hold the peers to govflow's answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema_rs
import yaml
from aiohttp import web

from kernel.identifiers import VALIDATORS
from plugins.websites.formats import FORMATS as WEBSITES_FORMATS

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "schemas"
RULES_DIR = ROOT / "rules"
#: The ids govflow gives its schema files (kernel/schemas.py), so ``$ref`` resolves alike.
BASE = "https://govflow.local/schemas/"
CHINA = dt.timezone(dt.timedelta(hours=8))
BLOCKING = ("violation", "requirement")

Format = Callable[[str], object]
Answer = dict[str, Any]


def today() -> dt.date:
    """Rules count days in China, whatever the server's zone (as govflow does)."""
    return dt.datetime.now(CHINA).date()


def format_checks() -> dict[str, Format]:
    """Every format the project's schemas name, by the name the schemas use: the kernel's
    identifier functions by hyphenated kind, and the websites form's own checks."""
    checks: dict[str, Format] = {kind.replace("_", "-"): f for kind, f in VALIDATORS.items()}
    checks.update(WEBSITES_FORMATS)
    return checks


def _conforms(check: Format) -> Callable[[str], bool]:
    def conforms(value: str) -> bool:
        try:
            check(value)
        except ValueError:
            return False
        return True

    return conforms


# -- the forms -------------------------------------------------------------------------------


class Schemas:
    """Every schema file under ``schemas/``, by its govflow id; one jsonschema-rs registry."""

    def __init__(self, directory: Path = SCHEMAS_DIR) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        for file in sorted(directory.rglob("*.json")):
            uri = BASE + file.relative_to(directory).as_posix()
            contents = json.loads(file.read_text("utf-8"))
            contents.setdefault("$id", uri)
            self.documents[uri] = contents
        self.registry = jsonschema_rs.Registry(list(self.documents.items()))
        self.checks = format_checks()

    def resolve(self, base: str, ref: str) -> tuple[str, Any]:
        """The schema ``ref`` names from within ``base``, and the id it lives in."""
        target, fragment = urldefrag(urljoin(base, ref))
        node: Any = self.documents[target]
        for part in filter(None, fragment.split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return target, node

    def form(self, process: str, file: str) -> Form:
        return Form(self, f"{BASE}{process}/{file}")


@dataclass(frozen=True)
class Title:
    zh: str
    en: str


class Form:
    """One form: its compiled validator, and the titles its violation messages name."""

    def __init__(self, schemas: Schemas, uri: str) -> None:
        self.uri = uri
        self.checks = schemas.checks
        self.validator = jsonschema_rs.Draft202012Validator(
            {"$ref": uri},
            formats={name: _conforms(check) for name, check in self.checks.items()},
            validate_formats=True,
            registry=schemas.registry,
        )
        self.titles: dict[str, Title] = {}
        _titles(schemas, uri, schemas.documents[uri], "", self.titles, 0)

    def violations(self, document: Any) -> list[dict[str, Any]]:
        """Nothing for a valid document; else govflow's schema outcomes, sorted by field."""
        if self.validator.is_valid(document):
            return []
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for error in self.validator.iter_errors(document):
            for pointer, code, zh, en in self._described(error):
                found.setdefault(
                    (pointer, code),
                    {
                        "rule": code,
                        "kind": "violation",
                        "fields": [pointer or "/"],
                        "message": {"zh": zh, "en": en},
                        "requirement": None,
                        "params": {},
                        "basis": None,
                        "source": self.uri,
                    },
                )
        return sorted(found.values(), key=lambda o: o["fields"][0])

    def title(self, pointer: str) -> Title:
        dotted = ".".join(p for p in pointer.split("/")[1:] if not p.isdigit())
        name = pointer.rsplit("/", 1)[-1]
        return self.titles.get(dotted) or Title(name or "该字段", name or "This field")

    def _described(self, error: jsonschema_rs.ValidationError) -> Iterator[tuple[str, ...]]:
        """``(pointer, code, zh, en)`` for each field one error is about, in govflow's words."""
        kind = error.kind
        base = "".join("/" + _escape(str(p)) for p in error.instance_path)
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            title = self.title(f"{base}/{_escape(kind.property)}")
            yield f"{base}/{_escape(kind.property)}", "schema.required", *_required(title)
            return
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            for name in kind.unexpected:
                yield (
                    f"{base}/{_escape(name)}",
                    "schema.additionalProperties",
                    f"不允许填写字段“{name}”",
                    f"Field '{name}' is not allowed here",
                )
            return
        title = self.title(base)
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Format):
            yield base, *self._format(kind.format, error.instance, title)
            return
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.MinLength) and kind.limit == 1:
            yield base, "schema.required", f"{title.zh}不能为空", f"{title.en} must not be empty"
            return
        keyword = str(error.schema_path[-1]) if error.schema_path else "schema"
        zh, en = _TEMPLATES.get(keyword, ("{title}不符合要求", "{title} is not valid"))
        value = getattr(kind, "limit", None)
        yield (
            base,
            f"schema.{keyword}",
            zh.format(title=title.zh, value=value),
            en.format(title=title.en, value=value),
        )

    def _format(self, name: str, value: Any, title: Title) -> tuple[str, str, str]:
        """The check's own reason and words, prefixed by the field's title unless they start
        with it (``经办人手机号码：手机号码长度不正确``)."""
        try:
            self.checks[name](value)
        except ValueError as exc:
            reason = getattr(exc, "reason", None)
            if reason is not None:
                zh, en = exc.message_zh, exc.message_en  # type: ignore[attr-defined]
                if not zh.startswith(title.zh):
                    zh, en = f"{title.zh}：{zh}", f"{title.en}: {en}"
                return f"format.{name}.{reason}", zh, en
        return f"format.{name}", f"{title.zh}格式不正确", f"{title.en} is not a valid {name}"


#: govflow's words for the other keywords a form may break (kernel/schema_messages.py).
_TEMPLATES = {
    "enum": ("{title}的取值不在可选范围内", "{title} must be one of the listed values"),
    "const": ("{title}的取值不正确", "{title} has a value that is not allowed"),
    "pattern": ("{title}格式不正确", "{title} is not in the required format"),
    "maxLength": ("{title}不能超过{value}个字符", "{title} must be at most {value} characters"),
    "minLength": ("{title}至少需要{value}个字符", "{title} must be at least {value} characters"),
    "minItems": ("{title}至少需要{value}项", "{title} needs at least {value} items"),
    "maxItems": ("{title}最多{value}项", "{title} may have at most {value} items"),
}


def _required(title: Title) -> tuple[str, str]:
    return f"请填写{title.zh}", f"{title.en} is required"


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _titles(
    schemas: Schemas, base: str, schema: Any, prefix: str, found: dict[str, Title], depth: int
) -> None:
    """Each dotted field's title (and English title), the first one the schema gives it:
    beside a ``$ref`` or in the definition it names, through combinators and array items."""
    if not isinstance(schema, dict) or depth > 32:
        return
    if "$ref" in schema:
        _titles(schemas, *schemas.resolve(base, schema["$ref"]), prefix, found, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, ()):
            _titles(schemas, base, sub, prefix, found, depth + 1)
    for key in ("then", "else"):
        _titles(schemas, base, schema.get(key), prefix, found, depth + 1)
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if path not in found:
            zh, en = _title_of(schemas, base, sub)
            if zh:
                found[path] = Title(zh, en or zh)
        _titles(schemas, base, sub, f"{path}.", found, depth + 1)
        if isinstance(sub, dict) and isinstance(sub.get("items"), dict):
            _titles(schemas, base, sub["items"], f"{path}.", found, depth + 1)


def _title_of(schemas: Schemas, base: str, schema: Any) -> tuple[str | None, str | None]:
    if not isinstance(schema, dict):
        return None, None
    zh, en = schema.get("title"), schema.get("x-title-en")
    if "$ref" in schema:
        inner = _title_of(schemas, *schemas.resolve(base, schema["$ref"]))
        zh, en = zh or inner[0], en or inner[1]
    return zh, en


# -- the rule texts --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleTable:
    """One rule file's texts: each rule's outcome as govflow answers it, and the ruleset."""

    ruleset: dict[str, Any]
    outcomes: dict[str, dict[str, Any]]
    params: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, process: str, stem: str, rules_dir: Path = RULES_DIR) -> RuleTable:
        file = rules_dir / process / f"{stem}.yaml"
        text = file.read_text("utf-8")
        shown = f"rules/{process}/{file.name}"
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
        node = yaml.compose(text, Loader=loader)
        listed = next(value for key, value in node.value if key.value == "rules")
        outcomes, params = {}, {}
        for raw, item in zip(data["rules"], listed.value, strict=True):
            dated = {"effective_from", "effective_until"} & set(raw)
            if dated:
                raise ValueError(f"{shown}: rule {raw['id']} has {dated}; the peers do not")
            params[raw["id"]] = raw.get("params", {})
            outcomes[raw["id"]] = _outcome(raw, f"{shown}:{item.start_mark.line + 1}")
        ruleset = {
            "name": f"{process}.{stem}",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "source": shown,
            "version": 1,
        }
        return cls(ruleset, outcomes, params)

    def expect(self, known: Sequence[str]) -> None:
        """Stop unless the file's rules are exactly those the peer decides, in its order."""
        if list(self.outcomes) != list(known):
            raise ValueError(
                f"{self.ruleset['source']} has the rules {list(self.outcomes)}; this peer "
                f"decides {list(known)}: follow the rule file first"
            )


def _outcome(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    params = raw.get("params", {})
    basis = raw.get("basis")
    return {
        "rule": raw["id"],
        "kind": raw["kind"],
        "fields": list(raw.get("fields", ())),
        "message": {lang: _fill(raw["message"][lang], params) for lang in ("zh", "en")},
        "requirement": raw.get("requirement"),
        "params": params,
        "basis": {"document": basis["document"], "article": basis.get("article")}
        if basis
        else None,
        "source": source,
    }


def _fill(template: str, params: Mapping[str, Any]) -> str:
    """``{name}`` filled from the rule's params (lists joined by 、), others left as written."""

    class Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    shown = {k: "、".join(map(str, v)) if isinstance(v, list) else v for k, v in params.items()}
    return template.format_map(Keep(shown))


# -- the service -----------------------------------------------------------------------------

#: Which rules hold for a schema-valid document: their ids, in any order.
Decide = Callable[[Mapping[str, Any], Mapping[str, Any], "str | None"], list[str]]


class NotHere(LookupError):
    """A workflow, matter or transition this peer does not decide."""


@dataclass
class Peer:
    """One process as a peer decides it: the form, the rule texts, the decision, and which
    ``(workflow, matter, transition)`` of a dry-run body it serves."""

    form: Form
    table: RuleTable
    decide: Decide
    accepts: Callable[[str | None, str | None, str | None], bool]

    def __post_init__(self) -> None:
        self.position = {rule: n for n, rule in enumerate(self.table.outcomes)}
        self.blocking = {r for r, o in self.table.outcomes.items() if o["kind"] in BLOCKING}

    def answer(self, body: Mapping[str, Any], as_of: dt.date) -> Answer:
        if not self.accepts(body.get("workflow"), body.get("matter"), body.get("transition")):
            raise NotHere("this peer decides only the submission")
        document = body["document"]
        violations = self.form.violations(document)
        if violations:
            return {"as_of": as_of.isoformat(), "ok": False, "rulesets": [], "outcomes": violations}
        fired = sorted(
            self.decide(document, body.get("context") or {}, body.get("matter")),
            key=self.position.__getitem__,
        )
        return {
            "as_of": as_of.isoformat(),
            "ok": not self.blocking.intersection(fired),
            "rulesets": [self.table.ruleset],
            "outcomes": [self.table.outcomes[rule] for rule in fired],
        }


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"status": status, "detail": detail}, status=status, dumps=_dumps)


def make_app(peers: Mapping[str, Peer]) -> web.Application:
    """The dry run of each process in ``peers``, and ``/healthz``: nothing else."""

    async def validate(request: web.Request) -> web.Response:
        peer = peers.get(request.match_info["process"])
        if peer is None:
            return _problem(404, "no such process here")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return _problem(400, "The body is not valid JSON")
        if not isinstance(body, dict) or not isinstance(body.get("document"), dict):
            return _problem(400, "The body needs a 'document' object")
        try:
            as_of = dt.date.fromisoformat(str(body["as_of"])) if "as_of" in body else today()
            answer = peer.answer(body, as_of)
        except ValueError:
            return _problem(400, "as_of must be a date written YYYY-MM-DD")
        except NotHere as exc:
            return _problem(404, str(exc))
        return web.json_response(answer, dumps=_dumps)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/processes/{process}/validate", validate)
    app.router.add_get("/healthz", healthz)
    return app


def serve(build: Callable[[], web.Application], description: str | None) -> None:
    """``python -m benchmarks.peer_X --port P``: the peer, without an access log."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build(), host=args.host, port=args.port, access_log=None, print=None)


# -- holding a peer to govflow's answers ------------------------------------------------------

#: What a peer must answer exactly as govflow does.
COMPARED = ("as_of", "ok", "rulesets", "outcomes")


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Every place where ``actual`` differs from ``expected`` (JSON values), as
    ``/outcomes/2/message/zh: '…' != '…'``; nothing when they are equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in actual:
                found.append(f"{where}/{key}: missing (expected {expected[key]!r})")
            elif key not in expected:
                found.append(f"{where}/{key}: unexpected {actual[key]!r}")
            else:
                found += differences(expected[key], actual[key], f"{where}/{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        found = [
            d
            for n, pair in enumerate(zip(expected, actual, strict=False))
            for d in differences(*pair, f"{where}/{n}")
        ]
        if len(expected) != len(actual):
            found.append(f"{where}: {len(actual)} items, expected {len(expected)}")
        return found
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where or '/'}: {actual!r} != expected {expected!r}"]
    return []


def answer_differences(govflow: Mapping[str, Any], peer: Mapping[str, Any]) -> list[str]:
    """What the peer's dry-run answer says differently from govflow's decision."""
    return differences({k: govflow.get(k) for k in COMPARED}, {k: peer.get(k) for k in COMPARED})


def one_table(table: dict[str, Any]) -> dict[str, Any]:
    """A JDM graph of one decision table: input → ``table`` → output."""
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request"},
            {"id": "table", "type": "decisionTableNode", "name": "rules", "content": table},
            {"id": "out", "type": "outputNode", "name": "response"},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }
