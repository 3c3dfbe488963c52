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
