"""A pytest plugin that collects policy staff's YAML rule cases as tests.

Enabled by the repository's ``conftest.py``; any ``rules/<process>/tests/*.yaml`` becomes one
test per case, named by its sentence, failing with the same diff ``govflow rules test`` prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .book import Loaded
from .cases import Case, load_cases, run_case
from .compiler import compile_file
from .durable_backend import Engine

_engine_key = pytest.StashKey[Engine]()
_loaded_key = pytest.StashKey[dict[Path, Loaded]]()


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if (
        file_path.suffix == ".yaml"
        and file_path.parent.name == "tests"
        and file_path.parent.parent.parent.name == "rules"
    ):
        return RuleCaseFile.from_parent(parent, path=file_path)
    return None


def pytest_unconfigure(config: pytest.Config) -> None:
    engine = config.stash.get(_engine_key, None)
    if engine is not None:
        engine.close()


class RuleCaseFile(pytest.File):
    def collect(self):
        process = self.path.parent.parent.name
        for case in load_cases(self.path, process=process):
            yield RuleCaseItem.from_parent(self, name=case.name, case=case)


class RuleCaseItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        process_dir = self.path.parent.parent
        rule_file = process_dir / f"{self.case.ruleset.split('.', 1)[1]}.yaml"
        result = run_case(self.case, self._loaded(rule_file, process_dir.name).fired)
        if not result.passed:
            raise RuleCaseFailure(result.diff())

    def _loaded(self, rule_file: Path, process: str) -> Loaded:
        stash = self.config.stash
        if _engine_key not in stash:
            stash[_engine_key] = Engine()
            stash[_loaded_key] = {}
        cache = stash[_loaded_key]
        if rule_file not in cache:
            ruleset = compile_file(rule_file, process=process)
            cache[rule_file] = Loaded(ruleset, stash[_engine_key].load(ruleset), version=1)
        return cache[rule_file]

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleCaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"rule case: {self.case.name}"


class RuleCaseFailure(Exception):
    pass
