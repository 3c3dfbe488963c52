"""Rule files (YAML) to the intermediate form of ``model.py``.

Every problem is collected with its line before giving up, so policy staff fix a file in one
pass. Field types are inferred from the literals the rules compare a field with; facts are later
projected onto exactly those fields and types (``facts.py``), which is what keeps both back
ends' answers identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs

from .. import yamlsource
from .model import (
    AllOf,
    Alternative,
    AnyOf,
    Expr,
    FieldType,
    LegalBasis,
    MatchKey,
    Pattern,
    Ref,
    Rule,
    RuleSet,
    Test,
    Text,
)
from .problems import Problem, RuleFileError
from .regexes import regex_problem

MAX_ALTERNATIVES = 32
RESERVED_FIELDS = {"id", "sid", "kind"}
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@cache
def ruleset_schema() -> dict[str, Any]:
    text = resources.files("kernel.meta").joinpath("ruleset.schema.json").read_text("utf-8")
    return json.loads(text)


def literal_type(value: Any) -> FieldType:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


class _Context:
    """State of compiling one file: where we are, what went wrong, what types we saw."""

    def __init__(self, path: str, located: yamlsource.Located) -> None:
        self.path = path
        self.located = located
        self.problems: list[Problem] = []
        self.types: dict[tuple[str, str], tuple[FieldType, int]] = {}
        self.refs: list[tuple[tuple[str, str], tuple[str, str], int]] = []
        self.kinds: set[str] = set()
        #: The rule being compiled: its params, those a condition used, the literals it tests.
        self.params: dict[str, Any] = {}
        self.used_params: set[str] = set()
        self.literals: list[tuple[Any, int]] = []

    def line(self, pointer: str) -> int:
        return self.located.line_of(pointer)

    def problem(self, pointer: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.line(pointer), code, message))

    def use(self, kind: str, field: str, ftype: FieldType, line: int) -> None:
        """Record that ``kind.field`` is used as ``ftype``; a field has exactly one type."""
        key = (kind, field)
        seen = self.types.get(key)
        if seen is None or seen[0] == "any":
            self.types[key] = (ftype, line)
            return
        merged = _merge(seen[0], ftype)
        if merged is None:
            self.problems.append(
                Problem(
                    self.path,
                    line,
                    "type-conflict",
                    f"field '{field}' of fact '{kind}' is used as {ftype} here but as {seen[0]} "
                    f"on line {seen[1]}; a field has one type",
                )
            )
        else:
            self.types[key] = (merged, seen[1])


def _merge(a: FieldType, b: FieldType) -> FieldType | None:
    if a == b or b == "any":
        return a
    if {a, b} == {"string", "date"}:
        return "date"
    return None


def compile_text(
    text: str,
    *,
    path: str,
    process: str,
    name: str,
    known_types: Mapping[tuple[str, str], FieldType] | None = None,
) -> RuleSet:
    """Compile the text of one rule file; raise ``RuleFileError`` listing every problem."""
    try:
        located = yamlsource.load(text)
    except yamlsource.YamlError as exc:
        raise RuleFileError([Problem(path, exc.line, "yaml", str(exc))]) from None
    ctx = _Context(path, located)
    _validate_shape(ctx)
    if ctx.problems:
        raise RuleFileError(ctx.problems)
    data = located.data
    rules = _compile_rules(ctx, data["rules"])
    shape = _resolve_types(ctx, known_types or {})
    if ctx.problems:
        raise RuleFileError(ctx.problems)
    match_keys = _match_keys(rules)
    for key in match_keys:
        shape.setdefault(key.kind, {})[key.key] = "boolean"
    return RuleSet(
        name=name,
        process=process,
        title=Text(**data["title"]),
        description=data.get("description", ""),
        rules=tuple(rules),
        shape=shape,
        match_keys=match_keys,
        path=path,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def compile_file(
    file: Path,
    *,
    process: str,
    shown_as: str | None = None,
    known_types: Mapping[tuple[str, str], FieldType] | None = None,
) -> RuleSet:
    """Compile ``rules/<process>/<name>.yaml``; the ruleset is named ``<process>.<name>``."""
    return compile_text(
        file.read_text("utf-8"),
        path=shown_as or str(file),
        process=process,
        name=f"{process}.{file.stem}",
        known_types=known_types,
    )


@cache
def _shape_validators() -> tuple[jsonschema_rs.Validator, jsonschema.Draft202012Validator]:
    """The rule-file schema compiled once: jsonschema-rs says whether, jsonschema says why."""
    schema = ruleset_schema()
    return jsonschema_rs.Draft202012Validator(schema), jsonschema.Draft202012Validator(schema)


def _validate_shape(ctx: _Context) -> None:
    fast, validator = _shape_validators()
    if fast.is_valid(ctx.located.data):
        return
    for error in validator.iter_errors(ctx.located.data):
        error = _most_specific(error)
        pointer = "".join(yamlsource.pointer_join("", p) for p in error.absolute_path)
        where = pointer or "(top level)"
        ctx.problem(pointer, "schema", f"{where}: {_say(error)}")


def _say(error: jsonschema.ValidationError) -> str:
    """The validator's words, except where they would only confuse a policy officer."""
    forbidden = error.validator_value if error.validator == "not" else None
    if isinstance(forbidden, dict) and "required" in forbidden:
        names = ", ".join(f"'{n}'" for n in forbidden["required"])
        return f"{names} is not allowed here (only rules of kind 'requirement' name one)"
    return error.message


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For a ``oneOf`` failure, the branch error that went deepest is the helpful one."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.message)))
    return error


def _compile_rules(ctx: _Context, raw_rules: list[dict[str, Any]]) -> list[Rule]:
    seen: dict[str, int] = {}
    rules = []
    for i, raw in enumerate(raw_rules):
        pointer = f"/rules/{i}"
        rule_id = raw["id"]
        if rule_id in seen:
            ctx.problem(
                pointer,
                "duplicate-id",
                f"rule id '{rule_id}' is already used on line {seen[rule_id]}",
            )
        seen[rule_id] = ctx.line(pointer)
        rules.append(_compile_rule(ctx, raw, pointer))
    return rules


def _compile_rule(ctx: _Context, raw: dict[str, Any], pointer: str) -> Rule:
    start, until = raw.get("effective_from"), raw.get("effective_until")
    dates = [_date(ctx, raw, key, pointer) for key in ("effective_from", "effective_until")]
    if all(dates) and dates[0] > dates[1]:
        ctx.problem(pointer, "dates", f"effective_from {start} is after effective_until {until}")
    ctx.params, ctx.used_params, ctx.literals = raw.get("params", {}), set(), []
    alternatives = _alternatives(ctx, raw["when"], f"{pointer}/when")
    _check_params(ctx, pointer)
    if len(alternatives) > MAX_ALTERNATIVES:
        ctx.problem(
            f"{pointer}/when",
            "too-many-alternatives",
            f"the 'any' conditions expand to {len(alternatives)} cases; at most "
            f"{MAX_ALTERNATIVES} are allowed: split the rule",
        )
    alternatives = [_check_refs(ctx, alt, f"{pointer}/when") for alt in alternatives]
    basis = raw.get("basis")
    return Rule(
        id=raw["id"],
        kind=raw["kind"],
        message=Text(**raw["message"]),
        alternatives=tuple(alternatives),
        fields=tuple(raw.get("fields", ())),
        requirement=raw.get("requirement"),
        params=raw.get("params", {}),
        basis=LegalBasis(basis["document"], basis.get("article")) if basis else None,
        effective_from=dates[0],
        effective_until=dates[1],
        source=f"{ctx.path}:{ctx.line(pointer)}",
    )


def _date(ctx: _Context, raw: dict[str, Any], key: str, pointer: str) -> dt.date | None:
    if key not in raw:
        return None
    try:
        return dt.date.fromisoformat(raw[key])
    except ValueError:
        ctx.problem(f"{pointer}/{key}", "dates", f"{key} {raw[key]!r} is not a real date")
        return None


def _alternatives(ctx: _Context, cond: dict[str, Any], pointer: str) -> list[Alternative]:
    """Disjunctive normal form: every way the condition can hold, as a list of conjunctions."""
    if "all" in cond:
        parts = [_alternatives(ctx, c, f"{pointer}/all/{i}") for i, c in enumerate(cond["all"])]
        return [
            Alternative(tuple(p for alt in combo for p in alt.patterns))
            for combo in itertools.product(*parts)
        ]
    if "any" in cond:
        return [
            alt
            for i, c in enumerate(cond["any"])
            for alt in _alternatives(ctx, c, f"{pointer}/any/{i}")
        ]
    if "none" in cond:
        return [Alternative((_pattern(ctx, cond["none"], f"{pointer}/none", negated=True),))]
    return [Alternative((_pattern(ctx, cond, pointer, negated=False),))]


def _pattern(ctx: _Context, raw: dict[str, Any], pointer: str, *, negated: bool) -> Pattern:
    kind = raw["fact"]
    ctx.kinds.add(kind)
    where = raw.get("where")
    test = None
    if where:
        items = [_test(ctx, kind, t, f"{pointer}/where/{i}") for i, t in enumerate(where)]
        test = items[0] if len(items) == 1 else AllOf(tuple(items))
    return Pattern(kind=kind, alias=raw.get("as", ""), test=test, negated=negated)


def _test(ctx: _Context, kind: str, raw: dict[str, Any], pointer: str) -> Expr:
    for group, cls in (("all", AllOf), ("any", AnyOf)):
        if group in raw:
            return cls(
                tuple(
                    _test(ctx, kind, t, f"{pointer}/{group}/{i}") for i, t in enumerate(raw[group])
                )
            )
    field = raw["field"]
    op, value = next((k, v) for k, v in raw.items() if k != "field")
    line = ctx.line(pointer)
    if isinstance(value, dict) and "param" in value:
        value = _param(ctx, op, value["param"], f"{pointer}/{op}")
        if value is None:
            return Test(field, op, None, line)
    elif not isinstance(value, dict):
        ctx.literals.append((value, line))
    if field in RESERVED_FIELDS or field.split(".")[0] in RESERVED_FIELDS:
        ctx.problem(pointer, "reserved-field", f"'{field}' is reserved by the engine; rename it")
    if op == "equals" and isinstance(value, dict):
        alias, _, ref_field = value["ref"].partition(".")
        return Test(field, op, Ref(alias, ref_field), line)
    ctx.use(kind, field, _type_of(ctx, op, value, pointer), line)
    if op == "matches":
        problem = regex_problem(value)
        if problem:
            ctx.problem(pointer, "regex", f"pattern {value!r}: {problem}")
    return Test(field, op, value, line)


#: What each operator compares with, for a value taken from the rule's params.
_PARAM_SHAPES: dict[str, tuple[tuple[type, ...], str]] = {
    **dict.fromkeys(("equals", "not_equals"), ((str, int, float, bool), "a single value")),
    **dict.fromkeys(("in", "not_in"), ((list,), "a list")),
    **dict.fromkeys(("lt", "lte", "gt", "gte"), ((int, float, str), "a number or a date")),
    "matches": ((str,), "a pattern"),
}


def _param(ctx: _Context, op: str, name: str, pointer: str) -> Any:
    """``{param: max_bytes}``: the value the rule's ``params`` give, checked like a literal."""
    if name not in ctx.params:
        known = ", ".join(sorted(ctx.params)) or "none"
        ctx.problem(pointer, "unknown-param", f"the rule has no param '{name}' (it has: {known})")
        return None
    value = ctx.params[name]
    types, shape = _PARAM_SHAPES[op]
    if not isinstance(value, types) or (isinstance(value, list) and not value):
        ctx.problem(pointer, "param-type", f"'{op}' needs {shape}; param '{name}' is {value!r}")
        return None
    ctx.used_params.add(name)
    return value


def _check_params(ctx: _Context, pointer: str) -> None:
    """A param that no condition uses while a literal there equals it: the policy officer who
    edits the param would change the message only, not the test."""
    for name, value in ctx.params.items():
        if name in ctx.used_params:
            continue
        for literal, line in ctx.literals:
            if literal == value and type(literal) is type(value):
                ctx.problems.append(
                    Problem(
                        ctx.path,
                        line,
                        "param-not-tested",
                        f"this condition tests the literal {literal!r}, which is param "
                        f"'{name}' of the rule: write {{param: {name}}} so that editing the "
                        f"param changes the test, not only the message",
                    )
                )
                break


def _type_of(ctx: _Context, op: str, value: Any, pointer: str) -> FieldType:
    if op in ("exists", "absent"):
        return "any"
    if op == "matches":
        return "string"
    if op in ("in", "not_in"):
        types = {literal_type(v) for v in value}
        if len(types) > 1:
            ctx.problem(pointer, "type-conflict", f"the list mixes {' and '.join(sorted(types))}")
        return types.pop()
    if op in ("lt", "lte", "gt", "gte"):
        if isinstance(value, str):
            if not DATE_RE.fullmatch(value):
                ctx.problem(
                    pointer,
                    "comparison",
                    f"'{op}' compares numbers or dates written YYYY-MM-DD, not {value!r}",
                )
            return "date"
        return "number"
    return literal_type(value)


def _check_refs(ctx: _Context, alt: Alternative, pointer: str) -> Alternative:
    """Name every pattern; a reference must point at a positive pattern before it."""
    named: dict[str, Pattern] = {}
    patterns = []
    for j, pattern in enumerate(alt.patterns):
        for test in _top_level_tests(pattern.test):
            if not isinstance(test.value, Ref):
                continue
            target = named.get(test.value.alias)
            if target:
                other = (target.kind, test.value.field)
                ctx.refs.append(((pattern.kind, test.field), other, test.line))
            else:
                ctx.problems.append(
                    Problem(
                        ctx.path,
                        test.line,
                        "reference",
                        f"'{test.value.alias}.{test.value.field}' refers to no fact named "
                        f"'{test.value.alias}' (with 'as') in an earlier condition of this rule",
                    )
                )
        _reject_nested_refs(ctx, pattern.test, nested=False)
        alias = pattern.alias or f"_{j}"
        if pattern.alias and not pattern.negated:
            named[pattern.alias] = pattern
        patterns.append(Pattern(pattern.kind, alias, pattern.test, pattern.negated))
    return Alternative(tuple(patterns))


def _top_level_tests(expr: Expr | None) -> list[Test]:
    if isinstance(expr, Test):
        return [expr]
    if isinstance(expr, AllOf):
        return [t for t in expr.items if isinstance(t, Test)]
    return []


def _reject_nested_refs(ctx: _Context, expr: Expr | None, *, nested: bool) -> None:
    """References inside 'any' read out of bounds in the engine (notes §3.6): refuse them."""
    if isinstance(expr, Test):
        if nested and isinstance(expr.value, Ref):
            ctx.problems.append(
                Problem(
                    ctx.path,
                    expr.line,
                    "unsafe-reference",
                    "a reference to another fact may only stand directly in 'where', "
                    "not inside 'any' or a nested 'all'",
                )
            )
        return
    if expr is not None:
        for item in expr.items:
            _reject_nested_refs(ctx, item, nested=nested or isinstance(expr, AnyOf))


def _resolve_types(
    ctx: _Context, known: Mapping[tuple[str, str], FieldType]
) -> dict[str, dict[str, FieldType]]:
    """Give reference fields a type: from the other end, else the schemas, else string."""
    for here, there, line in ctx.refs:
        seen = ctx.types.get(here) or ctx.types.get(there)
        ftype = seen[0] if seen else known.get(here) or known.get(there) or "string"
        for kind, field in (here, there):
            ctx.use(kind, field, "string" if ftype == "any" else ftype, line)
    shape: dict[str, dict[str, FieldType]] = {kind: {} for kind in sorted(ctx.kinds)}
    for (kind, field), (ftype, _) in ctx.types.items():
        shape[kind][field] = ftype
    return shape


def _match_keys(rules: list[Rule]) -> tuple[MatchKey, ...]:
    keys: dict[tuple[str, str, str], MatchKey] = {}
    for rule in rules:
        for alt in rule.alternatives:
            for pattern in alt.patterns:
                for test in iter_tests(pattern.test):
                    if test.op == "matches":
                        ident = (pattern.kind, test.field, test.value)
                        if ident not in keys:
                            keys[ident] = MatchKey(*ident, key=f"_m{len(keys)}")
    return tuple(keys.values())


def iter_tests(expr: Expr | None):
    """Every ``Test`` inside an expression."""
    if isinstance(expr, Test):
        yield expr
    elif expr is not None:
        for item in expr.items:
            yield from iter_tests(item)
