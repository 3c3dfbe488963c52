"""The rulesets in force, and the gate every new version passes before it serves.

A ruleset is replaced only by a version that parses, validates, compiles, fits the engine's safe
subset, passes the lint it is given and passes its own test cases; otherwise the error is kept
(file and line) and the previous version goes on serving. Replaced engine rulesets are freed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .. import clock
from ..decision import Decision, Outcome, RulesetUsed
from . import durable_backend, reference
from .cases import Case, CaseResult, load_cases, run_case
from .compiler import compile_text
from .facts import project
from .model import FieldType, RuleSet
from .problems import Problem, RuleFileError

log = logging.getLogger(__name__)

Lint = Callable[[RuleSet], list[Problem]]


@dataclass(frozen=True)
class RuleSource:
    """Where one process keeps its rules: ``<directory>/*.yaml`` and ``<directory>/tests/``."""

    process: str
    directory: Path
    known_types: Mapping[tuple[str, str], FieldType] = field(default_factory=dict)

    def shown(self, file: Path) -> str:
        """``rules/<process>/<file>``: how staff see the file, wherever it is installed."""
        return file.relative_to(self.directory.parent.parent).as_posix()


@dataclass
class Loaded:
    ruleset: RuleSet
    compiled: durable_backend.CompiledRuleSet
    version: int
    loaded_at: dt.datetime | None = None

    def fired(self, facts: Iterable[Mapping[str, Any]], as_of: dt.date) -> set[str]:
        projected = project(self.ruleset, facts)
        try:
            hits = self.compiled.evaluate(projected)
        except durable_backend.EngineLimitExceeded as exc:
            log.warning(
                "ruleset %s: %s; decided by the reference evaluator", self.ruleset.name, exc
            )
            hits = reference.fired(self.ruleset, projected)
        rules = self.ruleset.rules
        return {h for h in hits if rules[self.position[h]].in_force(as_of)}

    @cached_property
    def position(self) -> dict[str, int]:
        """Rule id -> its place in the file: a decision visits the rules that fired, not all."""
        return {rule.id: n for n, rule in enumerate(self.ruleset.rules)}

    @cached_property
    def used(self) -> RulesetUsed:
        """What a decision records of this file: name, sha256, source, version."""
        rs = self.ruleset
        return RulesetUsed(rs.name, rs.sha256, rs.path, self.version)

    @cached_property
    def outcomes(self) -> dict[str, Outcome]:
        """Each rule's outcome, made once: messages depend only on the rule's own params."""
        return {rule.id: _outcome(rule) for rule in self.ruleset.rules}


@dataclass
class Report:
    """What one refresh did."""

    loaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class UnknownRuleset(KeyError):
    pass


class RuleBook:
    """All rulesets of all processes, by name (``<process>.<file stem>``)."""

    def __init__(
        self,
        sources: Sequence[RuleSource],
        *,
        engine: durable_backend.Engine | None = None,
        lint: Lint | None = None,
    ) -> None:
        self.sources = list(sources)
        self.engine = engine or durable_backend.Engine()
        self._lint = lint
        self._loaded: dict[str, Loaded] = {}
        self._rule_files: dict[Path, tuple[RuleSource, str]] = {}  # sha256 last seen
        self._test_files: dict[Path, str] = {}
        self._cases: dict[Path, list[Case]] = {}
        self._history: dict[str, list[RulesetUsed]] = {}
        self.errors: dict[str, list[Problem]] = {}
        self.last_refresh: dt.datetime | None = None

    # -- reading -----------------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self._loaded)

    def get(self, name: str) -> Loaded:
        try:
            return self._loaded[name]
        except KeyError:
            raise UnknownRuleset(name) from None

    def history(self, name: str) -> list[RulesetUsed]:
        """Every version that served under ``name`` since start, oldest first."""
        return list(self._history.get(name, ()))

    def cases(self, ruleset: str | None = None) -> list[Case]:
        every = [c for cases in self._cases.values() for c in cases]
        return [c for c in every if ruleset is None or c.ruleset == ruleset]

    def evaluate(
        self,
        names: Iterable[str],
        facts: Sequence[Mapping[str, Any]],
        as_of: dt.date | None = None,
    ) -> Decision:
        """Evaluate every rule of ``names`` in force on ``as_of`` (today by default)."""
        as_of = as_of or clock.today()
        used, outcomes = [], []
        for name in names:
            loaded = self.get(name)
            fired = loaded.fired(facts, as_of)
            used.append(loaded.used)
            outcomes += [loaded.outcomes[r] for r in sorted(fired, key=loaded.position.__getitem__)]
        return Decision(as_of, tuple(used), tuple(outcomes))

    # -- changing ----------------------------------------------------------------------------

    def refresh(self) -> Report:
        """Bring the book in line with the files on disk; safe to call at any time."""
        report = Report()
        rule_files, test_files = self._scan()
        retest = self._reload_cases(test_files, report)
        for file, (source, _, _) in rule_files.items():
            if f"{source.process}.{file.stem}" in retest and source.shown(file) in self.errors:
                self._rule_files.pop(file, None)  # its cases changed: give it another chance
        for file, (source, text, sha) in rule_files.items():
            if self._rule_files.get(file, (None, ""))[1] == sha:
                continue
            self._rule_files[file] = (source, sha)
            name = f"{source.process}.{file.stem}"
            retest.discard(name)
            self._try_load(source, file, name, text, report)
        self._remove_missing(rule_files, report)
        for name in sorted(retest & set(self._loaded)):
            self._check_cases_in_force(name, report)
        self.last_refresh = clock.now()
        return report

    def close(self) -> None:
        for loaded in self._loaded.values():
            loaded.compiled.close()
        self._loaded.clear()

    # -- inside ------------------------------------------------------------------------------

    def _scan(self) -> tuple[dict[Path, tuple[RuleSource, str, str]], dict[Path, RuleSource]]:
        rule_files, test_files = {}, {}
        for source in self.sources:
            for file in sorted(source.directory.glob("*.yaml")):
                text = file.read_text("utf-8")
                sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
                rule_files[file] = (source, text, sha)
            for file in sorted(source.directory.glob("tests/*.yaml")):
                test_files[file] = source
        return rule_files, test_files

    def _reload_cases(self, test_files: Mapping[Path, RuleSource], report: Report) -> set[str]:
        """Re-read changed test files; names of rulesets whose cases changed."""
        changed: set[str] = set()
        for file in set(self._cases) - set(test_files):
            changed.update(c.ruleset for c in self._cases.pop(file))
            self._test_files.pop(file, None)
        for file, source in test_files.items():
            sha = hashlib.sha256(file.read_bytes()).hexdigest()
            if self._test_files.get(file) == sha:
                continue
            self._test_files[file] = sha
            shown = source.shown(file)
            try:
                cases = load_cases(file, process=source.process, shown_as=shown)
            except RuleFileError as exc:
                self._fail(shown, exc.problems, report)
                continue
            self.errors.pop(shown, None)
            changed.update(c.ruleset for c in self._cases.get(file, ()))
            changed.update(c.ruleset for c in cases)
            self._cases[file] = cases
        return changed

    def _try_load(
        self, source: RuleSource, file: Path, name: str, text: str, report: Report
    ) -> None:
        shown = source.shown(file)
        try:
            candidate = self._compile(source, shown, name, text)
        except RuleFileError as exc:
            self._fail(shown, exc.problems, report)
            return
        failures = [r for r in self._run_cases(candidate) if not r.passed]
        if failures:
            candidate.compiled.close()
            self._fail(shown, [_case_problem(r) for r in failures], report)
            return
        old = self._loaded.get(name)
        self._loaded[name] = candidate
        self._history.setdefault(name, []).append(candidate.used)
        self.errors.pop(shown, None)
        report.loaded.append(name)
        log.info("ruleset %s version %d in force (%s)", name, candidate.version, shown)
        if old is not None:
            old.compiled.close()

    def _compile(self, source: RuleSource, shown: str, name: str, text: str) -> Loaded:
        ruleset = compile_text(
            text, path=shown, process=source.process, name=name, known_types=source.known_types
        )
        problems = durable_backend.check(ruleset)
        if self._lint:
            problems += [p for p in self._lint(ruleset) if p.severity == "error"]
        if problems:
            raise RuleFileError(problems)
        version = len(self._history.get(name, ())) + 1
        return Loaded(ruleset, self.engine.load(ruleset), version, clock.now())

    def _run_cases(self, loaded: Loaded) -> list[CaseResult]:
        return [run_case(c, loaded.fired) for c in self.cases(loaded.ruleset.name)]

    def _check_cases_in_force(self, name: str, report: Report) -> None:
        failures = [r for r in self._run_cases(self._loaded[name]) if not r.passed]
        for result in failures:
            shown = result.case.source.rsplit(":", 1)[0]
            self._fail(shown, [_case_problem(result)], report)

    def _remove_missing(self, rule_files: Mapping[Path, Any], report: Report) -> None:
        for file in [f for f in self._rule_files if f not in rule_files]:
            source, _ = self._rule_files.pop(file)
            name = f"{source.process}.{file.stem}"
            self.errors.pop(source.shown(file), None)
            loaded = self._loaded.pop(name, None)
            if loaded is not None:
                loaded.compiled.close()
                report.removed.append(name)
                log.info("ruleset %s removed", name)

    def _fail(self, shown: str, problems: list[Problem], report: Report) -> None:
        self.errors[shown] = problems
        report.problems += problems
        for problem in problems:
            log.error("rules not reloaded: %s", problem)


def _outcome(rule) -> Outcome:
    return Outcome(
        rule=rule.id,
        kind=rule.kind,
        message=rule.message.format(**rule.params),
        fields=rule.fields,
        requirement=rule.requirement,
        params=rule.params,
        basis=rule.basis,
        source=rule.source,
    )


def _case_problem(result: CaseResult) -> Problem:
    path, _, line = result.case.source.rpartition(":")
    return Problem(path, int(line), "case-failed", "test case failed:\n" + result.diff())
