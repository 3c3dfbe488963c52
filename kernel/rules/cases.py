"""Policy staff's test cases for rules: facts in, expected rule ids out.

Stored as YAML in ``rules/<process>/tests/``. The CLI (``govflow rules test``), the reload gate
and pytest all run them through this module, so a case means the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from .. import yamlsource
from .problems import Problem, RuleFileError

Evaluate = Callable[[list[dict[str, Any]], dt.date], set[str]]


@dataclass(frozen=True)
class Case:
    name: str
    ruleset: str
    facts: list[dict[str, Any]]
    expected: frozenset[str]
    as_of: dt.date | None
    source: str


@dataclass(frozen=True)
class CaseResult:
    case: Case
    missing: frozenset[str] = frozenset()
    unexpected: frozenset[str] = frozenset()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.error)

    def diff(self) -> str:
        """What a policy officer needs to see to fix the rule or the case."""
        lines = [f"{self.case.source}: {self.case.name}"]
        if self.error:
            lines.append(f"  error: {self.error}")
        lines += [f"  - expected, did not hold: {r}" for r in sorted(self.missing)]
        lines += [f"  + held, not expected:     {r}" for r in sorted(self.unexpected)]
        return "\n".join(lines)


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("kernel.meta").joinpath("ruletests.schema.json").read_text("utf-8")
    return json.loads(text)


def load_cases(file: Path, *, process: str, shown_as: str | None = None) -> list[Case]:
    """Read one test file; raise ``RuleFileError`` with every problem, located by line."""
    shown = shown_as or str(file)
    try:
        located = yamlsource.load(file.read_text("utf-8"))
    except yamlsource.YamlError as exc:
        raise RuleFileError([Problem(shown, exc.line, "yaml", str(exc))]) from None
    problems = []
    for error in jsonschema.Draft202012Validator(_schema()).iter_errors(located.data):
        pointer = "".join(yamlsource.pointer_join("", p) for p in error.absolute_path)
        problems.append(
            Problem(shown, located.line_of(pointer), "schema", f"{pointer or '/'}: {error.message}")
        )
    if problems:
        raise RuleFileError(problems)
    data = located.data
    ruleset = data.get("ruleset", f"{process}.{file.stem}")
    return [
        Case(
            name=raw["name"],
            ruleset=ruleset,
            facts=raw["facts"],
            expected=frozenset(raw["outcomes"]),
            as_of=dt.date.fromisoformat(raw["as_of"]) if "as_of" in raw else None,
            source=f"{shown}:{located.line_of(f'/cases/{i}')}",
        )
        for i, raw in enumerate(data["cases"])
    ]


def run_case(case: Case, evaluate: Evaluate, today: dt.date | None = None) -> CaseResult:
    try:
        got = evaluate(case.facts, case.as_of or today or dt.date.today())
    except Exception as exc:  # a case must report, never crash the run
        return CaseResult(case, error=f"{type(exc).__name__}: {exc}")
    return CaseResult(
        case,
        missing=frozenset(case.expected - got),
        unexpected=frozenset(got - case.expected),
    )


def unexercised(rule_ids: Iterable[str], cases: Iterable[Case]) -> list[str]:
    """Rules that no case expects to hold: nobody has shown they work."""
    shown = set().union(*(c.expected for c in cases))
    return [r for r in rule_ids if r not in shown]


def without_near_miss(rule_ids: Iterable[str], results: Iterable[CaseResult]) -> list[str]:
    """Rules held by some case with no near-miss beside it: nobody has shown where they stop.

    A near miss of rule R is a case where R does not hold that differs from a case where R
    holds in exactly one input: one fact more or less, one field of one fact added, removed or
    changed, or only the date (``as_of``). The "everything is fine" case seldom is one: it
    differs from each holding case in many inputs. Only cases that passed count, so what a
    case shows is what the engine did.
    """
    passed = [r.case for r in results if r.passed]
    lacking = []
    for rule in rule_ids:
        holding = [c for c in passed if rule in c.expected]
        missing = [c for c in passed if rule not in c.expected]
        if holding and not any(_one_input_apart(h, m) for h in holding for m in missing):
            lacking.append(rule)
    return lacking


def _one_input_apart(a: Case, b: Case) -> bool:
    """``a`` and ``b`` differ in exactly one fact, one field of one fact, or only the date."""
    if a.as_of != b.as_of:
        return _canonical(a.facts) == _canonical(b.facts)
    only_a, only_b = _unmatched(_canonical(a.facts), _canonical(b.facts))
    if len(only_a) + len(only_b) == 1:  # one whole fact more or less
        return True
    if len(only_a) == len(only_b) == 1:
        return _fields_apart(json.loads(only_a[0]), json.loads(only_b[0])) == 1
    return False


def _canonical(facts: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(f, sort_keys=True, ensure_ascii=False) for f in facts]


def _unmatched(a: list[str], b: list[str]) -> tuple[list[str], list[str]]:
    rest = list(b)
    only_a = []
    for fact in a:
        if fact in rest:
            rest.remove(fact)
        else:
            only_a.append(fact)
    return only_a, rest


def _fields_apart(a: dict[str, Any], b: dict[str, Any]) -> int:
    """How many top-level fields two facts of one kind differ in (another kind: many)."""
    if a.get("kind") != b.get("kind"):
        return 2
    return sum(1 for key in set(a) | set(b) if a.get(key, _ABSENT) != b.get(key, _ABSENT))


_ABSENT = object()
