"""The durable_rules back end: the only module that imports durable_rules.

durable_rules 2.0.28 is unmaintained C; it is safe only in the subset that
``shared/notes/durable-rules.md`` verified, and this module keeps to it:

* one ``Engine`` (a host) per app, with the background timer threads turned off (§3.8);
* every compiled rule starts with the trigger fact, asserted last (§3.1), and an ``_end`` rule
  matches the trigger alone so ``delete_state`` never meets a session without an action (§3.3);
* one fresh session per evaluation, deleted afterwards; evaluations serialised by a lock, so
  never more than one live session (§3.4) and no sid-hash collision can matter;
* facts asserted one at a time with their index as ``id`` (§3.5, §3.7);
* every condition scoped by a ``kind`` test (§3.2); cross-fact references only by equality and
  never inside ``$or`` (§3.6, enforced by the compiler), nor beside one in the same condition
  (the engine then drops the join: such patterns are written out in normal form, ``_variants``);
  no ``$s``, ``$div`` or regex (§3.9, §2.4: ``matches`` is computed in Python);
* at most ``MAX_GROUPS`` nested groups per condition (the C core's fixed table, error 113);
* field names checked for collisions of the engine's 32-bit FNV-1a name hash (§3.12) and the
  number of properties per fact bounded;
* replaced rulesets are deleted from the C core so reloads do not grow memory (§3.14, §5).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
from collections.abc import Iterable
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException

from .model import AllOf, Alternative, AnyOf, Expr, Pattern, Ref, Rule, RuleSet, Test
from .problems import Problem

TRIGGER = {"kind": "$eval"}
MAX_PROPERTIES = 250  # the engine refuses a fact with more than 254 (notes §3.12)
MAX_VARIANTS = 32  # engine rules one alternative of a rule may expand to (see _variants)
MAX_GROUPS = 14  # nested $and/$or groups per condition (error 113 beyond; see _complexity_problems)
FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 16777619


def fnv1a32(name: str) -> int:
    """The engine's hash of a property name (json.c ``getStringAndHash``)."""
    value = FNV_OFFSET
    for byte in name.encode("utf-8"):
        # The C code xors a signed char: bytes >= 0x80 are sign-extended.
        value ^= byte if byte < 0x80 else (byte - 256) & 0xFFFFFFFF
        value = (value * FNV_PRIME) & 0xFFFFFFFF
    return value


def check(ruleset: RuleSet) -> list[Problem]:
    """What in ``ruleset`` the engine cannot hold safely (beyond what the compiler refuses)."""
    return _field_problems(ruleset) + _complexity_problems(ruleset)


def _field_problems(ruleset: RuleSet) -> list[Problem]:
    problems = []
    names = {"kind", "id", "sid"}
    for kind, fields in ruleset.shape.items():
        if len(fields) + 3 > MAX_PROPERTIES:
            problems.append(
                Problem(
                    ruleset.path,
                    1,
                    "too-many-fields",
                    f"rules look at {len(fields)} fields of fact '{kind}'; the engine holds at "
                    f"most {MAX_PROPERTIES - 3}",
                )
            )
        for field in fields:
            names.add(field)
            names.update(field.split("."))
    seen: dict[int, str] = {}
    for name in sorted(names):
        other = seen.setdefault(fnv1a32(name), name)
        if other != name:
            problems.append(
                Problem(
                    ruleset.path,
                    1,
                    "hash-collision",
                    f"field names '{other}' and '{name}' look the same to the engine "
                    "(32-bit name hash); rename one",
                )
            )
    return problems


def _complexity_problems(ruleset: RuleSet) -> list[Problem]:
    """Conditions nested deeper than the engine's fixed expression table holds.

    The C core keeps each condition's nested ``$and``/``$or`` groups in a table of 32 slots, two
    per group (``MAX_SEQUENCE_EXPRESSIONS``); registering more fails with error 113. Measured:
    14 groups in one condition register, 15 do not, whatever the tests inside them.
    """
    keys = _match_keys(ruleset)
    problems = []
    for rule in ruleset.rules:
        message = next(
            filter(None, (_too_complex(rule, alt, keys) for alt in rule.alternatives)), None
        )
        if message is not None:
            path, _, line = rule.source.rpartition(":")
            where = (path or ruleset.path, int(line) if line.isdigit() else 1)
            problems.append(Problem(*where, "too-complex", message))
    return problems


def _too_complex(rule: Rule, alt: Alternative, keys: MatchKeys) -> str | None:
    """Why the engine cannot register ``alt`` of ``rule``, if it cannot."""
    try:
        variants = _variants(alt.patterns, keys)
    except _TooWide as exc:
        count = exc.size
    else:
        count = len(variants)
    if count > MAX_VARIANTS:
        return (
            f"rule '{rule.id}' compares fields of two facts beside {count} alternative tests; "
            f"the engine takes at most {MAX_VARIANTS}: split it"
        )
    groups = max((_groups(c) for v in variants for c in v), default=0)
    if groups > MAX_GROUPS:
        return (
            f"rule '{rule.id}' combines {groups} nested all/any/not_in groups on one fact; the "
            f"engine holds at most {MAX_GROUPS}: split the rule or flatten its conditions"
        )
    return None


def _groups(condition: dict[str, Any]) -> int:
    """Nested ``$and``/``$or`` groups below the condition's own top-level ``$and``."""
    (test,) = condition.values()
    items = test.get("$and", [test]) if isinstance(test, dict) else []
    return sum(_nested_groups(item) for item in items)


def _nested_groups(expr: Any) -> int:
    if not isinstance(expr, dict):
        return 0
    total = 0
    for key, value in expr.items():
        if key in ("$and", "$or"):
            total += 1 + sum(_nested_groups(v) for v in value)
    return total


class _QuietHost(Host):
    """A Host without the dispatcher and timer threads (notes §3.8)."""

    def _run(self) -> None:
        pass


class Engine:
    """The app's durable_rules host. Evaluations are serialised; each leaves nothing behind."""

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._lock = threading.Lock()
        self._names = itertools.count()
        self._sids = itertools.count()

    def load(self, ruleset: RuleSet) -> CompiledRuleSet:
        """Register ``ruleset`` under a fresh engine name (names cannot be replaced)."""
        return CompiledRuleSet(self, ruleset, f"{ruleset.name}#{next(self._names)}")

    def close(self) -> None:
        with self._lock:
            for name in list(self._host._ruleset_directory):
                self._delete(name)

    def _delete(self, name: str) -> None:
        ruleset = self._host._ruleset_directory.pop(name, None)
        if ruleset is not None:
            self._host._ruleset_list.remove(ruleset)
            durable_rules_engine.delete_ruleset(ruleset._handle)


class CompiledRuleSet:
    """One ruleset registered in the engine."""

    def __init__(self, engine: Engine, ruleset: RuleSet, name: str) -> None:
        self.ruleset = ruleset
        self._engine, self._name = engine, name
        self._hits: list[str] = []
        spec: dict[str, Any] = {}
        keys = _match_keys(ruleset)
        for rule in ruleset.rules:
            for i, alt in enumerate(rule.alternatives):
                for k, conditions in enumerate(_variants(alt.patterns, keys)):
                    spec[f"{rule.id}|{i}.{k}"] = {
                        "all": [{"trg": dict(TRIGGER)}, *conditions],
                        "run": self._action(rule),
                    }
        spec["_end"] = {"all": [{"trg": dict(TRIGGER)}], "run": self._action(None)}
        with engine._lock:
            engine._host.register_rulesets({name: spec})

    def _action(self, rule: Rule | None):
        hits = self._hits

        def run(c):  # exactly one positional parameter (notes §3.10)
            if rule is not None:
                hits.append(rule.id)

        return run

    def evaluate(self, facts: Iterable[dict[str, Any]]) -> set[str]:
        """Ids of the rules that hold for ``facts`` (already projected)."""
        engine = self._engine
        with engine._lock:
            sid = f"e{next(engine._sids)}"
            host = engine._host
            self._hits.clear()
            state = None
            try:
                for n, fact in enumerate(facts):
                    with contextlib.suppress(MessageNotHandledException):  # nobody looks at it
                        host.assert_fact(self._name, {**fact, "sid": sid, "id": n})
            finally:
                try:
                    state = host.assert_fact(self._name, {**TRIGGER, "sid": sid, "id": "trg"})
                finally:
                    host.delete_state(self._name, sid)
            hits = set(self._hits)
        if state and "exception" in state:
            raise RuntimeError(f"rule action failed: {state['exception']}")
        return hits

    def close(self) -> None:
        """Free the C ruleset; called once no evaluation uses it any more."""
        with self._engine._lock:
            self._engine._delete(self._name)


MatchKeys = dict[tuple[str, str, str], str]


def _match_keys(ruleset: RuleSet) -> MatchKeys:
    return {(k.kind, k.field, k.pattern): k.key for k in ruleset.match_keys}


def _variants(patterns: tuple[Pattern, ...], keys: MatchKeys) -> list[list[dict[str, Any]]]:
    """The engine conditions of one alternative: usually one list, more where a join needs it.

    A condition that joins another fact (``equals: {ref: …}``) must hold no ``$or`` at all: the
    engine then ignores the join and matches any fact of the kind (found by the fuzz under
    valgrind, both in positive and negated conditions). Such a pattern is written out in
    disjunctive normal form instead: a positive one becomes one engine rule per disjunct (the
    outcome is a set, so overlaps do not matter), a negated one one ``$not`` per disjunct
    (no fact passes A or B = none passes A and none passes B).
    """
    aliases = {p.alias: f"a{j}" for j, p in enumerate(patterns) if not p.negated}
    per_pattern: list[list[list[dict[str, Any]]]] = []
    for j, pattern in enumerate(patterns):
        tests: list[dict[str, Any]] = [{"kind": pattern.kind}]
        if pattern.test is not None:
            expr = pattern.test
            items = expr.items if isinstance(expr, AllOf) else (expr,)
            context = _Scope(pattern.kind, aliases, keys)
            tests.extend(context.expr(item) for item in items)
        test = _simplified({"$and": tests})
        if not _joins(pattern.test):
            key = f"n{j}$not" if pattern.negated else aliases[pattern.alias]
            per_pattern.append([[{key: test}]])
            continue
        if _dnf_size(test) > MAX_VARIANTS:
            raise _TooWide(_dnf_size(test))
        disjuncts = [_simplified({"$and": d}) for d in _dnf(test)]
        if pattern.negated:
            per_pattern.append([[{f"n{j}_{k}$not": d} for k, d in enumerate(disjuncts)]])
        else:
            per_pattern.append([[{aliases[pattern.alias]: d}] for d in disjuncts])
    return [
        [condition for part in combination for condition in part]
        for combination in itertools.product(*per_pattern)
    ]


def _joins(expr: Expr | None) -> bool:
    if isinstance(expr, AllOf | AnyOf):
        return any(_joins(e) for e in expr.items)
    return isinstance(expr, Test) and isinstance(expr.value, Ref)


class _TooWide(Exception):
    """A joined pattern whose normal form has more disjuncts than ``MAX_VARIANTS``."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _dnf_size(expr: dict[str, Any]) -> int:
    if list(expr) == ["$or"]:
        return sum(_dnf_size(item) for item in expr["$or"])
    if list(expr) == ["$and"]:
        return math.prod(_dnf_size(item) for item in expr["$and"])
    return 1


def _dnf(expr: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """``expr`` as a list of conjunctions of plain tests."""
    if list(expr) == ["$or"]:
        return [conjunction for item in expr["$or"] for conjunction in _dnf(item)]
    if list(expr) == ["$and"]:
        parts = [_dnf(item) for item in expr["$and"]]
        return [[t for c in combination for t in c] for combination in itertools.product(*parts)]
    return [[expr]]


def _simplified(expr: dict[str, Any]) -> dict[str, Any]:
    """The same test with groups inside groups of their own kind merged and lone items unwrapped.

    Fewer groups keep a rule within the engine's table of nested groups (``MAX_GROUPS``).
    """
    (op, value), *rest = expr.items()
    if rest or op not in ("$and", "$or"):
        return expr
    items: list[dict[str, Any]] = []
    for item in map(_simplified, value):
        items.extend(item[op] if list(item) == [op] else [item])
    return items[0] if len(items) == 1 else {op: items}


class _Scope:
    """What a test needs to be written for the engine: its fact kind, aliases, match keys."""

    def __init__(self, kind: str, aliases: dict[str, str], keys: MatchKeys) -> None:
        self.kind, self.aliases, self.keys = kind, aliases, keys

    def expr(self, expr: Expr) -> dict[str, Any]:
        if isinstance(expr, AllOf):
            return {"$and": [self.expr(e) for e in expr.items]}
        if isinstance(expr, AnyOf):
            return {"$or": [self.expr(e) for e in expr.items]}
        return self.test(expr)

    def test(self, test: Test) -> dict[str, Any]:
        f, v = test.field, test.value
        absent = {"$nex": {f: 1}}
        if isinstance(v, Ref):
            return {f: {self.aliases[v.alias]: v.field}}
        match test.op:
            case "equals":
                return {f: v}
            case "not_equals":
                return {"$or": [{"$neq": {f: v}}, absent]}
            case "in":
                return _simplified({"$or": [{f: x} for x in v]})
            case "not_in":
                return {"$or": [_simplified({"$and": [{"$neq": {f: x}} for x in v]}), absent]}
            case "lt" | "lte" | "gt" | "gte":
                return {f"${test.op}": {f: v}}
            case "matches":
                return {self.keys[(self.kind, f, v)]: True}
            case "exists":
                return {"$ex": {f: 1}}
            case "absent":
                return absent
        raise ValueError(f"no engine form for operator {test.op!r}")  # pragma: no cover
