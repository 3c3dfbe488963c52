r"""The JSON Schemas of every process, and validation that speaks the decision's language.

Schemas live in files (``schemas/<process>/*.json``, draft 2020-12) and get the id
``https://govflow.local/schemas/<process>/<file>`` unless they declare it, so one schema can
``$ref`` another by relative path. Formats for Chinese identifiers come from plugins
(``govflow_formats``); an error becomes an ``Outcome`` with the field's JSON Pointer, a stable
code and a Chinese and English message naming the field by its ``title``.

Validation has two validators per schema. jsonschema-rs (compiled, with the very same format
functions) answers whether a document is valid in a few microseconds; only a document it
refuses goes through ``jsonschema``, whose errors carry what the messages need, and whose
answer is the one that counts. jsonschema alone was 70-80 % of a codeassign decision
(``benchmarks/RESULTS.md``). Where the two could differ (regular-expression dialects: Python's
``\d`` also takes other scripts' digits, its ``$`` a final newline) the compiled one is the
stricter, so a difference costs time and never lets an invalid document through;
``tests/test_schema_fast_path.py`` checks that on generated documents.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema
import jsonschema_rs
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema.exceptions import ValidationError, best_match

from .decision import Outcome
from .rules.model import Text
from .schema_messages import TitleOf, describe
from .schema_normalise import Plan, normalise, plan_of

BASE = "https://govflow.local/schemas/"
log = logging.getLogger(__name__)
FormatCheck = Callable[[str], object]


class SchemaError(ValueError):
    """A schema file that cannot be used."""


@dataclass(frozen=True)
class FieldInfo:
    """What the schemas say about one (dotted) field: for linting rule files."""

    types: frozenset[str]
    enum: tuple[Any, ...] | None = None
    title: str | None = None
    title_en: str | None = None


@dataclass
class SchemaRegistry:
    """Every schema of every process, resolvable by id; validators built once per id."""

    registry: referencing.Registry
    ids: list[str]
    formats: Mapping[str, FormatCheck] = field(default_factory=dict)
    _validators: dict[str, jsonschema.Draft202012Validator] = field(default_factory=dict)
    _compiled: dict[str, jsonschema_rs.Validator | None] = field(default_factory=dict)
    _compiled_registry: jsonschema_rs.Registry | None = None
    _fields: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)
    _plans: dict[str, Plan | None] = field(default_factory=dict)

    @classmethod
    def from_dirs(
        cls, dirs: Iterable[tuple[str, Path]], formats: Mapping[str, FormatCheck] | None = None
    ) -> SchemaRegistry:
        """Load ``(namespace, folder)`` pairs; every ``*.json`` below a folder is a schema."""
        resources, ids = [], []
        for namespace, folder in dirs:
            for file in sorted(folder.rglob("*.json")):
                uri = f"{BASE}{namespace}/{file.relative_to(folder).as_posix()}"
                contents = _read(file)
                declared = contents.setdefault("$id", uri)
                if declared != uri:
                    raise SchemaError(f"{file}: $id {declared!r} should be {uri!r}")
                resources.append(
                    (uri, referencing.jsonschema.DRAFT202012.create_resource(contents))
                )
                ids.append(uri)
        registry = referencing.Registry().with_resources(resources).crawl()
        return cls(registry, ids, dict(formats or {}))

    @staticmethod
    @lru_cache(maxsize=1024)  # urljoin costs a few µs, paid twice per decision
    def resolve_id(schema_id: str, namespace: str = "") -> str:
        """``facts.json#/$defs/unit`` within ``codeassign`` -> its absolute URI."""
        return urljoin(f"{BASE}{namespace}/" if namespace else BASE, schema_id)

    def schema(self, schema_id: str) -> dict[str, Any]:
        return self.registry.resolver().lookup(self.resolve_id(schema_id)).contents

    def __contains__(self, schema_id: str) -> bool:
        try:
            self.schema(schema_id)
        except referencing.exceptions.Unresolvable:
            return False
        return True

    def validator(self, schema_id: str) -> jsonschema.Draft202012Validator:
        uri = self.resolve_id(schema_id)
        if uri not in self._validators:
            checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
            checker = jsonschema.FormatChecker(checker.checkers)  # a copy we may extend
            for name, check in self.formats.items():
                checker.checks(name, raises=(ValueError,))(_strings_only(check))
            resolved = self.registry.resolver().lookup(uri)
            self._validators[uri] = jsonschema.Draft202012Validator(
                resolved.contents,
                registry=self.registry,
                format_checker=checker,
                _resolver=resolved.resolver,
            )
        return self._validators[uri]

    def compiled(self, schema_id: str) -> jsonschema_rs.Validator | None:
        """The jsonschema-rs validator of ``schema_id``, or None if it cannot take the schema."""
        uri = self.resolve_id(schema_id)
        if uri not in self._compiled:
            self._compiled[uri] = _compile(self, uri, self.validator(uri).format_checker)
        return self._compiled[uri]

    def compiled_registry(self) -> jsonschema_rs.Registry:
        """Every schema, for jsonschema-rs to resolve ``$ref`` in: built once, for all ids."""
        if self._compiled_registry is None:
            self._compiled_registry = jsonschema_rs.Registry(
                [(uri, self.schema(uri)) for uri in self.ids]
            )
        return self._compiled_registry

    def normalise(self, schema_id: str, document: Any) -> Any:
        """``document`` with every identifier its schema's formats know in canonical form
        (``１１０１…031x`` -> ``1101…031X``), before it is validated, stored or shown to rules;
        see ``kernel/schema_normalise.py``."""
        uri = self.resolve_id(schema_id)
        if uri not in self._plans:
            resolved = self.registry.resolver().lookup(uri)
            self._plans[uri] = plan_of(resolved.contents, self.formats, resolved.resolver)
        return normalise(self._plans[uri], document, self.formats)

    def validate_draft(self, schema_id: str, document: Any) -> list[Outcome]:
        """The violations of a draft: the schema without its ``required`` (and the other
        keywords that only say something is still missing). A draft may be incomplete, but
        every field it has must have the right type, length and format."""
        return self.validate(schema_id, document, draft=True)

    def validate(self, schema_id: str, document: Any, *, draft: bool = False) -> list[Outcome]:
        """Every schema violation of ``document``, in document order."""
        fast = self.compiled(schema_id)
        if fast is not None and fast.is_valid(document):
            return []
        errors = self.validator(schema_id).iter_errors(document)
        if draft:
            errors = (e for e in errors if not _only_missing(e))
        fields = self._fields_cached(schema_id)

        def title_of(pointer: str) -> Text | None:
            dotted = ".".join(p for p in pointer.split("/")[1:] if not p.isdigit())
            info = fields.get(dotted)
            if info is None or not info.title:
                return None
            return Text(info.title, info.title_en or info.title)

        outcomes: dict[tuple[str, str], Outcome] = {}
        for error in errors:
            for outcome in _outcomes(_specific(error), schema_id, title_of):
                outcomes.setdefault((outcome.fields[0], outcome.rule), outcome)
        return sorted(outcomes.values(), key=lambda o: o.fields[0])

    def _fields_cached(self, schema_id: str) -> dict[str, FieldInfo]:
        uri = self.resolve_id(schema_id)
        if uri not in self._fields:
            self._fields[uri] = self.fields(uri)
        return self._fields[uri]

    def check_schemas(self) -> list[str]:
        """Problems with the schemas themselves (invalid against the metaschema)."""
        problems = []
        for uri in self.ids:
            try:
                jsonschema.Draft202012Validator.check_schema(self.schema(uri))
            except jsonschema.SchemaError as exc:
                problems.append(f"{uri}: {exc.message}")
        return problems

    def fields(self, schema_id: str) -> dict[str, FieldInfo]:
        """Dotted field paths the schema defines, through ``$ref`` and every combinator."""
        resolved = self.registry.resolver().lookup(self.resolve_id(schema_id))
        found: dict[str, FieldInfo] = {}
        _collect(resolved.contents, resolved.resolver, "", found, depth=0)
        return found


#: Keywords that fail only because something is not there yet.
_MISSING = frozenset({"required", "dependentRequired", "minItems", "minProperties"})


def _only_missing(error: jsonschema.ValidationError) -> bool:
    """Whether ``error`` says only that the draft is incomplete: a missing field, or an
    ``anyOf``/``oneOf``/``then`` of which some branch would hold once the draft is complete."""
    if error.validator in _MISSING:
        return True
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        if len(branches) < len(error.validator_value):
            return False  # a branch held outright: oneOf failed for matching twice
        return any(all(_only_missing(e) for e in subs) for subs in branches.values())
    if error.validator in ("allOf",) and error.context:
        return all(_only_missing(e) for e in error.context)
    return False


def _compile(
    schemas: SchemaRegistry, uri: str, checker: jsonschema.FormatChecker
) -> jsonschema_rs.Validator | None:
    """jsonschema-rs for ``uri``, checking every format with ``checker``'s own functions."""

    def conforms(name: str) -> Callable[[str], bool]:
        return lambda value: checker.conforms(value, name)

    try:
        registry = schemas.compiled_registry()
        return jsonschema_rs.Draft202012Validator(
            {"$ref": uri},
            formats={name: conforms(name) for name in checker.checkers},
            validate_formats=True,
            registry=registry,
        )
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        log.warning(
            "schema %s: no compiled validator (%s); jsonschema alone validates it", uri, exc
        )
        return None


def _read(file: Path) -> dict[str, Any]:
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{file}: {exc}") from None


def _strings_only(check: FormatCheck) -> Callable[[object], bool]:
    def checker(instance: object) -> bool:
        if isinstance(instance, str):
            check(instance)
        return True

    return checker


def _specific(error: ValidationError) -> ValidationError:
    """A failed ``oneOf``/``anyOf`` is best explained by its most relevant branch."""
    if error.context and error.validator in ("oneOf", "anyOf"):
        return _specific(best_match(error.context))
    return error


def _outcomes(error: ValidationError, schema_id: str, title_of: TitleOf) -> Iterator[Outcome]:
    base = "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in error.path)
    for pointer, code, message in describe(error, base, title_of):
        yield Outcome(
            rule=code,
            kind="violation",
            message=message,
            fields=(pointer or "/",),
            source=schema_id,
        )


def _collect(
    schema: Any,
    resolver: referencing.Resolver,
    prefix: str,
    found: dict[str, FieldInfo],
    depth: int,
) -> None:
    if not isinstance(schema, dict) or depth > 32:
        return
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        _collect(resolved.contents, resolved.resolver, prefix, found, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, ()):
            _collect(sub, resolver, prefix, found, depth + 1)
    for key in ("then", "else"):
        _collect(schema.get(key), resolver, prefix, found, depth + 1)
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        info = _info(sub, resolver)
        old = found.get(path)
        if old is not None:
            enum = None if old.enum is None or info.enum is None else (*old.enum, *info.enum)
            info = FieldInfo(
                old.types | info.types, enum, old.title or info.title, old.title_en or info.title_en
            )
        found[path] = info
        _collect(sub, resolver, f"{path}.", found, depth + 1)
        if isinstance(sub, dict) and isinstance(sub.get("items"), dict):
            _collect(sub["items"], resolver, f"{path}.", found, depth + 1)


def _info(schema: Any, resolver: referencing.Resolver) -> FieldInfo:
    if isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        inner = _info(resolved.contents, resolved.resolver)
        return FieldInfo(
            inner.types,
            inner.enum,
            schema.get("title") or inner.title,
            schema.get("x-title-en") or inner.title_en,
        )
    if not isinstance(schema, dict):
        return FieldInfo(frozenset())
    types = schema.get("type", ())
    types = frozenset([types] if isinstance(types, str) else types)
    enum = tuple(schema["enum"]) if "enum" in schema else None
    if "const" in schema:
        enum = (schema["const"],)
    if not types and enum is not None:
        types = frozenset(_json_type(v) for v in enum)
    return FieldInfo(types, enum, schema.get("title"), schema.get("x-title-en"))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"
