"""A bounded fuzz of the durable_rules back end, meant to run under valgrind.

Random rulesets in the rule language and random facts, evaluated and checked against the
reference. ``run_valgrind.sh`` runs this under memcheck and fails on any invalid read, write,
jump or free whose stack passes through durable_rules' C core (notes §3.6: the engine reads out
of bounds outside its safe subset; this proves the compiler keeps it inside).
"""

from __future__ import annotations

import json
import random
import sys

from kernel.rules import reference
from kernel.rules.compiler import compile_text
from kernel.rules.durable_backend import Engine, check
from kernel.rules.facts import project
from kernel.rules.problems import RuleFileError

KINDS = ["app", "unit", "doc"]
VALUES = {
    "s": ["x", "y", "中文", 'a"b', "back\\slash", ""],
    "n": [-1, 0, 1, 2.5, 10],
    "d": ["2024-01-01", "2025-01-01"],
    "b": [True, False],
}
FIELDS = {"s": "s", "s2": "s", "n": "n", "d": "d", "b": "b"}
OPS = {
    "s": ["equals", "not_equals", "in", "not_in", "matches", "exists", "absent"],
    "n": ["equals", "not_equals", "in", "lt", "lte", "gt", "gte", "absent"],
    "d": ["equals", "lt", "gte"],
    "b": ["equals", "not_equals"],
}


def field_test(rng: random.Random, depth: int = 0) -> dict:
    if depth < 2 and rng.random() < 0.2:
        group = rng.choice(["all", "any"])
        return {group: [field_test(rng, depth + 1) for _ in range(rng.randint(1, 2))]}
    field = rng.choice(sorted(FIELDS))
    ftype = FIELDS[field]
    op = rng.choice(OPS[ftype])
    if op in ("exists", "absent"):
        return {"field": field, op: True}
    if op == "matches":
        return {"field": field, op: rng.choice(["x", "[xy]", ".*", "中.*"])}
    if op in ("in", "not_in"):
        return {"field": field, op: rng.sample(VALUES[ftype], rng.randint(1, 2))}
    return {"field": field, op: rng.choice(VALUES[ftype])}


def rule(rng: random.Random, i: int) -> dict:
    parts, aliases = [], []
    for j in range(rng.randint(1, 3)):
        pattern: dict = {"fact": rng.choice(KINDS)}
        where = [field_test(rng) for _ in range(rng.randint(0, 2))]
        if aliases and rng.random() < 0.4:
            field = rng.choice(["s", "n"])
            where.append({"field": field, "equals": {"ref": f"{rng.choice(aliases)}.{field}"}})
        if where:
            pattern["where"] = where
        if rng.random() < 0.25:
            parts.append({"none": pattern})
        else:
            pattern["as"] = f"p{j}"
            aliases.append(f"p{j}")
            parts.append(pattern)
    return {
        "id": f"f.r.r{i}",
        "kind": "violation",
        "message": {"zh": "规则", "en": "rule"},
        "when": {"all": parts},
    }


def fact(rng: random.Random) -> dict:
    fields = rng.sample(sorted(FIELDS), rng.randint(0, len(FIELDS)))
    return {"kind": rng.choice(KINDS), **{f: rng.choice(VALUES[FIELDS[f]]) for f in fields}}


def main(rulesets: int, evaluations: int, seed: int) -> int:
    rng = random.Random(seed)
    engine = Engine()
    wrong = done = 0
    try:
        for n in range(rulesets):
            text = json.dumps(
                {
                    "title": {"zh": "模糊", "en": "fuzz"},
                    "rules": [rule(rng, i) for i in range(rng.randint(1, 5))],
                }
            )
            try:
                ruleset = compile_text(text, path="fuzz.yaml", process="f", name=f"f.z{n}")
            except RuleFileError:
                continue
            if check(ruleset):  # refused by the rule book as well: never loaded
                continue
            compiled = engine.load(ruleset)
            for _ in range(evaluations):
                facts = project(ruleset, [fact(rng) for _ in range(rng.randint(0, 5))])
                wrong += compiled.evaluate(facts) != reference.fired(ruleset, facts)
                done += 1
            compiled.close()
    finally:
        engine.close()
    print(f"fuzz: {done} evaluations, {wrong} disagreed with the reference")
    return 1 if wrong else 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]] or [40, 10, 2026]
    sys.exit(main(*args))
