"""What one decision costs: the full path, the engine alone, and a hand-written floor.

Synthetic rulesets of 10 and 100 rules in the rule-file language; each rule tests one fact
for a group (equality), an amount (``gt``) and a status (``not_equals``), the workload of
``shared/notes/durable-rules.md`` §7. Every way of deciding is checked to give the same rule ids
on the same facts before any timing counts. Run: ``python -m benchmarks.decision_cost``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from kernel.rules import reference
from kernel.rules.book import RuleBook, RuleSource
from kernel.rules.facts import project

HERE = Path(__file__).parent
GROUPS = ["g0", "g1", "g2", "g3", "g4"]


def rule_text(n_rules: int) -> str:
    lines = ["title: {zh: 基准, en: Benchmark}", "rules:"]
    for i in range(n_rules):
        lines += [
            f"  - id: bench.r.r{i}",
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


def python_floor(n_rules: int) -> Callable[[list[dict]], set[str]]:
    """The same checks written by hand: the fastest this decision can be in Python."""
    rules = [(f"bench.r.r{i}", GROUPS[i % len(GROUPS)], i * 10) for i in range(n_rules)]

    def decide(facts: list[dict]) -> set[str]:
        fired = set()
        for fact in facts:
            if fact.get("kind") != "item" or fact.get("status") == "closed":
                continue
            group, amount = fact.get("group"), fact.get("amount")
            for rule_id, want, above in rules:
                if group == want and isinstance(amount, int | float) and amount > above:
                    fired.add(rule_id)
        return fired

    return decide


def facts_for(rng: random.Random, n_facts: int, n_rules: int) -> list[dict]:
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


def timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p99_us": round(samples[int(len(samples) * 0.99) - 1], 1),
        "runs": runs,
    }


def measure(n_rules: int, n_facts: int, runs: int, workdir: Path) -> dict:
    folder = workdir / f"r{n_rules}f{n_facts}" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yaml").write_text(rule_text(n_rules), "utf-8")
    book = RuleBook([RuleSource("bench", folder)])
    book.refresh()
    loaded = book.get("bench.rules")
    ruleset = loaded.ruleset
    floor = python_floor(n_rules)
    rng = random.Random(n_rules * 1000 + n_facts)
    inputs = [facts_for(rng, n_facts, n_rules) for _ in range(50)]
    as_of = dt.date(2026, 1, 1)
    for facts in inputs:  # the same answers, or the timings mean nothing
        projected = project(ruleset, facts)
        want = floor(facts)
        assert book.evaluate(["bench.rules"], facts, as_of).rule_ids() == want
        assert loaded.compiled.evaluate(projected) == want
        assert reference.fired(ruleset, projected) == want
    projected = [project(ruleset, f) for f in inputs]
    facts, pre = itertools.cycle(inputs), itertools.cycle(projected)
    result = {
        "rules": n_rules,
        "facts": n_facts,
        "decision": timed(lambda: book.evaluate(["bench.rules"], next(facts), as_of), runs),
        "engine_only": timed(lambda: loaded.compiled.evaluate(next(pre)), runs),
        "reference_python": timed(
            lambda: reference.fired(ruleset, project(ruleset, next(facts))), runs
        ),
        "hand_written_floor": timed(lambda: floor(next(facts)), runs),
    }
    book.close()
    floor_p50 = result["hand_written_floor"]["p50_us"]
    for key in ("decision", "engine_only", "reference_python"):
        result[key]["x_floor"] = round(result[key]["p50_us"] / floor_p50, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(r, f, args.runs, Path(tmp)) for r in (10, 100) for f in (1, 5, 20)]
    record = {
        "benchmark": "decision_cost",
        "date": dt.date.today().isoformat(),
        "command": "python -m benchmarks.decision_cost",
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
        },
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"{record['date']}-decision-cost.json"
    out.write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    print(
        f"{'rules':>5} {'facts':>5} | {'decision p50/p99 µs':>20} | {'engine only':>14} | "
        f"{'python ref':>12} | {'hand floor':>10} | decision ÷ floor"
    )
    for r in rows:
        d, e, p, h = (
            r[k] for k in ("decision", "engine_only", "reference_python", "hand_written_floor")
        )
        print(
            f"{r['rules']:>5} {r['facts']:>5} | {d['p50_us']:>9} / {d['p99_us']:<8} | "
            f"{e['p50_us']:>6} / {e['p99_us']:<6} | {p['p50_us']:>5} / {p['p99_us']:<5} | "
            f"{h['p50_us']:>4} / {h['p99_us']:<4} | {d['x_floor']}×"
        )
    print(f"written to {out}")


if __name__ == "__main__":
    main()
