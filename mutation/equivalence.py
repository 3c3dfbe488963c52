"""A pytest plugin that checks, on every input the tests give, that six mutants change nothing.

``mutation/explained.toml`` says why six survivors of ``kernel/rules/durable_backend.py``
cannot be noticed: the expressions the back end builds are single-key dicts all the way down,
and a rule's ``source`` is always ``<its ruleset's path>:<a line number>``. This plugin does not
take that on trust: while the tests run, every call of ``_complexity_problems``, ``_groups`` and
``_nested_groups`` is also computed the mutated way, and a test fails where the two differ.

Run (the module's own tests, then every rule file of the repository through its tests)::

    python -m pytest -p mutation.equivalence tests/test_engine_equivalence.py \
        tests/test_rule_compiler.py tests/test_engine_resources.py rules -q

``tests/test_engine_resources.py::test_a_too_complex_rule_in_a_file_whose_name_holds_a_colon…``
is expected to fail under it: that is mutant 20 (``partition``), which it kills, compared too
so the plugin shows it notices a difference when there is one.
"""

from __future__ import annotations

from typing import Any

import pytest

from kernel.rules import durable_backend as db
from kernel.rules.problems import Problem

_original = {
    name: getattr(db, name) for name in ("_complexity_problems", "_groups", "_nested_groups")
}
CALLS = {"_complexity_problems": 0, "_groups": 0, "_nested_groups": 0}


def _where(ruleset: Any, source: str, split: str, mutant: int) -> tuple[str, int]:
    """``_complexity_problems``' line 107-108, as written (0) or as mutant 20/23/25/27 has it."""
    path, _, line = getattr(source, split)(":")
    if mutant == 23:
        return (path and ruleset.path, int(line) if line.isdigit() else 1)
    if mutant == 25:
        return (path or ruleset.path, int(line))
    if mutant == 27:
        return (path or ruleset.path, int(line) if line.isdigit() else 2)
    return (path or ruleset.path, int(line) if line.isdigit() else 1)


def _complexity_problems(ruleset: Any) -> list[Problem]:
    CALLS["_complexity_problems"] += 1
    for rule in ruleset.rules:
        original = _where(ruleset, rule.source, "rpartition", 0)
        for split, mutant in (
            ("rpartition", 23),
            ("rpartition", 25),
            ("rpartition", 27),
            ("partition", 20),
        ):
            assert _where(ruleset, rule.source, split, mutant) == original, (mutant, rule.source)
    return _original["_complexity_problems"](ruleset)


def _nested_groups_mutant(expr: Any, mutant: int) -> int:
    """``_nested_groups`` as mutant 2 (``return 1`` for a non-dict) or 10 (``=``) has it."""
    if not isinstance(expr, dict):
        return 1 if mutant == 2 else 0
    total = 0
    for key, value in expr.items():
        if key in ("$and", "$or"):
            part = 1 + sum(_nested_groups_mutant(v, mutant) for v in value)
            total = part if mutant == 10 else total + part
    return total


def _nested_groups(expr: Any) -> int:
    CALLS["_nested_groups"] += 1
    result = _original["_nested_groups"](expr)
    for mutant in (2, 10):
        assert _nested_groups_mutant(expr, mutant) == result, (mutant, expr)
    return result


def _groups(condition: dict[str, Any]) -> int:
    CALLS["_groups"] += 1
    (test,) = condition.values()
    # Mutant 4 takes ``test.get`` whatever ``test`` is: the same exactly when it is a dict.
    assert isinstance(test, dict), condition
    return _original["_groups"](condition)


@pytest.fixture(autouse=True)
def _compare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "_complexity_problems", _complexity_problems)
    monkeypatch.setattr(db, "_groups", _groups)
    monkeypatch.setattr(db, "_nested_groups", _nested_groups)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"mutation.equivalence: calls compared {CALLS}")
