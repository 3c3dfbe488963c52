"""The synthetic workload of ``decision_cost`` and every other way of deciding it.

Each rule ``bench.r.r<i>`` tests one fact of kind ``item`` for a group (equality with
``g<i mod 5>``), an amount (``gt i*10``) and a status (``not_equals closed``): the workload of
``shared/notes/durable-rules.md`` §7. The same rules exist four times here: as a rule file for
the kernel, as a hand-written Python loop (the floor), as one GoRules zen decision table and as
one ``rule_engine.Rule`` per rule. Each answers with the set of rule ids that hold.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import rule_engine
import zen

from .peer_common import one_table

GROUPS = ["g0", "g1", "g2", "g3", "g4"]
Facts = list[dict[str, Any]]
Decide = Callable[[Facts], set[str]]


def rule_id(i: int) -> str:
    return f"bench.r.r{i}"


def rule_text(n_rules: int) -> str:
    """The rules in the rule-file language, as the kernel reads them from ``rules.yaml``."""
    lines = ["title: {zh: 基准, en: Benchmark}", "rules:"]
    for i in range(n_rules):
        lines += [
            f"  - id: {rule_id(i)}",
            "    kind: violation",
            "    message: {zh: 规则, en: rule}",
            "    when:",
            "      fact: item",
            "      where:",
            f"        - {{field: group, equals: {GROUPS[i % len(GROUPS)]}}}",
            f"        - {{field: amount, gt: {i * 10}}}",
            "        - {field: status, not_equals: closed}",
        ]
    return "\n".join(lines) + "\n"


def facts_for(rng: random.Random, n_facts: int, n_rules: int) -> Facts:
    """Facts of which about two in three are open and each matches a fifth of the rules below
    its amount; the ``note`` field no rule reads is there so projection has work to do."""
    return [
        {
            "kind": "item",
            "group": rng.choice(GROUPS),
            "amount": rng.randint(0, n_rules * 10),
            "status": rng.choice(["open", "open", "closed"]),
            "note": "ignored by every rule",
        }
        for _ in range(n_facts)
    ]


def floor(n_rules: int) -> Decide:
    """The same checks written by hand: the fastest this decision can be in Python."""
    rules = [(rule_id(i), GROUPS[i % len(GROUPS)], i * 10) for i in range(n_rules)]

    def decide(facts: Facts) -> set[str]:
        fired = set()
        for fact in facts:
            if fact.get("kind") != "item" or fact.get("status") == "closed":
                continue
            group, amount = fact.get("group"), fact.get("amount")
            if isinstance(amount, bool) or not isinstance(amount, int | float):
                continue
            for rid, want, above in rules:
                if group == want and amount > above:
                    fired.add(rid)
        return fired

    return decide


def zen_graph(n_rules: int) -> dict[str, Any]:
    """One JDM graph: input → decision table (a row per rule, hit policy collect) → output.

    The table runs in ``loop`` mode over ``facts`` (its ``inputField``), so one call evaluates
    every fact; measured faster than one call per fact from 5 facts on, and no slower at 1.
    """
    rows = [
        {
            "_id": f"r{i}",
            "kind": '"item"',
            "group": f'"{GROUPS[i % len(GROUPS)]}"',
            "amount": f"> {i * 10}",
            "status": '$ != "closed"',
            "rule": f'"{rule_id(i)}"',
        }
        for i in range(n_rules)
    ]
    table = {
        "hitPolicy": "collect",
        "inputField": "facts",
        "executionMode": "loop",
        "outputPath": "hits",
        "inputs": [{"id": f, "name": f, "field": f} for f in ("kind", "group", "amount", "status")],
        "outputs": [{"id": "rule", "name": "rule", "field": "rule"}],
        "rules": rows,
    }
    return one_table(table)


def zen_ways(n_rules: int) -> dict[str, Decide]:
    """zen's two synchronous ways, both with all facts in one context.

    ``zen``: the fast path the issue names, the graph precompiled once
    (``ZenEngine(loader=…).get_decision``) and ``ZenDecision.evaluate`` called on it.
    ``zen_by_key``: ``ZenEngine.evaluate(key, …)``, which goes through the loader each call;
    measured faster than the precompiled decision for small tables (a fixed cost of the
    precompiled call), slower for large ones. The faster of the two is zen's figure.
    """
    graphs = {"bench": zen_graph(n_rules)}
    engine = zen.ZenEngine({"loader": lambda key: graphs[key]})
    decision = engine.get_decision("bench")

    def ids(result: dict[str, Any]) -> set[str]:
        return {row["rule"] for per_fact in result["result"]["hits"] for row in per_fact}

    def precompiled(facts: Facts) -> set[str]:
        return ids(decision.evaluate({"facts": facts}))

    def by_key(facts: Facts) -> set[str]:
        return ids(engine.evaluate("bench", {"facts": facts}))

    precompiled.decision = decision  # type: ignore[attr-defined]  # for zen's own timing
    return {"zen": precompiled, "zen_by_key": by_key}


def rule_engine_decide(n_rules: int) -> Decide:
    """rule-engine's natural use: one compiled ``Rule`` per rule, ``matches`` on each fact until
    one holds. (One comprehension ``Rule`` over the whole fact list was tried: ~100× slower,
    since rule-engine converts the whole context to its own types on every evaluation.)"""
    rules = [
        (
            rule_id(i),
            rule_engine.Rule(
                f'kind == "item" and group == "{GROUPS[i % len(GROUPS)]}" '
                f'and amount > {i * 10} and status != "closed"'
            ),
        )
        for i in range(n_rules)
    ]

    def decide(facts: Facts) -> set[str]:
        return {rid for rid, rule in rules if any(rule.matches(f) for f in facts)}

    return decide
