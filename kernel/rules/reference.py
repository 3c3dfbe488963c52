"""The plain-Python evaluation of the intermediate form.

It states what a rule means in a dozen obvious lines, so property-based tests can hold the
durable_rules back end to it, and so the back end stays replaceable. It runs on projected facts
(``facts.project``), exactly as the engine does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .model import AllOf, AnyOf, Expr, Pattern, Ref, RuleSet, Test
from .regexes import matches

Fact = Mapping[str, Any]


def fired(ruleset: RuleSet, facts: Sequence[Fact]) -> set[str]:
    """Ids of the rules of ``ruleset`` that hold for ``facts`` (dates not considered)."""
    return {
        rule.id
        for rule in ruleset.rules
        if any(_holds(alt.patterns, facts, {}, ()) for alt in rule.alternatives)
    }


def _holds(
    patterns: Sequence[Pattern],
    facts: Sequence[Fact],
    bound: dict[str, Fact],
    used: tuple[int, ...],
) -> bool:
    """Bind positive patterns to distinct facts in order; negated ones must find no other fact."""
    if not patterns:
        return True
    pattern, rest = patterns[0], patterns[1:]
    candidates = [
        i
        for i, fact in enumerate(facts)
        if i not in used and fact["kind"] == pattern.kind and _test(pattern.test, fact, bound)
    ]
    if pattern.negated:
        return not candidates and _holds(rest, facts, bound, used)
    return any(
        _holds(rest, facts, {**bound, pattern.alias: facts[i]}, (*used, i)) for i in candidates
    )


def _test(expr: Expr | None, fact: Fact, bound: Mapping[str, Fact]) -> bool:
    if expr is None:
        return True
    if isinstance(expr, AllOf):
        return all(_test(e, fact, bound) for e in expr.items)
    if isinstance(expr, AnyOf):
        return any(_test(e, fact, bound) for e in expr.items)
    return _field_test(expr, fact, bound)


def _field_test(test: Test, fact: Fact, bound: Mapping[str, Fact]) -> bool:
    present = test.field in fact
    value = fact.get(test.field)
    op, expected = test.op, test.value
    if isinstance(expected, Ref):
        other = bound[expected.alias]
        return present and expected.field in other and value == other[expected.field]
    if op == "exists":
        return present
    if op == "absent":
        return not present
    if op == "not_equals":
        return not present or value != expected
    if op == "not_in":
        return not present or value not in expected
    if not present:
        return False
    return _COMPARE[op](value, expected)


_COMPARE = {
    "equals": lambda v, e: v == e,
    "in": lambda v, e: v in e,
    "lt": lambda v, e: v < e,
    "lte": lambda v, e: v <= e,
    "gt": lambda v, e: v > e,
    "gte": lambda v, e: v >= e,
    "matches": lambda v, e: matches(e, v),
}
