"""What ``govflow rules check`` and ``govflow rules test`` do, on any rules folder.

The folder may be the repository's ``rules/``, one process's folder, or a copy a policy
officer keeps elsewhere: a process is recognised by its folder name, and the installed plugin
of that name supplies the schemas to check fields against.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import durable_backend
from .book import Loaded
from .cases import Case, CaseResult, load_cases, run_case, unexercised, without_near_miss
from .compiler import compile_file
from .lint import FactFields, known_types, lint_ruleset
from .model import RuleSet
from .problems import Problem, RuleFileError

FieldsOf = Callable[[str], FactFields | None]


def shown(path: Path) -> str:
    """A path as the person at the terminal can open it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def process_dirs(path: Path) -> list[Path]:
    """The process folders at or under ``path`` (a folder holding rule files)."""
    path = path.resolve()
    if path.is_file():
        return [path.parent]
    if any(path.glob("*.yaml")) or (path / "tests").is_dir():
        return [path]
    return sorted(d for d in path.iterdir() if d.is_dir() and any(d.glob("*.yaml")))


@dataclass
class Checked:
    rulesets: list[RuleSet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def check(path: Path, fields_of: FieldsOf, known_processes: set[str]) -> Checked:
    """Every problem in the rule files and test files under ``path``."""
    result = Checked()
    only = path.resolve() if path.is_file() else None
    for folder in process_dirs(path):
        process = folder.name
        facts = fields_of(process)
        if process not in known_processes:
            result.problems.append(
                Problem(
                    shown(folder),
                    1,
                    "unknown-process",
                    f"no installed plugin provides process '{process}'; fields are not "
                    "checked against schemas",
                    severity="warning",
                )
            )
        types = known_types(facts or {})
        for file in sorted(folder.glob("*.yaml")):
            if only and file != only:
                continue
            try:
                ruleset = compile_file(
                    file, process=process, shown_as=shown(file), known_types=types
                )
            except RuleFileError as exc:
                result.problems += exc.problems
                continue
            result.rulesets.append(ruleset)
            result.problems += durable_backend.check(ruleset)
            if facts is not None:
                result.problems += lint_ruleset(ruleset, facts)
        if not only:
            result.problems += _case_file_problems(folder, process)
    result.problems += _duplicate_ids(result.rulesets)
    return result


def _case_file_problems(folder: Path, process: str) -> list[Problem]:
    problems = []
    for file in sorted(folder.glob("tests/*.yaml")):
        try:
            load_cases(file, process=process, shown_as=shown(file))
        except RuleFileError as exc:
            problems += exc.problems
    return problems


def _duplicate_ids(rulesets: list[RuleSet]) -> list[Problem]:
    first: dict[str, str] = {}
    problems = []
    for ruleset in rulesets:
        for rule in ruleset.rules:
            where = first.setdefault(rule.id, rule.source)
            if where != rule.source:
                path, _, line = rule.source.rpartition(":")
                problems.append(
                    Problem(
                        path,
                        int(line),
                        "duplicate-id",
                        f"rule id '{rule.id}' is also used at {where}",
                    )
                )
    return problems


@dataclass
class Tested:
    results: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unexercised: list[str] = field(default_factory=list)
    without_near_miss: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed and not any(p.severity == "error" for p in self.problems)


def run_tests(path: Path, fields_of: FieldsOf) -> Tested:
    """Run every case under ``path`` against the rules beside it, on the real engine."""
    tested = Tested()
    engine = durable_backend.Engine()
    try:
        for folder in process_dirs(path):
            _test_folder(folder, fields_of, engine, tested)
    finally:
        engine.close()
    return tested


def _test_folder(folder: Path, fields_of: FieldsOf, engine, tested: Tested) -> None:
    process = folder.name
    types = known_types(fields_of(process) or {})
    loaded: dict[str, Loaded] = {}
    for file in sorted(folder.glob("*.yaml")):
        try:
            rs = compile_file(file, process=process, shown_as=shown(file), known_types=types)
        except RuleFileError as exc:
            tested.problems += exc.problems
            continue
        loaded[rs.name] = Loaded(rs, engine.load(rs), version=1)
    cases: list[Case] = []
    for file in sorted(folder.glob("tests/*.yaml")):
        try:
            cases += load_cases(file, process=process, shown_as=shown(file))
        except RuleFileError as exc:
            tested.problems += exc.problems
    for case in cases:
        target = loaded.get(case.ruleset)
        if target is None:
            path, _, line = case.source.rpartition(":")
            tested.problems.append(
                Problem(
                    path,
                    int(line),
                    "unknown-ruleset",
                    f"case '{case.name}' tests ruleset '{case.ruleset}', which does not exist",
                )
            )
            continue
        tested.results.append(run_case(case, target.fired))
    for name, target in loaded.items():
        ids = [r.id for r in target.ruleset.rules]
        mine = [c for c in cases if c.ruleset == name]
        tested.unexercised += unexercised(ids, mine)
        results = [r for r in tested.results if r.case.ruleset == name]
        tested.without_near_miss += without_near_miss(ids, results)
