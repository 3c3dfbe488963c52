"""The durable_rules back end: the only module that imports durable_rules.

durable_rules 2.0.28 is unmaintained C; it is safe only in the subset that
``shared/notes/durable-rules.md`` verified, and this module keeps to it:

* one ``Engine`` per app, driving the C core directly: no host, so no timer threads (§3.8);
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

import itertools
import json
import math
import threading
from collections.abc import Iterable
from typing import Any

import durable_rules_engine

from .. import jsontext
from .model import AllOf, Alternative, AnyOf, Expr, Pattern, Ref, Rule, RuleSet, Test
from .problems import Problem

TRIGGER = {"kind": "$eval"}
MAX_PROPERTIES = 250  # the engine refuses a fact with more than 254 (notes §3.12)
MAX_VARIANTS = 32  # engine rules one alternative of a rule may expand to (see _variants)
MAX_GROUPS = 14  # nested $and/$or groups per condition (error 113 beyond; see _complexity_problems)
CHUNK = 200  # engine rules per C ruleset (error 108 beyond 257; see CompiledRuleSet)
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


class EngineLimitExceeded(RuntimeError):
    """One fact passed more of a ruleset's tests at once than the C core can follow.

    The core walks its test network with a fixed stack of 64 (``MAX_STACK_SIZE``); a fact that
    passes, say, 65 ``gt`` tests on one field under one parent fails with error 303. Whether
    that happens depends on the fact, not only on the rules, so it cannot all be refused when
    the file loads: the caller decides such a case with the reference evaluator instead.
    """


class Engine:
    """The app's handle on the C core. Evaluations are serialised; each leaves nothing behind.

    The C core is driven directly, not through ``durable.engine.Host``: the host wraps every
    fired rule in a Python closure and round-trips the session state through JSON around it,
    and raises an exception for every fact no rule looks at. That layer was 55-60 % of a
    decision (``benchmarks/results/2026-11-23-decision-cost.json``); reading the fired rule's
    name off the action message gives the same outcomes at well under half the cost. It also
    means no dispatcher or timer threads exist at all (notes §3.8).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names = itertools.count()
        self._sids = itertools.count()
        self._handles: set[int] = set()

    def load(self, ruleset: RuleSet) -> CompiledRuleSet:
        """Register ``ruleset`` under fresh engine names (names cannot be replaced)."""
        return CompiledRuleSet(self, ruleset, f"{ruleset.name}#{next(self._names)}")

    def held(self) -> int:
        """How many C rulesets are registered: what reloads must not let grow."""
        return len(self._handles)

    def close(self) -> None:
        with self._lock:
            for handle in list(self._handles):
                self._delete(handle)

    def _register(self, name: str, spec: dict[str, Any]) -> int:
        with self._lock:
            handle = durable_rules_engine.create_ruleset(name, json.dumps(spec, ensure_ascii=False))
            self._handles.add(handle)
            return handle

    def _delete(self, handle: int) -> None:
        if handle in self._handles:
            self._handles.remove(handle)
            durable_rules_engine.delete_ruleset(handle)


class CompiledRuleSet:
    """One ruleset registered in the engine, as one or more C rulesets of ``CHUNK`` rules.

    The C core refuses a ruleset whose rules all start from one condition once there are more
    than 257 of them (error 108, ``ERR_RULE_BETA_LIMIT_EXCEEDED``: the trigger's list of
    successors is fixed), so a large rule file is split; each part sees the same facts.
    """

    def __init__(self, engine: Engine, ruleset: RuleSet, name: str) -> None:
        self.ruleset = ruleset
        self._engine = engine
        #: engine rule name -> rule id; ``_end`` maps to None.
        self._rule_of: dict[str, str | None] = {"_end": None}
        engine_rules: list[tuple[str, dict[str, Any]]] = []
        keys = _match_keys(ruleset)
        for rule in ruleset.rules:
            for i, alt in enumerate(rule.alternatives):
                for k, conditions in enumerate(_variants(alt.patterns, keys)):
                    engine_name = f"{rule.id}|{i}.{k}"
                    self._rule_of[engine_name] = rule.id
                    engine_rules.append(
                        (engine_name, {"all": [{"trg": dict(TRIGGER)}, *conditions]})
                    )
        self._handles: list[int] = []
        try:
            for part, start in enumerate(range(0, max(len(engine_rules), 1), CHUNK)):
                spec = dict(engine_rules[start : start + CHUNK])
                spec["_end"] = {"all": [{"trg": dict(TRIGGER)}]}
                self._handles.append(engine._register(f"{name}.{part}", spec))
        except BaseException:
            self.close()
            raise

    def evaluate(self, facts: Iterable[dict[str, Any]]) -> set[str]:
        """Ids of the rules that hold for ``facts`` (already projected)."""
        engine, hits = self._engine, set()
        with engine._lock:
            sid = f"e{next(engine._sids)}"
            messages = [
                jsontext.dumps_text({**fact, "sid": sid, "id": n}) for n, fact in enumerate(facts)
            ]
            trigger = jsontext.dumps_text({**TRIGGER, "sid": sid, "id": "trg"})
            for handle in self._handles:
                self._evaluate_part(handle, sid, messages, trigger, hits)
        hits.discard(None)
        return hits

    def _evaluate_part(
        self, handle: int, sid: str, messages: list[str], trigger: str, hits: set
    ) -> None:
        """One fresh session: the facts, then the trigger, then every action it queued.

        Facts no rule looks at come back as "not handled" (a return code, not an error). The
        trigger is asserted in ``finally`` so that ``_end`` has run before ``delete_state``
        whatever happened (notes §3.3).
        """
        rule_of = self._rule_of
        try:
            for message in messages:
                durable_rules_engine.assert_fact(handle, message)
        except durable_rules_engine.error as exc:
            if str(exc).endswith(" 303"):
                raise EngineLimitExceeded(str(exc)) from exc
            raise
        finally:
            try:
                _, state = durable_rules_engine.assert_fact(handle, trigger)
                started = durable_rules_engine.start_action_for_state(handle, state)
                action = started[1] if started else None
                while action:
                    hits.add(rule_of[_action_name(action)])
                    action = durable_rules_engine.complete_and_start_action(handle, state)
            finally:
                durable_rules_engine.delete_state(handle, sid)

    def close(self) -> None:
        """Free the C rulesets; called once no evaluation uses them any more."""
        with self._engine._lock:
            for handle in self._handles:
                self._engine._delete(handle)
            self._handles = []


def _action_name(message: str) -> str:
    """The engine rule an action message is for: its first key (``{"rule|0.0": {...}}``).

    Engine rule names are rule ids (dotted, no quotes) plus ``|i.k``, so the name ends at the
    first quote after the opening ``{"``; decoding the whole message, matched facts and all,
    would cost more than the rest of the action.
    """
    return message[2 : message.index('"', 2)]


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
