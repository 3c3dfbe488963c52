"""Checking rule files against what the process's JSON Schemas say about the facts.

A rule naming a field no schema defines, or comparing a field with a value its enumeration does
not allow, can never hold: policy staff want to hear that from ``govflow rules check``, not from
an applicant whose case slipped through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..schemas import FieldInfo
from .compiler import iter_tests
from .model import FieldType, Ref, RuleSet, Test
from .problems import Problem

# fact kind -> dotted field -> what the schemas say; None when the process declares no facts
FactFields = Mapping[str, Mapping[str, FieldInfo]]

_COMPATIBLE: dict[FieldType, set[str]] = {
    "string": {"string"},
    "date": {"string"},
    "number": {"number", "integer"},
    "boolean": {"boolean"},
    "any": set(),
}


def make_linter(
    fields_of: Callable[[str], FactFields | None],
) -> Callable[[RuleSet], list[Problem]]:
    """A linter that looks up the fact fields of a ruleset's process with ``fields_of``."""

    def lint(ruleset: RuleSet) -> list[Problem]:
        facts = fields_of(ruleset.process)
        return [] if facts is None else lint_ruleset(ruleset, facts)

    return lint


def lint_ruleset(ruleset: RuleSet, facts: FactFields) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for rule in ruleset.rules:
        line = int(rule.source.rsplit(":", 1)[1])
        for alt in rule.alternatives:
            for pattern in alt.patterns:
                if pattern.kind not in facts:
                    known = ", ".join(sorted(facts)) or "none"
                    problems.append(
                        _problem(
                            ruleset,
                            line,
                            "unknown-fact",
                            f"fact '{pattern.kind}' is not one this process provides "
                            f"(it provides: {known})",
                        )
                    )
                    continue
                for test in iter_tests(pattern.test):
                    for problem in _field_problems(
                        ruleset, facts[pattern.kind], pattern.kind, test
                    ):
                        key = (problem.line, problem.message)
                        if key not in seen:
                            seen.add(key)
                            problems.append(problem)
    return problems


def _field_problems(
    ruleset: RuleSet, fields: Mapping[str, FieldInfo], kind: str, test: Test
) -> list[Problem]:
    info = fields.get(test.field)
    if info is None:
        return [
            _problem(
                ruleset,
                test.line,
                "unknown-field",
                f"fact '{kind}' has no field '{test.field}' in the process's schemas",
            )
        ]
    ftype = ruleset.shape.get(kind, {}).get(test.field, "any")
    if info.types and _COMPATIBLE[ftype] and not (_COMPATIBLE[ftype] & info.types):
        return [
            _problem(
                ruleset,
                test.line,
                "type-mismatch",
                f"'{test.field}' is {'/'.join(sorted(info.types))} in the schema but the "
                f"rule compares it as {ftype}: it can never hold",
            )
        ]
    return _enum_problems(ruleset, info, test)


def _enum_problems(ruleset: RuleSet, info: FieldInfo, test: Test) -> list[Problem]:
    if info.enum is None or isinstance(test.value, Ref):
        return []
    values = test.value if test.op in ("in", "not_in") else [test.value]
    outside = [v for v in values if v not in info.enum]
    if not outside or test.op not in ("equals", "in", "not_equals", "not_in"):
        return []
    allowed = ", ".join(map(str, info.enum))
    if test.op in ("equals", "in") and len(outside) == len(values):
        return [
            _problem(
                ruleset,
                test.line,
                "never-true",
                f"'{test.field}' can only be one of [{allowed}]; {outside} can never match, "
                "so this condition can never be true",
            )
        ]
    return [
        _problem(
            ruleset,
            test.line,
            "outside-enum",
            f"'{test.field}' can only be one of [{allowed}]; {outside} is not among them",
            severity="warning",
        )
    ]


def _problem(ruleset: RuleSet, line: int, code: str, message: str, severity: str = "error"):
    return Problem(ruleset.path, line, code, message, severity)


def known_types(facts: FactFields) -> dict[tuple[str, str], FieldType]:
    """The schema types of fact fields, as the compiler names them (for reference fields)."""
    found: dict[tuple[str, str], FieldType] = {}
    for kind, fields in facts.items():
        for name, info in fields.items():
            if info.types == {"boolean"}:
                found[(kind, name)] = "boolean"
            elif info.types and info.types <= {"number", "integer"}:
                found[(kind, name)] = "number"
            elif info.types == {"string"}:
                found[(kind, name)] = "string"
    return found
