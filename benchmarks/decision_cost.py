"""Decision cost, in process (issue #4, part 1): the kernel beside a hand-written floor and peers.

Synthetic rulesets of 10, 100 and 1,000 rules over 1, 5 and 20 facts (``peers_synthetic``),
decided by the kernel (``RuleBook.evaluate``), by a hand-written Python loop, by GoRules
zen-engine (one decision table, precompiled) and by rule-engine (one ``Rule`` per rule); then
one full ``Kernel.validate`` of each built-in process's main submission (``decision_inputs``),
with a hand-written floor for codeassign; then where the time goes (``decision_stages``).
Every way of deciding is checked to give the same rule ids on the same inputs before any
timing counts. Run: ``python -m benchmarks.decision_cost [--quick] [--json PATH]``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import peers_synthetic as syn
from benchmarks.common import Report, Table, Target, cli, machine, percentiles, ratio
from benchmarks.decision_inputs import (
    SUBMISSIONS,
    codeassign_floor,
    codeassign_variants,
)
from benchmarks.decision_stages import (
    ENGINE_C,
    PROFILE_GROUPS,
    STAGES,
    Laps,
    profiled_shares,
    session_probe_us,
    stage_us,
    staged_evaluate,
    staged_validate,
)
from kernel.config import Config
from kernel.core import Kernel
from kernel.rules.book import RuleBook, RuleSource

RULES = (10, 100, 1000)
FACTS = (1, 5, 20)
CHECKED = 50  # inputs every way of deciding must agree on before it is timed
AS_OF = dt.date(2026, 1, 1)
NAMES = ["bench.rules"]
PEERS = {"zen": "zen", "zen_by_key": "zen by key", "rule_engine": "rule-engine"}
#: Synthetic cells broken into stages: the representative one, and the worst against zen.
STAGE_CELLS = ((100, 5), (1000, 1))


@dataclass(frozen=True)
class Budget:
    """How long one measurement may take: runs = seconds ÷ cost, within [fewest, most]."""

    seconds: float
    fewest: int
    most: int


FULL = Budget(seconds=2.0, fewest=30, most=3000)
QUICK = Budget(seconds=0.15, fewest=5, most=300)


# -- timing ------------------------------------------------------------------------------------


ROUNDS = 5  # each way is timed in this many slices, the ways taking turns


def _cost_s(fn: Callable[[], object]) -> float:
    """Seconds per call, from the median of three probe calls."""
    probes = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        probes.append(time.perf_counter() - start)
    return max(statistics.median(probes), 1e-7)


def measure(ways: dict[str, Callable[[], object]], budget: Budget) -> dict[str, dict[str, float]]:
    """p50/p99 of each way with as many runs as the budget allows, and its rate on one core.

    The ways are timed side by side: in ``ROUNDS`` slices, taking turns in a rotating order,
    so that a change in the shared machine's load falls on all of them alike; the samples of
    all slices go through ``common.percentiles``. The run count comes from probe calls, so a
    90 ms cell gets ~30 runs where a 50 µs one gets 3,000. ``per_s`` is runs ÷ the time spent
    in the timed calls (1e6 ÷ mean µs), not 1e6 ÷ p50, so slow outliers count against it.
    """
    runs = {
        name: max(budget.fewest, min(budget.most, int(budget.seconds / _cost_s(fn))))
        for name, fn in ways.items()
    }
    for name, fn in ways.items():
        for _ in range(min(50, max(2, runs[name] // 10))):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in ways}
    clock, order = time.perf_counter_ns, list(ways)
    for turn in range(ROUNDS):
        for name in order[turn % len(order) :] + order[: turn % len(order)]:
            fn, got = ways[name], samples[name]
            fn()  # back in the caches after the other ways' turns
            for _ in range(-(-runs[name] // ROUNDS)):
                start = clock()
                fn()
                got.append((clock() - start) / 1000)
    result = {}
    for name, got in samples.items():
        mean = sum(got) / len(got)
        result[name] = {**percentiles(got), "mean_us": round(mean, 1), "per_s": round(1e6 / mean)}
    return result


def cycling(inputs: Sequence[Any]) -> Callable[[], Any]:
    """The next input at every call, round and round: every way is timed on the same inputs."""
    it: Iterator[Any] = itertools.cycle(inputs)
    return lambda: next(it)


def on_inputs(decide: syn.Decide, inputs: Sequence[syn.Facts]) -> Callable[[], object]:
    """``decide`` on the next of ``inputs`` at every call."""
    take = cycling(inputs)
    return lambda: decide(take())


def pp(stats: dict[str, float] | None) -> str:
    """``p50 / p99`` for a table cell."""
    if not stats:
        return "—"

    def short(us: float) -> str:
        return f"{us:,.1f}" if us < 100 else f"{us:,.0f}"

    return f"{short(stats['p50_us'])} / {short(stats['p99_us'])}"


# -- 1. synthetic rulesets -----------------------------------------------------------------------


def synthetic_book(n_rules: int, workdir: Path) -> RuleBook:
    """A rule book holding ``bench.rules``, loaded through the same gate as the real ones."""
    folder = workdir / f"r{n_rules}" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yaml").write_text(syn.rule_text(n_rules), "utf-8")
    book = RuleBook([RuleSource("bench", folder)])
    report = book.refresh()
    assert report.loaded == NAMES, report.problems
    return book


def zen_internal_us(decide: syn.Decide, inputs: Sequence[syn.Facts]) -> float:
    """Median of the time zen reports for itself (``performance``), on ``inputs``."""
    units = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
    found = []
    for facts in inputs:
        decision = decide.decision  # type: ignore[attr-defined]
        text = decision.evaluate({"facts": facts})["performance"]
        number, unit = re.fullmatch(r"([\d.]+)\s*(\D+)", text).groups()  # type: ignore[union-attr]
        found.append(float(number) * units[unit])
    return round(statistics.median(found), 1)


def synthetic_cell(
    book: RuleBook, ways: dict[str, syn.Decide], n_rules: int, n_facts: int, budget: Budget
) -> dict[str, Any]:
    """One cell: every way checked on the same inputs, then each timed on them."""
    rng = random.Random(n_rules * 1000 + n_facts)
    inputs = [syn.facts_for(rng, n_facts, n_rules) for _ in range(CHECKED)]
    fired = []
    for facts in inputs:  # the same answers, or the timings mean nothing
        want = ways["floor"](facts)
        assert book.evaluate(NAMES, facts, AS_OF).rule_ids() == want, "decision"
        for name, decide in ways.items():
            assert decide(facts) == want, f"{name}, {n_rules} rules × {n_facts} facts"
        fired.append(len(want))
    cell: dict[str, Any] = {
        "rules": n_rules,
        "facts": n_facts,
        "fired_mean": statistics.mean(fired),
    }
    take = cycling(inputs)
    timed_ways = {"decision": lambda: book.evaluate(NAMES, take(), AS_OF)}
    timed_ways.update({name: on_inputs(decide, inputs) for name, decide in ways.items()})
    cell.update(measure(timed_ways, budget))
    cell["zen_internal_p50_us"] = zen_internal_us(ways["zen"], inputs[:20])
    cell["inputs"] = inputs
    return cell


def synthetic(
    budget: Budget, workdir: Path
) -> tuple[list[dict[str, Any]], dict[tuple[int, int], dict[str, Any]]]:
    """Every cell; and for ``STAGE_CELLS`` what the stage breakdown needs (book, inputs)."""
    cells, keep = [], {}
    for n_rules in RULES:
        book = synthetic_book(n_rules, workdir)
        ways = {
            "floor": syn.floor(n_rules),
            **syn.zen_ways(n_rules),
            "rule_engine": syn.rule_engine_decide(n_rules),
        }
        for n_facts in FACTS:
            cell = synthetic_cell(book, ways, n_rules, n_facts, budget)
            inputs = cell.pop("inputs")
            if (n_rules, n_facts) in STAGE_CELLS:
                mean_us = cell["decision"]["mean_us"]
                keep[n_rules, n_facts] = {"book": book, "inputs": inputs, "mean_us": mean_us}
            cells.append(cell)
        if all(kept["book"] is not book for kept in keep.values()):
            book.close()
    return cells, keep


def fastest(cell: dict[str, Any], among: Sequence[str] = tuple(PEERS)) -> str:
    return min(among, key=lambda p: cell[p]["p50_us"])


def facts_text(n: int) -> str:
    return f"{n} fact" if n == 1 else f"{n} facts"


def synthetic_table(cells: list[dict[str, Any]]) -> Table:
    zen_self = " and ".join(
        f"{c['zen_internal_p50_us']:,.0f} µs where Python measured {c['zen']['p50_us']:,.0f} µs "
        f"({c['rules']:,}×{c['facts']})"
        for c in (cells[0], cells[-1])
    )
    rows = []
    for c in cells:
        peer, zen_way = fastest(c), fastest(c, ("zen", "zen_by_key"))
        rows.append(
            [
                c["rules"],
                c["facts"],
                round(c["fired_mean"], 1),
                pp(c["decision"]),
                c["decision"]["per_s"],
                pp(c["floor"]),
                pp(c[zen_way]) + (" (by key)" if zen_way == "zen_by_key" else ""),
                pp(c["rule_engine"]),
                ratio(c["decision"]["p50_us"], c["floor"]["p50_us"]),
                f"{ratio(c['decision']['p50_us'], c[peer]['p50_us'])} ({PEERS[peer]})",
                "/".join(str(c[k]["runs"]) for k in ("decision", "floor", zen_way, "rule_engine")),
            ]
        )
    return Table(
        "Synthetic rulesets: one decision, µs p50 / p99",
        [
            "rules",
            "facts",
            "fired (mean)",
            "decision",
            "decisions/s",
            "floor",
            "zen-engine",
            "rule-engine",
            "÷ floor",
            "÷ fastest peer",
            "runs d/f/z/r",
        ],
        rows,
        note=(
            "*decision*: `RuleBook.evaluate` (projection, durable_rules, dates in force, the "
            "`Decision` object); *decisions/s*: one thread, 1e6 ÷ the mean µs of the timed calls. "
            "*floor*: the same tests as a hand-written Python loop. *zen-engine*: one decision "
            "table (a row per rule, hit policy collect, loop mode over the facts, one sync call "
            "per decision), the faster of the precompiled `ZenEngine(loader=…).get_decision(…)"
            ".evaluate` and `ZenEngine.evaluate(key, …)` (marked *by key*); for the precompiled "
            f"call zen reported its own evaluation (`performance`, p50) at {zen_self}. "
            "*rule-engine*: one compiled `Rule` per rule, "
            "`matches` per fact until one holds. Peers return the set of rule ids (no decision "
            "object). Ratios are of p50s; *fired*: rules holding per decision; *runs*: decision"
            "/floor/zen/rule-engine. All ways gave the same rule ids on the same "
            f"{CHECKED} inputs per cell before timing; the inputs are cycled while timed."
        ),
    )


# -- 2. the built-in guarding rulesets ---------------------------------------------------------


def check_codeassign_floor(kernel: Kernel) -> int:
    """Assert the hand-written codeassign decision agrees with the kernel; how many inputs."""
    pairs = codeassign_variants(random.Random(4), CHECKED)
    pairs += [(s.document, s.context) for s in SUBMISSIONS if s.process == "codeassign"]
    for document, context in pairs:
        decision = kernel.validate(
            "codeassign", document, matter=document.get("matter"), context=context
        )
        want = decision.rule_ids() if decision.rulesets else None  # None: refused by schema
        assert codeassign_floor(document, context) == want, (document, context)
    return len(pairs)


def guarding(kernel: Kernel, budget: Budget) -> list[dict[str, Any]]:
    rows = []
    for sub in SUBMISSIONS:
        proc = kernel.process(sub.process)
        wf = kernel._workflow(proc, sub.workflow, sub.matter)
        step = kernel._transition(wf, sub.transition)
        context = {"transition": step.name, **sub.context}
        facts = kernel.facts(sub.process, wf.name, sub.matter, sub.document, context)
        decision = kernel.validate(sub.process, sub.document, **sub.kwargs())
        assert decision.rulesets, f"{sub.label}: refused by its schema, not a realistic case"
        row: dict[str, Any] = {
            "label": sub.label,
            "rulesets": list(step.rulesets),
            "rules": sum(len(kernel.rules.get(n).ruleset.rules) for n in step.rulesets),
            "facts": len(facts),
            "outcomes": sorted(decision.rule_ids()),
        }
        ways = {"decision": lambda s=sub: kernel.validate(s.process, s.document, **s.kwargs())}
        if sub.process == "codeassign":
            assert codeassign_floor(sub.document, sub.context) == decision.rule_ids()
            ways["floor"] = lambda s=sub: codeassign_floor(s.document, s.context)
        row.update(measure(ways, budget))
        rows.append(row)
    return rows


def guarding_table(rows: list[dict[str, Any]], checked: int) -> Table:
    return Table(
        "Built-in processes: one full `Kernel.validate`, µs p50 / p99",
        [
            "submission",
            "rulesets",
            "rules",
            "facts",
            "outcomes",
            "validate",
            "decisions/s",
            "floor",
            "÷ floor",
            "runs",
        ],
        [
            [
                r["label"],
                len(r["rulesets"]),
                r["rules"],
                r["facts"],
                len(r["outcomes"]),
                pp(r["decision"]),
                r["decision"]["per_s"],
                pp(r.get("floor")),
                ratio(r["decision"]["p50_us"], r["floor"]["p50_us"]) if "floor" in r else "—",
                r["decision"]["runs"],
            ]
            for r in rows
        ],
        note=(
            "*validate*: schema validation, the plugins' facts, every rule of every ruleset "
            "guarding the transition (*rules*: how many were evaluated), the decision and its "
            "metrics. *floor* (codeassign only): `decision_inputs.codeassign_floor`, the "
            "schema checked by hand with the kernel's own identifier functions (uscc, mobile), "
            "the facts and the seven rules as plain Python; it agreed with the kernel on "
            f"{checked} documents and contexts (every rule firing, 5 schema refusals) first."
        ),
    )


# -- 3. stages ---------------------------------------------------------------------------------


Staged = Callable[[Laps], Any]


def synthetic_workload(kept: dict[str, Any]) -> tuple[Staged, Callable[[], Any], float]:
    """A synthetic cell's staged and real decision, on its checked inputs in turn."""
    book, take_staged, take_real = kept["book"], cycling(kept["inputs"]), cycling(kept["inputs"])
    for facts in kept["inputs"]:
        laps = Laps()
        laps.start()
        got = staged_evaluate(book, NAMES, facts, AS_OF, laps)
        assert got == book.evaluate(NAMES, facts, AS_OF), "staged synthetic decision differs"

    def staged(laps: Laps) -> Any:
        laps.start()
        return staged_evaluate(book, NAMES, take_staged(), AS_OF, laps)

    return staged, lambda: book.evaluate(NAMES, take_real(), AS_OF), kept["mean_us"]


def stage_workloads(
    kernel: Kernel, kept: dict[tuple[int, int], dict[str, Any]], guarded: list[dict[str, Any]]
) -> dict[str, tuple[Staged, Callable[[], Any], float]]:
    """Short label -> (staged decision, real decision, the real one's mean µs), each checked."""
    found = {
        f"{rules:,}×{facts}": synthetic_workload(kept[rules, facts]) for rules, facts in STAGE_CELLS
    }
    means = {r["label"]: r["decision"]["mean_us"] for r in guarded}
    for short, sub in zip(("codeassign ok", "codeassign refused"), SUBMISSIONS[:2], strict=True):
        staged = staged_validate(kernel, sub.process, sub.document, Laps(), **sub.kwargs())
        assert staged == kernel.validate(sub.process, sub.document, **sub.kwargs()), sub.label
        found[short] = (
            lambda laps, s=sub: staged_validate(kernel, s.process, s.document, laps, **s.kwargs()),
            lambda s=sub: kernel.validate(s.process, s.document, **s.kwargs()),
            means[sub.label],
        )
    return found


def stages(
    kernel: Kernel,
    kept: dict[tuple[int, int], dict[str, Any]],
    guarded: list[dict[str, Any]],
    budget: Budget,
) -> dict[str, dict[str, Any]]:
    """Per workload: µs per stage (staged run), cProfile shares, the plain decision's mean,
    and what opening one engine session costs for its ruleset."""
    compiled = {f"{r:,}×{f}": kept[r, f]["book"].get(NAMES[0]).compiled for r, f in STAGE_CELLS}
    compiled["codeassign ok"] = compiled["codeassign refused"] = kernel.rules.get(
        "codeassign.submit"
    ).compiled
    result = {}
    for label, (staged, real, mean_us) in stage_workloads(kernel, kept, guarded).items():
        runs = max(budget.fewest, min(5 * budget.most, int(budget.seconds / (mean_us / 1e6))))
        result[label] = {
            "us": stage_us(staged, runs),
            "profile_percent": profiled_shares(real, max(budget.fewest, runs // 2)),
            "plain_mean_us": mean_us,
            "runs": runs,
            "session_probe_us": session_probe_us(compiled[label], max(20, runs // 10)),
            "c_rulesets": len(compiled[label]._handles),
        }
    return result


def dominant(us: dict[str, float]) -> str:
    """The largest stage and its share of the staged total, for a target's text."""
    stage = max(us, key=us.__getitem__)
    return f"{stage} {100 * us[stage] / sum(us.values()):.0f} %"


def stage_tables(found: dict[str, dict[str, Any]]) -> list[Table]:
    labels = list(found)
    columns = ["stage", "what"]
    for label in labels:
        columns += [f"{label} µs", "%"]
    sums = [("**engine, C calls**", " + ".join(ENGINE_C), ENGINE_C)]
    sums.append(("**all stages**", "sum of the stages", tuple(STAGES)))
    rows = []
    for stage, what, keys in [(k, w, (k,)) for k, w in STAGES.items()] + sums:
        row: list[Any] = [stage, what]
        for label in labels:
            us = found[label]["us"]
            part = sum(us[k] for k in keys)
            row += [round(part, 1), round(100 * part / sum(us.values()), 1)]
        rows.append(row)
    row = ["plain decision", "mean µs of the un-instrumented call, same run"]
    for label in labels:
        row += [round(found[label]["plain_mean_us"], 1), ""]
    rows.append(row)
    by_stage = Table(
        "Where one decision's time goes (each stage timed separately)",
        columns,
        rows,
        note=(
            "Columns: synthetic rules×facts cells (`RuleBook.evaluate`, so no schema, facts or "
            "metrics), and the codeassign submission accepted and refused (`Kernel.validate`). "
            "Each decision re-run with a clock read between stages (`decision_stages`), checked "
            "to give the same `Decision` as the real call; µs are means per decision over "
            + ", ".join(f"{found[k]['runs']:,}" for k in labels)
            + " runs. JSON decoding of the facts happens inside the C `assert_fact` and cannot "
            "be split from its matching; durable_rules' Python host layer is not in the path "
            "(the kernel drives `durable_rules_engine` directly). A ruleset of more than 200 "
            "rules is several C rulesets, each a session that asserts every fact. Opening a "
            "session with a fact no rule reads costs (median µs per C ruleset × C rulesets): "
            + "; ".join(
                f"{k} {found[k]['session_probe_us']:,.1f} × {found[k]['c_rulesets']}"
                for k in labels
            )
            + "."
        ),
    )
    profile = Table(
        "Cross-check: cProfile of the real call, % of profiled time",
        ["stage", *labels],
        [[g, *(round(found[k]["profile_percent"][g], 1) for k in labels)] for g in PROFILE_GROUPS],
        note=(
            "Grouped from cProfile (`decision_stages.profiled_shares`): cumulative time of "
            "`SchemaRegistry.validate`, `Kernel.facts`, `facts.project`, `Metrics.decision`; "
            "`jsontext.dumps_text` called from the back end; own time of every "
            "`durable_rules_engine` call; the rest is Python. The profiler inflates Python "
            "calls, so C looks smaller."
        ),
    )
    return [by_stage, profile]


# -- 4. targets --------------------------------------------------------------------------------


def _why(found: dict[str, dict[str, Any]], n_rules: int) -> str:
    """Where a missed synthetic target's time goes: the stage cell of that size, or 100×5."""
    label = next(
        (f"{r:,}×{f}" for r, f in STAGE_CELLS if r == n_rules),
        f"{STAGE_CELLS[0][0]:,}×{STAGE_CELLS[0][1]}",
    )
    return f"; largest stage at {label}: {dominant(found[label]['us'])}"


def targets(
    cells: list[dict[str, Any]], guarded: list[dict[str, Any]], found: dict[str, dict[str, Any]]
) -> list[Target]:
    result = []
    for n_rules in RULES:
        row = [c for c in cells if c["rules"] == n_rules]
        x_floor = {c["facts"]: c["decision"]["p50_us"] / c["floor"]["p50_us"] for c in row}
        worst, best = max(x_floor, key=x_floor.__getitem__), min(x_floor, key=x_floor.__getitem__)
        met = x_floor[worst] <= 5
        result.append(
            Target(
                f"decision within 5× the floor, {n_rules:,} rules",
                "p50 ≤ 5× the hand-written floor's, at 1, 5 and 20 facts",
                f"worst {x_floor[worst]:.1f}× ({facts_text(worst)}), best "
                f"{x_floor[best]:.1f}× ({facts_text(best)})"
                + ("" if met else _why(found, n_rules)),
                met,
            )
        )
    for n_rules in RULES:
        row = [c for c in cells if c["rules"] == n_rules]
        x_peer = {c["facts"]: c["decision"]["p50_us"] / c[fastest(c)]["p50_us"] for c in row}
        worst = max(x_peer, key=x_peer.__getitem__)
        peer = fastest(next(c for c in row if c["facts"] == worst))
        met = x_peer[worst] <= 1
        result.append(
            Target(
                f"no slower than the fastest peer, {n_rules:,} rules",
                "p50 ≤ the fastest of zen-engine (either way) and rule-engine, at 1, 5, 20 facts",
                f"worst {x_peer[worst]:.3f}× {PEERS[peer]} ({facts_text(worst)}), best "
                f"{min(x_peer.values()):.2f}×" + ("" if met else _why(found, n_rules)),
                met,
            )
        )
    for short, r in zip(("codeassign ok", "codeassign refused"), guarded[:2], strict=True):
        x = r["decision"]["p50_us"] / r["floor"]["p50_us"]
        result.append(
            Target(
                f"{r['label']}: within 5× the floor",
                "full `Kernel.validate` p50 ≤ 5× the hand-written floor's",
                f"{x:.1f}×"
                + ("" if x <= 5 else f"; largest stage: {dominant(found[short]['us'])}"),
                x <= 5,
            )
        )
    return result


# -- the report --------------------------------------------------------------------------------


def run(quick: bool) -> Report:
    budget = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="govflow-decision-") as tmp:
        cells, kept = synthetic(budget, Path(tmp))
        kernel = Kernel.build(Config(watch_rules=False))
        checked = check_codeassign_floor(kernel)
        guarded = guarding(kernel, budget)
        found = stages(kernel, kept, guarded, budget)
        for book in {id(k["book"]): k["book"] for k in kept.values()}.values():
            book.close()
        kernel.close()
    return Report(
        name="Decision cost, in process",
        command="python -m benchmarks.decision_cost" + (" --quick" if quick else ""),
        tables=[synthetic_table(cells), guarding_table(guarded, checked), *stage_tables(found)],
        targets=targets(cells, guarded, found),
        raw={
            "machine": machine(),
            "date": dt.date.today().isoformat(),
            "budget": asdict(budget),
            "synthetic": cells,
            "guarding": guarded,
            "stages": found,
        },
    )


if __name__ == "__main__":
    cli(run)
